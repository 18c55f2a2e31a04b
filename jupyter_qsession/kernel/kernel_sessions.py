"""This kernel's live session: opened once, reused across cells, registered with the server.

Like a ``Session`` object the user keeps in a variable, it stays open until closed — by the
user (``--close``, ``%qsession close``), by the service (TTLs), or by the server when the
kernel dies (the server knows it because it is registered under this kernel's id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client.calls import call
from ..client.service import connect, find_backend, is_open_plan
from ..errors import BadRequest, Conflict, QSessionError
from ..vocabulary import SessionState
from .bridge import BridgeClient
from .status import ended_words

MODES = ("session", "batch")


@dataclass
class LiveSession:
    session: Any  # qiskit_ibm_runtime.Session or Batch
    backend: Any
    mode: str
    notes: list[str] = field(default_factory=list)
    # Ids of the session's jobs as last listed: a cell's jobs are the ones that are new after it.
    known_jobs: set[str] | None = None
    newest_job: str | None = None  # the newest of them

    @property
    def id(self) -> str:
        return self.session.session_id

    def details(self) -> dict[str, Any]:
        return call(self.session.details) or {}

    def new_jobs(self, service: Any, page: int = 10) -> list[Any]:
        """Jobs submitted since the last listing, oldest first (newest-first pages until a
        known job shows up, so a cell costs one request however long the session is)."""
        known = self.known_jobs
        fresh: list[Any] = []
        skip = 0
        while True:
            jobs = call(service.jobs, session_id=self.id, limit=page, skip=skip)
            for job in jobs:
                if known is not None and job.job_id() in known:
                    break
                fresh.append(job)
            else:
                if len(jobs) == page:
                    skip += page
                    continue
            break
        self.known_jobs = (known or set()) | {job.job_id() for job in fresh}
        if fresh:
            self.newest_job = fresh[0].job_id()
        return fresh[::-1]


class KernelSessions:
    """Opens, reuses, attaches to and ends this kernel's session."""

    def __init__(
        self,
        connect: Callable[[], Any] = connect,
        bridge: Callable[[], BridgeClient | None] = BridgeClient.from_kernel,
    ) -> None:
        self._connect = connect
        self._bridge = bridge
        self._service: Any = None
        self.current: LiveSession | None = None
        self.last: LiveSession | None = None  # the latest session, also once ended

    @property
    def service(self) -> Any:
        if self._service is None:
            self._service = self._connect()
        return self._service

    def ensure(
        self,
        backend: str | None,
        *,
        mode: str = "session",
        max_time: int | None = None,
        new: bool = False,
    ) -> tuple[LiveSession, bool]:
        """The session the cell runs in, and whether it was opened just now."""
        if mode not in MODES:
            raise BadRequest(f"Bad mode {mode!r}: use 'session' or 'batch'.")
        current = self.current
        if current is not None and not new:
            self._check_reusable(current, backend, mode)
            return current, False
        if backend is None:
            previous = current or self.last  # `--new` after a close or cancel: the same backend
            if previous is None:
                raise Conflict("No session is open in this kernel: name a backend, e.g. "
                                 "%%qsession --backend fake_manila")  # fmt: skip
            backend = previous.backend.name
        if current is not None:
            self._close_quietly(current)
        return self.open(backend, mode=mode, max_time=max_time), True

    def open(self, backend: str, *, mode: str, max_time: int | None) -> LiveSession:
        from qiskit_ibm_runtime import Batch, Session

        target = find_backend(self.service, backend)
        kind = Session if mode == "session" else Batch
        live = LiveSession(call(kind, backend=target, max_time=max_time), target, mode, [], set())
        if mode == "session" and is_open_plan(self.service):
            live.notes.append(
                "Open plan: sessions are not available, so these jobs run in job mode "
                "(each one queues)."
            )
        live.notes.extend(self._register(live.id))
        self.current = self.last = live
        return live

    def attach(self, session_id: str) -> LiveSession:
        """Make an existing session (e.g. opened in another kernel) this kernel's."""
        from qiskit_ibm_runtime import Batch, Session

        probe = call(Session.from_id, session_id, self.service)
        details = call(probe.details) or {}
        mode = "batch" if details.get("mode") == "batch" else "session"
        session = probe if mode == "session" else call(Batch.from_id, session_id, self.service)
        backend = find_backend(self.service, details.get("backend_name") or "")
        live = LiveSession(session, backend, mode)
        self._check_open(live)
        live.new_jobs(self.service)  # what ran before is not the next cell's
        live.notes.extend(self._register(session_id))
        self.current = self.last = live
        return live

    def end(self, how: str) -> tuple[LiveSession, str | None]:
        """``close`` (queued jobs still run) or ``cancel`` (queued jobs cancelled) this
        kernel's session; with why it had already ended (in words) if it had, in which case
        nothing is sent."""
        live = self.current
        if live is None:
            raise Conflict("No session is open in this kernel.")
        already = ended_words(live.details())
        if already is None:
            call(live.session.close if how == "close" else live.session.cancel)
        self.current = None
        return live, already

    # ----------------------------------------------------------------- helpers
    def _check_reusable(self, live: LiveSession, backend: str | None, mode: str) -> None:
        if backend is not None and backend != live.backend.name:
            find_backend(self.service, backend)  # a typo: the closest names, not --new
            raise Conflict(
                f"This kernel's session {live.id} runs on {live.backend.name}, not {backend}. "
                "Add --new to close it and open one there."
            )
        if mode != live.mode:
            raise Conflict(
                f"This kernel's session {live.id} is a {live.mode}; add --new for a {mode}."
            )
        self._check_open(live)

    def _check_open(self, live: LiveSession) -> None:
        details = live.details()
        if details.get("state") != SessionState.CLOSED and details.get("accepting_jobs") is False:
            raise Conflict(
                f"Session {live.id} is closing: it takes no new jobs (its queued jobs still "
                "run). Run the cell with --new to open another."
            )
        if details.get("state") == SessionState.CLOSED:
            stamps = details.get("timestamps") or [{}]
            why = stamps[-1].get("reason") or "closed"
            raise Conflict(
                f"Session {live.id} has ended ({why}) and takes no new jobs. "
                "Run the cell with --new to open another."
            )

    def _close_quietly(self, live: LiveSession) -> None:
        """``--new``: the old session takes no more jobs (it may have ended already)."""
        self.current = None
        try:
            call(live.session.close)
        except QSessionError:
            pass

    def _register(self, session_id: str) -> list[str]:
        bridge = self._bridge()
        if bridge is None:
            return [
                f"Not in a JupyterLab kernel: nothing will close session {session_id} for you "
                "(use --close or %qsession close)."
            ]
        try:
            bridge.register(session_id)
        except QSessionError as error:
            return [f"The lab server did not register session {session_id}: {error.message}"]
        return []
