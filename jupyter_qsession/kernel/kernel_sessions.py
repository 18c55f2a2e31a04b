"""This kernel's live session: opened once, reused across cells, registered with the server.

Like a ``Session`` object the user keeps in a variable, it stays open until closed — by the
user (``--close``, ``%qsession close``), by the service (TTLs), or by the server when the
kernel dies (the server knows it because it is registered under this kernel's id, and on
which account). Which account a session opens on is :mod:`.accounts`' choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client.calls import call
from ..client.service import find_backend, is_open_plan
from ..errors import BadRequest, Conflict, NotFound, QSessionError
from ..vocabulary import AccountState, SessionState
from .accounts import KernelAccounts, preference
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
    account: str | None = None  # the account's name
    service: Any = None  # the account's service
    shown: bool = False  # words name the account (the lab serves several)

    @property
    def id(self) -> str:
        return self.session.session_id

    @property
    def label(self) -> str:
        """The backend as the status says it: ``fake_manila on team-a`` where the account is
        worth naming, else ``fake_manila``."""
        name = self.backend.name
        return f"{name} on {self.account}" if self.shown and self.account else name

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
        accounts: KernelAccounts | None = None,
        bridge: Callable[[], BridgeClient | None] = BridgeClient.from_kernel,
    ) -> None:
        self._bridge = bridge
        self.accounts = accounts or KernelAccounts(bridge)
        self.current: LiveSession | None = None
        self.last: LiveSession | None = None  # the latest session, also once ended

    def ensure(
        self,
        backend: str | None,
        *,
        account: str | None = None,
        mode: str = "session",
        max_time: int | None = None,
        new: bool = False,
    ) -> tuple[LiveSession, bool]:
        """The session the cell runs in, and whether it was opened just now."""
        if mode not in MODES:
            raise BadRequest(f"Bad mode {mode!r}: use 'session' or 'batch'.")
        current = self.current
        if current is not None and not new:
            self._check_reusable(current, backend, account, mode)
            return current, False
        previous = current or self.last  # `--new` after a close or cancel: the same backend
        if backend is None:
            if previous is None:
                raise Conflict("No session is open in this kernel: name a backend, e.g. "
                                 "%%qsession --backend fake_manila")  # fmt: skip
            backend = previous.backend.name
            chosen = self.accounts.choose(account, None, previous.account)
        else:
            chosen = self.accounts.choose(account, backend, None)
        if current is not None:
            self._close_quietly(current)
        return self.open(backend, account=chosen.name, mode=mode, max_time=max_time), True

    def open(self, backend: str, *, account: str, mode: str, max_time: int | None) -> LiveSession:
        from qiskit_ibm_runtime import Batch, Session

        service = self._service_of(account)
        target = find_backend(service, backend)
        kind = Session if mode == "session" else Batch
        session = call(kind, backend=target, max_time=max_time)
        live = self._live(session, target, mode, account, service)
        if mode == "session" and is_open_plan(service):
            live.notes.append(
                "Open plan: sessions are not available, so these jobs run in job mode "
                "(each one queues)."
            )
        live.known_jobs = set()
        live.notes.extend(self._register(live))
        self.current = self.last = live
        return live

    def attach(self, session_id: str) -> LiveSession:
        """Make an existing session (e.g. opened in another kernel) this kernel's: on the
        first account that knows it (the kernel's session's, the default, the emulator...)."""
        from qiskit_ibm_runtime import Batch

        account, service, probe = self._find(session_id)
        details = call(probe.details) or {}
        mode = "batch" if details.get("mode") == "batch" else "session"
        session = probe if mode == "session" else call(Batch.from_id, session_id, service)
        backend = find_backend(service, details.get("backend_name") or "")
        live = self._live(session, backend, mode, account, service)
        self._check_open(live)
        live.new_jobs(service)  # what ran before is not the next cell's
        live.notes.extend(self._register(live))
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
    def _check_reusable(
        self, live: LiveSession, backend: str | None, account: str | None, mode: str
    ) -> None:
        if account is not None and account != live.account:
            self.accounts.choose(account, None, None)  # an account the lab does not serve
            raise Conflict(
                f"This kernel's session {live.id} is on account {live.account}, not "
                f"{account}. Add --new to close it and open one there."
            )
        if backend is not None and backend != live.backend.name:
            find_backend(live.service, backend)  # a typo: the closest names, not --new
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

    def _service_of(self, account: str) -> Any:
        provider = next((a.provider for a in self.accounts.seen if a.name == account), None)
        return self.accounts.service(account, provider)

    def _live(self, session: Any, backend: Any, mode: str, account: str, service: Any) -> Any:
        shown = len(self.accounts.seen) > 1
        return LiveSession(session, backend, mode, account=account, service=service, shown=shown)

    def _find(self, session_id: str) -> tuple[str, Any, Any]:
        """The account that knows ``session_id``, its service and the client's ``Session``."""
        from qiskit_ibm_runtime import Session

        accounts = self.accounts.listing()
        mine = (self.current or self.last).account if (self.current or self.last) else None
        order = sorted(accounts, key=lambda a: (a.name != mine, *preference(a)))
        failures: list[QSessionError] = []
        for account in order:
            if account.state == AccountState.UNREACHABLE:
                continue
            try:
                service = self._service_of(account.name)
                return account.name, service, call(Session.from_id, session_id, service)
            except QSessionError as error:
                failures.append(error)
        if len(order) == 1 and failures:
            raise failures[0]  # one account: its own words
        names = ", ".join(a.name for a in order)
        raise NotFound(f"No session {session_id} on any account ({names}).")

    def _register(self, live: LiveSession) -> list[str]:
        bridge = self._bridge()
        if bridge is None:
            return [
                f"Not in a JupyterLab kernel: nothing will close session {live.id} for you "
                "(use --close or %qsession close)."
            ]
        try:
            bridge.register(live.id, account=live.account)
        except QSessionError as error:
            return [f"The lab server did not register session {live.id}: {error.message}"]
        return []
