"""Who may see and act on a session, decided by jupyter-server's own authorizer.

Every handler first needs ``read`` (to look) or ``write`` (to act) on the resource ``qsession``
(``@authorized``). A session's owner may then act on it; anyone else also needs the same action
on ``qsession:others`` — which the default ``AllowAllAuthorizer`` grants and a shared server's
authorizer (JupyterHub, a custom one) may refuse.

Existence never leaks: something the caller may not see is refused exactly as an unknown id
is — same status, same message, byte for byte — whether asked for by its own id or by one of
its jobs'. Only a caller who may see it hears that it exists and who owns it.
"""

from __future__ import annotations

from jupyter_core.utils import ensure_async

from ..errors import Forbidden, NotFound
from .models import SessionModel

RESOURCE = "qsession"
OTHERS = "qsession:others"


def unknown_session(session_id: str) -> NotFound:
    """The refusal for a session id this server does not know — and, word for word, for one
    the caller may not see, so that a refusal never tells whether someone else's exists."""
    return NotFound(f"No session {session_id!r} is registered on this server.")


def unknown_job(job_id: str) -> NotFound:
    """As :func:`unknown_session`, for a job id."""
    return NotFound(f"No job {job_id!r} belongs to a session registered on this server.")


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


async def require(
    handler, action: str, session: SessionModel, unknown: NotFound | None = None
) -> SessionModel:
    """Return ``session`` if the caller may ``action`` it. If they may not even see it, raise
    ``unknown``: the refusal the id they asked for gets when nothing has it (default: the
    session's own id's; a job's caller passes the job's)."""
    if not await may(handler, "read", session):
        raise unknown if unknown is not None else unknown_session(session.id)
    if action != "read" and not await may(handler, action, session):
        raise Forbidden(f"Session {session.id} belongs to {session.owner}; you may not change it.")
    return session
