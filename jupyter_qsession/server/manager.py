"""The session manager: the only writer of session state on the Jupyter server side.

Data flows one way: provider -> manager -> registry (persisted first) -> listeners (the
WebSocket hub). The provider pushes the sessions that changed, whole; the manager stores what
it is given — serialized once, that text going to the registry and to the browsers — and
never reads a pushed change back. Handlers, the kernel bridge and the kernel lifecycle call
the manager's commands; they never touch the registry.

Besides the sessions its kernels register (``origin="kernel"``), the manager holds the account's
other open sessions the provider pushes (``origin="elsewhere"``: a script's, another server's,
found by discovery or on the emulator's feed). It adopts those only while they are open (the
account's history is not imported) and follows them as its own; a kernel that registers one
makes it that kernel's. Kernel policies never touch them (:mod:`.lifecycle`).

A registry that cannot be used stops nothing silently: the manager still starts (so kernels
get the bridge and the provider), keeps the reason in ``registry_error`` and refuses every
query and command with it (:class:`RegistryUnavailable`, 503).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Callable

from ..errors import Conflict, NotFound, ProviderUnavailable, RegistryUnavailable
from ..timing import epoch, to_iso
from ..vocabulary import (
    ENDED_WORDS,
    FINAL_JOB_STATUSES,
    EndedReason,
    JobStatus,
    SessionOrigin,
    SessionState,
    is_idle,
    not_idle_reason,
)
from .access import unknown_job, unknown_session
from .models import CloseIdleResult, ServiceSession, SessionModel, Skipped
from .providers import Provider
from .registry import SessionRegistry, SetAsideRow

log = logging.getLogger(__name__)

# Called with the new model and its JSON (as stored): the one serialization of the change.
SessionListener = Callable[[SessionModel, str], None]
CLOSED = SessionState.CLOSED.value


class SessionManager:
    """Owns the live view of every registered session and applies commands through the provider."""

    def __init__(
        self,
        provider: Provider,
        registry: SessionRegistry,
        *,
        kernel_alive: Callable[[str], bool] = lambda kernel_id: False,
        clock: Callable[[], float] = time.time,
        ended_visible_for: float = math.inf,
    ) -> None:
        self.provider = provider
        self.registry = registry
        self.kernel_alive = kernel_alive
        self.clock = clock
        # How long an ended session stays in the live view (the listing, the WebSocket
        # snapshot, the sidebar): c.QSessionApp.ended_sessions_visible_for; math.inf: for good.
        self.ended_visible_for = ended_visible_for
        self.sessions: dict[str, SessionModel] = {}
        self._json: dict[str, str] = {}  # each session as stored and sent
        # Why the registry cannot be used (every query and command answers it), or None.
        self.registry_error: str | None = None
        # What the user should know although nothing stopped: rows set aside, one line each.
        self.warnings: list[str] = []
        self.listeners: list[SessionListener] = []
        # Why the manager itself ended a session (kernel policy), until the provider says closed.
        self._ending: dict[str, str] = {}
        # Set by the app once the registry is loaded and reattached and the kernel policies
        # ran on the sessions that outlived their kernel; requests wait for it.
        self.started = asyncio.Event()
        self.pid = os.getpid()  # recorded as lab_pid of what this server's kernels register

    def _now(self) -> str:
        return to_iso(self.clock()) or ""

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Connect the provider, then reattach to the registry's sessions that are still open:
        read each once (the service went on while this server was away), then follow them;
        then let the provider look for the account's other open sessions. Whoever starts the
        manager sets ``started`` once it is done with its own start-up (the app: after the
        kernel policies ran on the sessions that outlived their kernel)."""
        await self.provider.start(self._on_provider_change)
        self._load()
        opened = [s.id for s in self.sessions.values() if s.state != CLOSED]
        for session_id in opened:
            await self._reread(session_id)
        self.provider.hold(self.sessions)
        self.provider.follow(s for s in opened if self.sessions[s].state != CLOSED)
        if self.registry_error is None:
            self.provider.start_discovery(self._on_provider_change)

    def _load(self) -> None:
        try:
            loaded = self.registry.load(now=self._now())
        except RegistryUnavailable as fault:
            self._registry_failed(fault)
            return
        for session in loaded.sessions:
            self.provider.locate(session.id, session.account.name)
            self.sessions[session.id] = session
            self._json[session.id] = session.model_dump_json()
        self.warnings = [self._set_aside_warning(row) for row in loaded.set_aside]

    def _set_aside_warning(self, row: SetAsideRow) -> str:
        return (
            f"Session {row.session_id} could not be read from the registry ({row.error}); "
            f"its row was set aside at {row.set_aside_at} in table set_aside of "
            f"{self.registry.path} (delete it there to dismiss this warning)."
        )

    def _registry_failed(self, fault: RegistryUnavailable) -> None:
        if self.registry_error is None:
            log.error(
                "jupyter_qsession: %s Until then every qsession route but /info answers 503 "
                "with this message.",
                fault.message,
            )
        self.registry_error = fault.message

    def require_registry(self) -> None:
        """Raise :class:`RegistryUnavailable` (503) if the registry cannot be used."""
        if self.registry_error is not None:
            raise RegistryUnavailable(self.registry_error)

    async def discover(self) -> None:
        """One look for the account's open sessions now, as each ``refresh_interval`` does;
        what it finds is adopted before this returns."""
        await self.provider.discover_now(self._on_provider_change)

    async def stop(self) -> None:
        await self.provider.stop_discovery()
        await self.provider.stop()
        self.registry.close()

    def open_sessions(self, *, kernel_alive: bool) -> list[SessionModel]:
        """Open sessions a kernel registered whose kernel runs on this server (or,
        ``kernel_alive=False``, that outlived their kernel, e.g. across a server restart).
        Sessions found elsewhere are never among them."""
        return [
            s
            for s in self.sessions.values()
            if s.state != CLOSED
            and s.origin == SessionOrigin.KERNEL
            and self._kernel_is_alive(s.kernel_id) == kernel_alive
        ]

    def _kernel_is_alive(self, kernel_id: str | None) -> bool:
        return kernel_id is not None and self.kernel_alive(kernel_id)

    # ----------------------------------------------------------------- queries
    def get(self, session_id: str) -> SessionModel:
        self.require_registry()
        try:
            return self.sessions[session_id]
        except KeyError:
            raise unknown_session(session_id) from None

    def json_of(self, session_id: str) -> str:
        """The session's JSON exactly as it was stored and pushed."""
        return self._json[session_id]

    def list(self, ended_within: float = math.inf) -> list[SessionModel]:
        """Newest registration first (the one order every view of the list uses): every open
        session, and the ended ones that ended within ``ended_within`` seconds of now (all of
        them by default: the registry keeps every session)."""
        self.require_registry()
        now = self.clock()
        return sorted(
            (s for s in self.sessions.values() if aged_out_at(s, ended_within) > now),
            key=lambda s: s.registered_at,
            reverse=True,
        )

    def live_view(self) -> list[SessionModel]:
        """What the sidebar lists (the listing's default and the WebSocket snapshot): open
        sessions, and ended ones for ``ended_visible_for`` seconds after they ended."""
        return self.list(self.ended_visible_for)

    def next_age_out(self) -> float:
        """When the live view next loses an ended session by age (epoch seconds; math.inf
        if none will): what it shows is the same until then unless something changes."""
        now = self.clock()
        deadlines = (aged_out_at(s, self.ended_visible_for) for s in self.sessions.values())
        return min((t for t in deadlines if t > now), default=math.inf)

    def of_kernel(self, kernel_id: str) -> list[SessionModel]:
        """The kernel's sessions, newest registration first."""
        return [s for s in self.list() if s.kernel_id == kernel_id]

    def session_of_job(self, job_id: str) -> SessionModel:
        self.require_registry()
        for session in self.sessions.values():
            if any(job.id == job_id for job in session.jobs):
                return session
        raise unknown_job(job_id)

    # ----------------------------------------------------------------- commands
    async def register(
        self,
        session_id: str,
        kernel_id: str,
        owner: str,
        notebook: str | None = None,
        account: str | None = None,
    ) -> SessionModel:
        """Put a session a kernel opened (on ``account``, if it says) under that kernel, with
        the path of the notebook that kernel belongs to (kept for good: the sidebar names the
        session by it after the kernel is gone); idempotent for the same kernel."""
        self.require_registry()
        if account is not None:
            await self.provider.check_account(account)
            if session_id not in self.sessions:
                self.provider.locate(session_id, account)
        known = self.sessions.get(session_id)
        if known is not None and known.origin == SessionOrigin.ELSEWHERE:
            return await self._adopt_by_kernel(known, kernel_id, owner, notebook)
        if known is not None:
            if known.kernel_id != kernel_id:
                raise Conflict(f"Session {session_id} is registered under another kernel.")
            return known
        service = await self.provider.read(session_id)
        if service.state == CLOSED:
            raise Conflict(f"Session {session_id} has already ended; open a new one.")
        known = self.sessions.get(session_id)  # registered meanwhile by a concurrent call
        if known is not None:
            return await self.register(session_id, kernel_id, owner, notebook)
        session = SessionModel(
            id=session_id,
            kernel_id=kernel_id,
            notebook=notebook,
            owner=owner,
            **self._account_fields(session_id),
            registered_at=self._now(),
            lab_pid=self.pid,
            **dict(service),
        )
        self._store(session)
        self.provider.follow([session_id])
        _log_registered(session)
        return session

    async def _adopt_by_kernel(
        self, found: SessionModel, kernel_id: str, owner: str, notebook: str | None
    ) -> SessionModel:
        """A session found elsewhere turns out to be this kernel's (its own client opened it,
        and the feed or discovery was first): from now on it is the kernel's, policies
        included. When it was first found stays its ``registered_at``."""
        # As for a new registration, the service says whether it is still open (the feed
        # may not have told its end yet).
        found = self._apply(found.id, await self.provider.read(found.id))
        if found.state == CLOSED:
            raise Conflict(f"Session {found.id} has already ended; open a new one.")
        session = self._store(
            found.model_copy(
                update={
                    "origin": SessionOrigin.KERNEL.value,
                    "kernel_id": kernel_id,
                    "notebook": notebook,
                    "owner": owner,
                    "lab_pid": self.pid,
                }
            )
        )
        _log_registered(session, found_first=True)
        return session

    async def close_idle(
        self, mine: list[SessionModel], asked: list[str] | None
    ) -> CloseIdleResult:
        """Close the idle ones (``vocabulary.is_idle``) of ``mine`` — the sessions the caller
        may close, whatever their state — or, with ``asked``, of those ids only. Each is read
        from the service again first: one that got a job since (or ended) is left open and
        ``skipped`` with the reason; an asked id not in ``mine`` is skipped with the words an
        unknown id gets (a refusal never tells whether someone else's session exists)."""
        self.require_registry()
        by_id = {s.id: s for s in mine}
        if asked is None:
            asked = [s.id for s in mine if idle(s)]
        closed: list[SessionModel] = []
        skipped: list[Skipped] = []
        for session_id in dict.fromkeys(asked):
            if session_id not in by_id:
                skipped.append(Skipped(id=session_id, reason=unknown_session(session_id).message))
                continue
            await self._reread(session_id)
            session = self.sessions[session_id]
            if not idle(session):
                skipped.append(
                    Skipped(
                        id=session_id, reason=not_idle_reason(session.state, session.accepting_jobs)
                    )
                )
                continue
            try:
                closed.append(await self.close(session_id))
            except (Conflict, NotFound, ProviderUnavailable) as exc:
                skipped.append(Skipped(id=session_id, reason=str(exc)))
        return CloseIdleResult(closed=closed, skipped=skipped)

    async def close(self, session_id: str, reason: str = EndedReason.CLOSED) -> SessionModel:
        session = self._live(session_id)
        if not session.accepting_jobs:
            raise Conflict(f"Session {session_id} is already closing: its queued jobs will finish.")
        if reason == EndedReason.CLOSED:  # a kernel policy logs its own line (lifecycle.py)
            log.info(
                "jupyter_qsession: closing session %s on request: no new jobs, the queued "
                "ones still run",
                session_id,
            )
        self._ending.setdefault(session_id, str(reason))
        return self._apply(session_id, await self.provider.close(session_id))

    async def cancel(self, session_id: str, reason: str = EndedReason.CANCELLED) -> SessionModel:
        self._live(session_id)
        if reason == EndedReason.CANCELLED:  # a kernel policy logs its own line (lifecycle.py)
            log.info(
                "jupyter_qsession: cancelling session %s on request: its queued jobs are cancelled",
                session_id,
            )
        self._ending[session_id] = str(reason)
        return self._apply(session_id, await self.provider.cancel(session_id))

    async def cancel_job(self, job_id: str) -> SessionModel:
        session = self.session_of_job(job_id)
        job = next(job for job in session.jobs if job.id == job_id)
        if job.status in FINAL_JOB_STATUSES:
            raise Conflict(f"Job {job_id} has already ended ({job.status.lower()}).")
        return self._apply(session.id, await self.provider.cancel_job(job_id, session.id))

    # ----------------------------------------------------------------- provider side
    def _on_provider_change(self, changed: dict[str, ServiceSession | None]) -> None:
        """Store what the provider pushed (``None``: the service no longer knows the session);
        an open session it does not hold yet is adopted as found elsewhere."""
        for session_id, service in changed.items():
            try:
                if session_id in self.sessions:
                    self._apply(session_id, service)
                elif service is not None and service.state != CLOSED:
                    self._adopt_found(session_id, service)
            except RegistryUnavailable:
                pass  # logged once, and told to every caller from now on

    def _adopt_found(self, session_id: str, service: ServiceSession) -> None:
        """A session of the account this server does not hold: another lab server's kernel's
        if the shared registry has its row (kept as that server wrote it), else one found
        elsewhere, owned by the account's user on this lab."""
        self.require_registry()
        try:
            written = self.registry.find(session_id)
        except RegistryUnavailable as fault:
            self._registry_failed(fault)
            raise
        if written is not None:
            self.sessions[session_id] = written
            self._json[session_id] = written.model_dump_json()
            self._apply(session_id, service)
        else:
            self._store(
                SessionModel(
                    id=session_id,
                    kernel_id=None,
                    owner=self.provider.kernel_user,
                    **self._account_fields(session_id),
                    registered_at=self._now(),
                    origin=SessionOrigin.ELSEWHERE,
                    **dict(service),
                )
            )
            log.info(
                "jupyter_qsession: found session %s on %s elsewhere on the account",
                session_id,
                service.backend,
            )
        self.provider.follow([session_id])

    def _account_fields(self, session_id: str) -> dict[str, object]:
        kind, ref = self.provider.account_of(session_id)
        return {"provider": kind, "account": ref}

    async def _reread(self, session_id: str) -> None:
        try:
            service = await self.provider.read(session_id)
        except NotFound:
            service = None
        except ProviderUnavailable as exc:
            log.warning("jupyter_qsession: cannot read session %s: %s", session_id, exc)
            return
        try:
            self._apply(session_id, service)
        except RegistryUnavailable:
            pass

    def _apply(self, session_id: str, service: ServiceSession | None) -> SessionModel:
        """The registered session updated with what the service says of it; stored and
        announced if that differs from what was stored."""
        old = self.get(session_id)
        if service is None:
            if old.state == CLOSED:
                return old
            # The service forgot it (the embedded emulator died with the previous server):
            # nobody can say how its unfinished jobs ended, so they are UNKNOWN, never again
            # "queued" or "running".
            jobs = [
                job
                if job.status in FINAL_JOB_STATUSES
                else job.model_copy(
                    update={"status": JobStatus.UNKNOWN.value, "queue_position": None}
                )
                for job in old.jobs
            ]
            service = old.model_copy(
                update={
                    "state": CLOSED,
                    "accepting_jobs": False,
                    "closed_at": self._now(),
                    "ended_reason": EndedReason.PROVIDER_LOST.value,
                    "interactive_expires_at": None,
                    "jobs": jobs,
                }
            )
        fields = dict(service)
        if fields["state"] == CLOSED:
            reason = self._ending.pop(session_id, None)
            if old.state == CLOSED and old.ended_reason:
                fields["ended_reason"] = old.ended_reason  # why it ended never changes
            elif reason is not None and fields.get("ended_reason") != EndedReason.MAX_TTL:
                fields["ended_reason"] = reason
        names = SessionModel.model_fields
        new = self._store(old.model_copy(update={k: v for k, v in fields.items() if k in names}))
        if old.state != CLOSED and new.state == CLOSED:
            why = ENDED_WORDS[new.ended_reason or EndedReason.CLOSED]
            log.info("jupyter_qsession: session %s ended: %s", session_id, why)
        return new

    def _live(self, session_id: str) -> SessionModel:
        session = self.get(session_id)
        if session.state == CLOSED:
            raise Conflict(
                f"Session {session_id} has already ended ({session.ended_reason or 'closed'})."
            )
        return session

    def _store(self, session: SessionModel) -> SessionModel:
        """Serialize once; if that text is new, persist it, then remember, then tell (a change
        the registry refused is not announced)."""
        text = session.model_dump_json()
        if self._json.get(session.id) == text:
            return self.sessions[session.id]
        try:
            self.registry.save(session, text)
        except RegistryUnavailable as fault:
            self._registry_failed(fault)
            raise
        self.sessions[session.id] = session
        self._json[session.id] = text
        for listener in list(self.listeners):
            listener(session, text)
        return session


def _log_registered(session: SessionModel, found_first: bool = False) -> None:
    log.info(
        "jupyter_qsession: registered session %s on %s, opened by kernel %s (%s)%s",
        session.id,
        session.backend,
        session.kernel_id,
        f"notebook {session.notebook}" if session.notebook else "no notebook",
        "; it was found on the account first" if found_first else "",
    )


def idle(session: SessionModel) -> bool:
    return is_idle(session.state, session.accepting_jobs, (job.status for job in session.jobs))


def aged_out_at(session: SessionModel, visible_for: float) -> float:
    """When an ended session leaves a view that keeps ended sessions ``visible_for`` seconds
    (epoch seconds; math.inf for an open session). It ended at ``closed_at`` or, for a service
    that did not say when, at its registration. The sidebar applies the same rule
    (``src/store.ts``, ``agedOutAt``) with the value ``/info`` gives it."""
    if session.state != CLOSED:
        return math.inf
    ended = epoch(session.closed_at) or epoch(session.registered_at) or 0.0
    return ended + visible_for
