"""REST handlers of ``/qsession/api/``: thin — check access, call the manager, send the model.

Errors are :mod:`jupyter_qsession.errors` exceptions, raised anywhere below a handler; one
place, :class:`Refusals`, turns them into the HTTP answer jupyter-server gives its own
``HTTPError`` s: ``{"message": ...}`` with their status.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
from http.client import responses
from typing import Any

import tornado
from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError

from .. import __version__
from ..errors import BadRequest, Forbidden, NotAuthenticated, QSessionError
from ..vocabulary import SessionOrigin
from ..wire import API_VERSION, KERNEL_TOKEN_HEADER, kernel_token
from . import access
from .manager import SessionManager, idle
from .models import AccountList, CloseIdle, RegisterSession, ServerInfo, SessionList

log = logging.getLogger(__name__)
METHODS = ("get", "post", "put", "patch", "delete")


class Refusals:
    """The handler boundary: a :class:`QSessionError` raised by a handler method (or by
    ``prepare``) is answered as tornado answers ``HTTPError(status, message)`` — same status,
    same body, same log line — so a refusal reads the same whichever layer raised it."""

    def _handle_request_exception(self, e: BaseException) -> None:
        if not isinstance(e, QSessionError):
            super()._handle_request_exception(e)  # type: ignore[misc]
            return
        try:
            raise tornado.web.HTTPError(e.status, log_message=e.message) from e
        except tornado.web.HTTPError as http:  # tornado reads sys.exc_info(): this one
            super()._handle_request_exception(http)  # type: ignore[misc]


class QSessionHandler(Refusals, ExtensionHandlerMixin, APIHandler):
    auth_resource = access.RESOURCE

    @property
    def manager(self) -> SessionManager:
        return self.settings["qsession_manager"]

    async def prepare(self) -> None:
        await super().prepare()
        # The first requests after start-up wait until the registry is reattached.
        await self.manager.started.wait()

    def send(self, model: BaseModel) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(model.model_dump_json())

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """APIHandler's ``{"message", "reason"}``, with the message as written (APIHandler
        shows tornado's ``log_message``: arguments left out, a '%' doubled) and, on a 405, the
        methods the route has (RFC 9110)."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        reply: dict[str, Any] = {"message": responses.get(status_code, "Unknown HTTP Error")}
        if isinstance(exc, tornado.web.HTTPError):
            reply.update(message=_message(exc) or reply["message"], reason=exc.reason)
        elif exc is not None:
            reply.update(message="Unhandled error", reason=None)
        if status_code == 405:
            self.set_header("Allow", ", ".join(m.upper() for m in methods(type(self))))
        self.finish(json.dumps(reply))

    def log_exception(self, typ, value, tb) -> None:
        """Refusals are expected: log their message as is (it may contain ``%``); a registry
        fault was logged as an error once, so each request refused for it is a warning."""
        ours = isinstance(getattr(value, "__cause__", None), QSessionError)
        if isinstance(value, tornado.web.HTTPError) and (ours or value.status_code < 500):
            level = logging.INFO if value.status_code < 500 else logging.WARNING
            log.log(
                level, "%d %s: %s", value.status_code, self._request_summary(), value.log_message
            )
        else:
            super().log_exception(typ, value, tb)


class InfoHandler(QSessionHandler):
    @tornado.web.authenticated
    @authorized("read")
    async def get(self) -> None:
        self.send(
            ServerInfo(
                version=__version__,
                api_version=API_VERSION,
                user=access.username(self),
                can_write=await access.allowed(self, "write"),
                can_act_on_others=await access.may_on_others(self, "write"),
                can_see_account=await access.may_on_account(self, "read"),
                can_act_on_account=await access.may_on_account(self, "write"),
                registry_error=self.manager.registry_error,
                warnings=self.manager.warnings + self.manager.provider.notices,
                ended_sessions_visible_for=_finite(self.manager.ended_visible_for),
            )
        )


class SessionsHandler(QSessionHandler):
    @tornado.web.authenticated
    @authorized("read")
    async def get(self) -> None:
        sessions = self.manager.list(self._ended_within())
        origin = self.get_query_argument("origin", "all")
        if origin not in ("all", *SessionOrigin):
            raise BadRequest(f"origin must be 'kernel', 'elsewhere' or 'all', not {origin!r}.")
        if origin != "all":
            sessions = [s for s in sessions if s.origin == origin]
        only_idle = self.get_query_argument("idle", None)
        if only_idle not in (None, "true", "false"):
            raise BadRequest(f"idle must be 'true' or 'false', not {only_idle!r}.")
        if only_idle == "true":
            # The caller's own idle sessions, those they may close: what close-idle closes.
            sessions = [s for s in await access.closable(self, sessions) if idle(s)]
        else:
            sessions = await access.visible(self, sessions)
        self.send(SessionList(sessions=sessions))

    def _ended_within(self) -> float:
        """``?ended=all``: every ended session the registry keeps; ``?ended_within=SECONDS``:
        those ended that recently; neither: the live view (``ended_sessions_visible_for``)."""
        ended = self.get_query_argument("ended", None)
        within = self.get_query_argument("ended_within", None)
        if ended is not None and within is not None:
            raise BadRequest("Give either ended=all or ended_within=SECONDS, not both.")
        if ended is not None:
            if ended != "all":
                raise BadRequest(f"ended must be 'all', not {ended!r}.")
            return math.inf
        if within is None:
            return self.manager.ended_visible_for
        try:
            seconds = float(within)
        except ValueError:
            seconds = math.nan
        if not 0 <= seconds < math.inf:
            raise BadRequest(f"ended_within must be a number of seconds >= 0, not {within!r}.")
        return seconds


