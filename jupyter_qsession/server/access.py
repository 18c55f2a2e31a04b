"""Who may see and act on a session, decided by jupyter-server's own authorizer.

Every handler first needs ``read`` (to look) or ``write`` (to act) on the resource ``qsession``
(``@authorized``). A session's owner may then act on it; anyone else also needs the same action
on ``qsession:others`` — which the default ``AllowAllAuthorizer`` grants and a shared server's
authorizer (JupyterHub, a custom one) may refuse.

Sessions found elsewhere on the account (``origin="elsewhere"``: a script's, another server's)
also need the action on ``qsession:account`` (:data:`ACCOUNT`): ``read`` to see them at all,
``write`` to close or cancel them. Without ``read`` they are refused as unknown ids are.

Existence never leaks: something the caller may not see is refused exactly as an unknown id
is — same status, same message, byte for byte — whether asked for by its own id or by one of
its jobs'. Only a caller who may see it hears that it exists and who owns it.
"""

from __future__ import annotations

from jupyter_core.utils import ensure_async
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider

from ..errors import Forbidden, NotFound
from ..vocabulary import SessionOrigin
from .models import SessionModel

# jupyter-server's identity providers that know no one by name (a single-user server).
SINGLE_USER = (IdentityProvider, PasswordIdentityProvider)

RESOURCE = "qsession"
OTHERS = "qsession:others"
ACCOUNT = "qsession:account"


def unknown_session(session_id: str) -> NotFound:
    """The refusal for a session id this server does not know — and, word for word, for one
    the caller may not see, so that a refusal never tells whether someone else's exists."""
    return NotFound(f"No session {session_id!r} is registered on this server.")


def unknown_job(job_id: str) -> NotFound:
    """As :func:`unknown_session`, for a job id."""
    return NotFound(f"No job {job_id!r} belongs to a session registered on this server.")


def username(handler) -> str:
    """Whose sessions are the caller's. jupyter-server's own identity providers know one
    person, who passed its token or password, and name each browser a random anonymous user:
    that person is the server's owner (``c.QSessionApp.default_owner``), whose sessions the
    kernels open. A real identity provider (JupyterHub's, a custom one) names the caller."""
    if type(handler.identity_provider) in SINGLE_USER:
        return handler.settings["qsession_manager"].provider.kernel_user
    return handler.current_user.username


async def may(handler, action: str, session: SessionModel) -> bool:
    return (await Rights.of(handler, action)).cover(session)


async def may_on_account(handler, action: str) -> bool:
    """``read``: see the sessions found elsewhere on the account; ``write``: act on them."""
    return await allowed(handler, action, ACCOUNT)


async def may_on_others(handler, action: str) -> bool:
    return await allowed(handler, action, OTHERS)


async def allowed(handler, action: str, resource: str = RESOURCE) -> bool:
    decision = handler.authorizer.is_authorized(handler, handler.current_user, action, resource)
    return bool(await ensure_async(decision))


async def visible(handler, sessions: list[SessionModel]) -> list[SessionModel]:
    """The sessions the caller may read; others' and those found elsewhere only when the
    authorizer says so."""
    rights = await Rights.of(handler, "read")
    return [s for s in sessions if rights.cover(s)]


async def closable(handler, sessions: list[SessionModel]) -> list[SessionModel]:
    """The caller's own sessions among ``sessions`` that they may close: close-idle acts on
    these only (someone else's never, even for a caller who may act on others')."""
    rights = await Rights.of(handler, "write")
    mine = username(handler)
    return [s for s in sessions if s.owner == mine and rights.cover(s)]


class Rights:
    """One caller's decisions for one action, asked once and applied to one session
    (:func:`may`) or many (:func:`visible`, :func:`closable`)."""

    def __init__(self, user: str, on_others: bool, on_account: bool) -> None:
        self.user = user
        self.on_others = on_others
        self.on_account = on_account

    @classmethod
    async def of(cls, handler, action: str) -> Rights:
        return cls(
            username(handler),
            await may_on_others(handler, action),
            await may_on_account(handler, action),
        )

    def cover(self, session: SessionModel) -> bool:
        if session.origin == SessionOrigin.ELSEWHERE and not self.on_account:
            return False
        return self.on_others or session.owner == self.user


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
