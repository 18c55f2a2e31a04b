"""The base of the emulator's request handlers: bearer auth, JSON in and out, every refusal a
:class:`QSessionError` answered once as the service's JSON error body with its status.

Nothing is acknowledged that is not on disk: a request that changes state (POST, PUT, PATCH,
DELETE) first commits what changed before it (clock events; a 503 if the disk refuses, before
anything is touched), then its command runs, and its changes are committed in ``finish``
before a byte of the answer is written. If that commit fails the command is undone
(:meth:`.Emulator.commit_command`) and the answer is the 503 of
:class:`.EmulatorStateUnavailable`, so a client retrying it cannot make a duplicate.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tornado import web

from ..errors import NotFound, QSessionError
from . import failpoints
from .auth import OPERATOR
from .models import Job, Session
from .request_body import parse_object

if TYPE_CHECKING:
    from .emulator import Emulator
    from .scheduler import QueueScheduler

METHODS = ("get", "post", "put", "patch", "delete")
CHANGING = ("POST", "PUT", "PATCH", "DELETE")


class EmulatorHandler(web.RequestHandler):
    """Base: bearer auth, state brought up to the current time, JSON in and out."""

    requires_auth = True
    # Whether a failed commit undoes the request's changes: yes for commands, which run in
    # one loop callback right after a commit; no for what the clock does (ClockHandler).
    undo_on_failure = True
    _changing = False
    _committed = False

    def initialize(self, emulator: Emulator) -> None:
        self.emulator = emulator

    @property
    def scheduler(self) -> QueueScheduler:
        """Read anew each time: a failed commit replaces it (:func:`.persistence.roll_back`),
        also under a request that is waiting (the change feed)."""
        return self.emulator.scheduler

    user = ""

    def prepare(self) -> None:
        if self.requires_auth:
            self.user = self.emulator.tokens.check(self.request.headers.get("Authorization"))
        self.scheduler.advance()
        if self.request.method in CHANGING:
            self.begin_change()

    def begin_change(self) -> None:
        """Commit what is pending (503 if the disk refuses, before anything changed), so that
        the changes this request makes are all its commit in :meth:`finish` has to write."""
        self.emulator.commit()
        self._changing = True

    def finish(self, chunk: Any = None) -> Any:
        """Commit the request's changes, then answer (:mod:`.failpoints` may kill in between)."""
        if not self._changing or self.get_status() >= 400:
            return super().finish(chunk)
        self._changing = False  # the 503 that a failure sends goes through here again
        if self.undo_on_failure:
            self.emulator.commit_command()
        else:
            self.emulator.commit()
        failpoints.reached(failpoints.AFTER_COMMIT, self.request.path)
        self._committed = True
        return super().finish(chunk)

    def on_finish(self) -> None:
        """The answer is written (tornado writes a small one at once): nothing after it may
        be needed to keep what it acknowledged."""
        if self._committed:
            failpoints.reached(failpoints.AFTER_RESPONSE, self.request.path)
        self.emulator.reschedule()

    @property
    def is_operator(self) -> bool:
        return self.user == OPERATOR

    def own_job(self, job_id: str) -> Job:
        """The caller's job; another user's is "not found", exactly like an unknown one."""
        job = self.scheduler.job(job_id)
        if not self.is_operator and job.user_id != self.user:
            raise NotFound(f"Job not found: {job_id}")
        return job

    def own_session(self, session_id: str) -> Session:
        session = self.scheduler.session(session_id)
        if not self.is_operator and session.user_id != self.user:
            raise NotFound(f"Session not found: {session_id}")
        return session

    def json_body(self) -> dict[str, Any]:
        return parse_object(self.request.body)

    def send(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, QSessionError):
            message = exc.message
        elif isinstance(exc, web.HTTPError):
            message = http_message(exc) or self._reason
        else:
            message = "Internal error in the emulator."
        if status_code == 405:  # RFC 9110: a 405 lists the methods the resource has
            self.set_header("Allow", ", ".join(m.upper() for m in self.methods()))
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "errors": [{"code": str(status_code), "message": message, "more_info": ""}],
                    "message": message,
                    "status_code": status_code,
                    "trace": "",
                }
            )
        )

    @classmethod
    def methods(cls) -> list[str]:
        """The HTTP methods this handler serves (lower case)."""
        return [m for m in METHODS if getattr(cls, m) is not getattr(web.RequestHandler, m)]

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, QSessionError):
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


def http_message(exc: web.HTTPError) -> str | None:
    """A tornado error's message as written: its arguments filled in, and no '%' doubled
    (tornado 6.5's ``log_message`` doubles them in a message without arguments)."""
    get_message = getattr(exc, "get_message", None)  # tornado >= 6.5
    if get_message is not None:
        return get_message()
    return exc.log_message % exc.args if exc.args else exc.log_message
