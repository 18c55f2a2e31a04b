"""Who may see and act on a session, decided by jupyter-server's own authorizer.

Every handler first needs ``read`` (to look) or ``write`` (to act) on the resource ``qsession``
(``@authorized``). A session's owner may then act on it; anyone else also needs the same action
on ``qsession:others`` — which the default ``AllowAllAuthorizer`` grants and a shared server's
authorizer (JupyterHub, a custom one) may refuse.
"""

from __future__ import annotations

from jupyter_core.utils import ensure_async

from .errors import Forbidden, NotFound
from .models import SessionModel

RESOURCE = "qsession"
OTHERS = "qsession:others"


def username(handler) -> str:
    return handler.current_user.username


async def may(handler, action: str, session: SessionModel) -> bool:
    if session.owner == username(handler):
        return True
    return await may_on_others(handler, action)


async def may_on_others(handler, action: str) -> bool:
    return await allowed(handler, action, OTHERS)


async def allowed(handler, action: str, resource: str = RESOURCE) -> bool:
    decision = handler.authorizer.is_authorized(handler, handler.current_user, action, resource)
    return bool(await ensure_async(decision))


async def visible(handler, sessions: list[SessionModel]) -> list[SessionModel]:
    """The sessions the caller may read; others' only when the authorizer says so."""
    if await may_on_others(handler, "read"):
        return sessions
    mine = username(handler)
    return [s for s in sessions if s.owner == mine]


async def require(handler, action: str, session: SessionModel) -> SessionModel:
    """Return ``session`` if the caller may ``action`` it: 404 if they may not even see it."""
    if not await may(handler, "read", session):
        raise NotFound(f"No session {session.id!r} is registered on this server.")
    if action != "read" and not await may(handler, action, session):
        raise Forbidden(f"Session {session.id} belongs to {session.owner}; you may not change it.")
    return session