class SessionHandler(QSessionHandler):
    @tornado.web.authenticated
    @authorized("read")
    async def get(self, session_id: str) -> None:
        self.send(await access.require(self, "read", self.manager.get(session_id)))


class SessionActionHandler(QSessionHandler):
    """``POST sessions/{id}/close`` and ``POST sessions/{id}/cancel``."""

    @tornado.web.authenticated
    @authorized("write")
    async def post(self, session_id: str, action: str) -> None:
        await access.require(self, "write", self.manager.get(session_id))
        if action == "close":
            self.send(await self.manager.close(session_id))
        else:
            self.send(await self.manager.cancel(session_id))


class CloseIdleHandler(QSessionHandler):
    """``POST sessions/close-idle``: close the caller's idle sessions (all, or the listed)."""

    @tornado.web.authenticated
    @authorized("write")
    async def post(self) -> None:
        try:
            body = CloseIdle.model_validate_json(self.request.body or b"{}")
        except ValidationError as exc:
            raise BadRequest(
                f"Expected {{'session_ids': [...]}} or {{}}: {_first_error(exc)}"
            ) from None
        mine = await access.closable(self, self.manager.list())
        self.send(await self.manager.close_idle(mine, body.session_ids))


class AccountsHandler(QSessionHandler):
    """``GET accounts``: every account the lab serves; ``?refresh=1`` asks each reachable
    account's usage now."""

    @tornado.web.authenticated
    @authorized("read")
    async def get(self) -> None:
        accounts = self.manager.provider
        if self.get_query_argument("refresh", "") not in ("", "0"):
            await accounts.refresh_all(usage=True)
        self.send(AccountList(accounts=accounts.models()))


class JobCancelHandler(QSessionHandler):
    @tornado.web.authenticated
    @authorized("write")
    async def post(self, job_id: str) -> None:
        session = self.manager.session_of_job(job_id)
        await access.require(self, "write", session, unknown=access.unknown_job(job_id))
        self.send(await self.manager.cancel_job(job_id))


class KernelBridge(QSessionHandler):
    """The kernel bridge's routes, authenticated by the kernel's bridge token instead of a
    user's credentials (a kernel has none); the token binds the request to one kernel id, so
    no kernel can act for another."""

    def check_xsrf_cookie(self) -> None:
        """No cookie is involved: the token travels in a custom header a browser cannot forge."""

    def _verify_kernel(self, kernel_id: str) -> None:
        token = self.request.headers.get(KERNEL_TOKEN_HEADER)
        if not token:
            raise NotAuthenticated(f"Missing the kernel bridge token ({KERNEL_TOKEN_HEADER}).")
        # One refusal for an unknown kernel and a wrong token: no probing for kernel ids.
        refused = Forbidden(f"The bridge token is not kernel {kernel_id}'s.")
        kernels = self.kernel_manager
        if kernel_id not in kernels:
            raise refused
        expected = kernel_token(kernels.get_kernel(kernel_id).session.key, kernel_id)
        if not hmac.compare_digest(token.encode(), expected.encode()):
            raise refused


class KernelSessionsHandler(KernelBridge):
    """A kernel registers the sessions it opens under its own id, and lists them."""

    @allow_unauthenticated
    async def get(self, kernel_id: str) -> None:
        self._verify_kernel(kernel_id)
        self.send(SessionList(sessions=self.manager.of_kernel(kernel_id)))

    @allow_unauthenticated
    async def post(self, kernel_id: str) -> None:
        self._verify_kernel(kernel_id)
        try:
            body = RegisterSession.model_validate_json(self.request.body or b"")
        except ValidationError as exc:
            raise BadRequest(f"Expected {{'session_id': ...}}: {_first_error(exc)}") from None
        owner = self.extensionapp.default_owner  # never what the kernel claims
        notebook = await notebook_of(self.session_manager, kernel_id)
        self.send(
            await self.manager.register(
                body.session_id, kernel_id, owner, notebook, account=body.account
            )
        )


class KernelAccountsHandler(KernelBridge):
    """The kernel bridge: the accounts the lab serves (no tokens), so the magic finds the
    account that has a backend; the kernel reaches each with credentials of its own."""

    @allow_unauthenticated
    async def get(self, kernel_id: str) -> None:
        self._verify_kernel(kernel_id)
        self.send(AccountList(accounts=self.manager.provider.models()))


async def notebook_of(sessions: Any, kernel_id: str) -> str | None:
    """The path of the notebook (or console) jupyter-server's session manager (Jupyter's
    sessions, not Qiskit's) ties ``kernel_id`` to, or None."""
    for model in await sessions.list_sessions():
        if (model.get("kernel") or {}).get("id") == kernel_id:
            return model.get("path") or model.get("name") or None
    return None


def _finite(seconds: float) -> float | None:
    return seconds if math.isfinite(seconds) else None


def methods(handler: type) -> list[str]:
    """The HTTP methods a handler class serves (lower case)."""
    return [m for m in METHODS if getattr(handler, m) is not getattr(APIHandler, m)]


def _message(exc: tornado.web.HTTPError) -> str | None:
    get_message = getattr(exc, "get_message", None)  # tornado >= 6.5
    if get_message is not None:
        return get_message()
    return exc.log_message % exc.args if exc.args else exc.log_message


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ())) or "body"
    return f"{where}: {error['msg']}"
