"""The QPU queue and IBM's session rules, as a state machine driven by an injected clock.

Each backend runs up to ``execution_lanes`` jobs at once; IBM's rules for sessions, batches
and TTLs are in :mod:`.rules` (which reads), usage in :mod:`.usage`; this class acts on them.

Nothing here sleeps or reads the wall clock: :meth:`advance` replays every event up to
``clock.now()`` in time order, so a test can jump an hour ahead in one call.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import BadRequest, Conflict, NotFound
from ..timing import to_iso
from ..vocabulary import SERVICE_END_REASON, EndedReason, SessionMode, SessionState
from .clock import Clock
from .job_queue import JobQueue
from .models import CANCELLED, COMPLETED, FAILED, QUEUED, RUNNING, Job, Session, new_id
from .persistence import UnsavedChanges
from .rules import (
    DEFAULT_EXECUTION_LANES,
    DEFAULT_INTERACTIVE_TTL,
    EMPTY_SESSION_TIMEOUT,
    MAX_TTL_LIMIT,
    PLANS,
    SessionRules,
)
from .usage import UsageMeter

# The service's reason for a session turning inactive (in its ``timestamps``).
INTERACTIVE_TTL_REACHED = "interactive TTL reached"
# When a queue moves, the sessions with a job this close to its head hear of their new positions;
# sessions further back see theirs with their own next change.
QUEUE_PUSH_DEPTH = 100


class QueueScheduler(UsageMeter):
    """Owns every job and session; the only writer of their state. It acts on the answers of
    its :attr:`rules` (:mod:`.rules`), which read its public side."""

    def __init__(
        self,
        clock: Clock,
        *,
        queue_wait: float = 0.0,
        interactive_ttl: int = DEFAULT_INTERACTIVE_TTL,
        max_ttl_limit: int = MAX_TTL_LIMIT,
        execution_lanes: int = DEFAULT_EXECUTION_LANES,
        empty_session_timeout: int = EMPTY_SESSION_TIMEOUT,
        plan: str = "paid",
        on_job_start: Callable[[Job], None] | None = None,
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}")
        if queue_wait < 0 or min(interactive_ttl, max_ttl_limit, empty_session_timeout) <= 0:
            raise ValueError("queue_wait must be >= 0 and the timeouts > 0")
        if execution_lanes < 1:
            raise ValueError("execution_lanes must be >= 1")
        self.clock = clock
        self.rules = SessionRules(
            self,
            queue_wait=float(queue_wait),
            max_ttl_limit=int(max_ttl_limit),
            empty_session_timeout=int(empty_session_timeout),
        )
        self.interactive_ttl = int(interactive_ttl)
        self.execution_lanes = int(execution_lanes)
        self.plan = plan
        self.on_job_start = on_job_start or (lambda job: None)
        # Called with the ids of the sessions that changed (state, accepting_jobs, a job's
        # status or a TTL reset), once per command or clock advance: the change feed.
        self.listeners: list[Callable[[set[str]], None]] = []
        self._changed: set[str] = set()
        # Backends whose queue moved: the sessions queued near its head are told (positions).
        self._moved: set[str] = set()
        self.jobs: dict[str, Job] = {}
        self.sessions: dict[str, Session] = {}
        # Indexes so that each event costs O(pending work), not O(all jobs ever submitted).
        self.queue = JobQueue()
        self._by_session: dict[str, list[Job]] = {}
        # (created, id) of every job, in order: ``GET /jobs?created_after=`` reads only the
        # newer ones (discovery's every look); a deleted job's entry is skipped.
        self._by_created: list[tuple[float, str]] = []
        self._live_sessions: dict[str, Session] = {}
        # Per backend, its running jobs by id: at most ``execution_lanes`` of them.
        self._running: dict[str, dict[str, Job]] = {}
        self._ready_at: dict[str, float] = {}
        # Time of the last processed event: nothing may happen before it (no retroactive starts).
        self._cursor = clock.now()
        # What changed since the store last saved (see .persistence).
        self.unsaved = UnsavedChanges()

    # ----------------------------------------------------------------- look-ups
    def pending_jobs(self) -> list[Job]:
        """The queued and running jobs (``GET /jobs?pending=true``), in O(pending jobs)."""
        return [*self.queue, *self._all_running()]

    def jobs_created_since(self, after: float) -> list[Job]:
        """The jobs created at or after ``after`` (``GET /jobs?created_after=``), in O(those
        jobs + log of all jobs)."""
        start = bisect.bisect_left(self._by_created, (after, ""))
        return [self.jobs[i] for _, i in self._by_created[start:] if i in self.jobs]

    def job(self, job_id: str) -> Job:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise NotFound(f"Job not found: {job_id}") from None

    def session(self, session_id: str) -> Session:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise NotFound(f"Session not found: {session_id}") from None

    def session_jobs(self, session: Session) -> Iterable[Job]:
        return iter(self._by_session.get(session.id, ()))

    # The rest of what the rules read (.rules.QueueView).
    def session_of(self, job: Job) -> Session | None:
        return self.sessions.get(job.session_id) if job.session_id else None

    def live_sessions(self) -> Iterable[Session]:
        return self._live_sessions.values()

    def queued_jobs(self) -> Iterable[Job]:
        return iter(self.queue)

    def first_in_line(self, backend: str) -> Job | None:
        return self.queue.first_in_line(backend)

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to start, in the order the rules give; None unless queued."""
        return self.queue.position(job, self.rules.queued)

    # ----------------------------------------------------------------- commands
    def create_session(
        self, backend: str, mode: str, max_ttl: Any = None, *, user_id: str = "operator"
    ) -> Session:
        if mode not in tuple(SessionMode):
            raise BadRequest(f"Invalid mode {mode!r}: expected 'dedicated' or 'batch'.")
        ttl = self.rules.validate_max_ttl(max_ttl)
        self.advance()
        now = self.clock.now()
        session = Session(
            id=new_id(),
            backend=backend,
            mode=SessionMode(mode),
            max_ttl=ttl,
            interactive_ttl=self.interactive_ttl,
            created=now,
            job_mode_fallback=(mode == SessionMode.DEDICATED and self.plan == "open"),
            user_id=user_id,
        )
        session.timestamps.append(
            {"status": SessionState.OPEN, "timestamp": to_iso(now), "reason": None}
        )
        self._index_session(session)
        self._changed.add(session.id)
        self._notify()
        return session

    def submit(
        self,
        *,
        backend: str,
        program_id: str,
        params: dict[str, Any],
        duration: float,
        num_circuits: int,
        shots: int,
        session_id: str | None = None,
        tags: list[str] | None = None,
        payload: Any = None,
        user_id: str = "operator",
    ) -> Job:
        self.advance()
        now = self.clock.now()
        session = self.rules.check_accepts(session_id, backend)
        eligible_at, queue_entry = self.rules.admission(session, now)
        job = Job(
            id=new_id(),
            backend=backend,
            program_id=program_id,
            params=params,
            created=now,
            eligible_at=eligible_at,
            duration=duration,
            num_circuits=num_circuits,
            shots=shots,
            session_id=session_id,
            tags=list(tags or []),
            payload=payload,
            user_id=user_id,
        )
        self.queue.changed()
        self._index_job(job)
        if session is not None:
            session.last_job_submitted = now
            if queue_entry is not None:
                session.queue_entry = queue_entry
            self._changed.add(session.id)
        self.advance()
        return job

    def cancel_job(self, job_id: str) -> Job:
        self.advance()
        job = self.job(job_id)
        if job.final:
            raise Conflict(f"Job {job_id} is already {job.status.lower()} and cannot be cancelled.")
        self._cancel(job, "Cancelled by the user")
        self.advance()
        return job

    def delete_job(self, job_id: str) -> None:
        """``DELETE /jobs/{id}``: forget the job. A queued or running job is cancelled first and
        leaves the queue or frees its lane; qiskit-ibm-runtime's integration tests, run against
        the service, delete queued and running jobs (``test_delete_job_queued``)."""
        self.advance()
        job = self.job(job_id)
        if not job.final:
            self._cancel(job, "Deleted by the user")
        del self.jobs[job_id]
        self.unsaved.job_deleted(job_id)
        if job.session_id is not None:
            self._by_session[job.session_id].remove(job)
            self._changed.add(job.session_id)
        self.advance()

    def close_session(self, session_id: str) -> Session:
        """Stop accepting jobs; queued jobs still run, then the session closes."""
        self.advance()
        session = self.session(session_id)
        session.accepting_jobs = False
        self.queue.changed()
        self._changed.add(session.id)
        self._close_if_drained(session, self.clock.now())
        self.advance()
        return session

    def cancel_session(self, session_id: str) -> Session:
        """Cancel queued jobs and close now; a running job finishes."""
        self.advance()
        session = self.session(session_id)
        if session.state != SessionState.CLOSED:
            self.queue.changed()
            self._shut(session, self.clock.now(), EndedReason.CANCELLED)
        self.advance()
        return session

    def result_ready(self, job_id: str, result: str, error: str | None = None) -> None:
        """The runner finished computing ``job_id``; it completes once its QPU time is up."""
        job = self.jobs.get(job_id)
        if job is None or job.status != RUNNING:
            return
        job.result = result
        job.result_ready = True
        self.unsaved.job(job.id)
        if error:
            job.reason = error
        # With a wall clock a slow simulation makes the job last longer; a manual clock does not.
        self._ready_at[job.id] = self.clock.now() if self.clock.counts_compute_time else job.started
        self.advance()

    def restore(self, sessions: list[Session], jobs: list[Job]) -> None:
        """Take back a stored state (see .persistence); ``jobs`` oldest first, so that queues
        keep their order."""
        for session in sessions:
            self._index_session(session)
        for job in jobs:
            self._index_job(job)
        self.queue.changed()
        self._cursor = max([self._cursor] + [job.created for job in jobs])

    def _index_session(self, session: Session) -> None:
        self.sessions[session.id] = session
        self._by_session[session.id] = []
        if session.state != SessionState.CLOSED:
            self._live_sessions[session.id] = session

    def _index_job(self, job: Job) -> None:
        self.jobs[job.id] = job
        bisect.insort(self._by_created, (job.created, job.id))
        if job.session_id in self._by_session:
            self._by_session[job.session_id].append(job)
        if job.status == QUEUED:
            self.unsaved.job(job.id)
            self.queue.add(job)
        elif job.status == RUNNING:  # restored: its simulation runs again unless it had ended
            self._running.setdefault(job.backend, {})[job.id] = job
            if job.result_ready:
                self._ready_at[job.id] = job.started

    def settled(self) -> bool:
        """True when no running job is still waiting for its simulation result."""
        return all(job.result_ready for job in self._all_running())

    def _all_running(self) -> Iterable[Job]:
        return (job for lanes in self._running.values() for job in lanes.values())

    # ----------------------------------------------------------------- the event loop
    def advance(self) -> float | None:
        """Replay every event up to now in time order; return the time of the next one."""
        now = self.clock.now()
        while True:
            event = self._next_event()
            if event is None or event[0] > now:
                self._notify()
                return None if event is None else event[0]
            at, _, action = event
            self._cursor = at
            self.queue.changed()
            action(at)

    def _next_event(self) -> tuple[float, int, Callable[[float], None]] | None:
        events: list[tuple[float, int, Callable[[float], None]]] = []
        for job in self._all_running():
            if job.result_ready:
                at = max(job.started + job.duration, self._ready_at[job.id])
                events.append((at, 0, lambda t, j=job: self._complete(j, t)))
        for session in self._live_sessions.values():
            if session.expires_at is not None:
                events.append((session.expires_at, 1, lambda t, s=session: self._expire(s, t)))
            unused = self.rules.empty_deadline(session)
            if unused is not None:
                events.append(
                    (unused, 1, lambda t, s=session: self._shut(s, t, EndedReason.UNUSED))
                )
            idle_deadline = self.rules.interactive_deadline(session)
            if idle_deadline is not None:
                events.append((idle_deadline, 2, lambda t, s=session: self._deactivate(s, t)))
        for backend in self.queue.backends():
            if len(self._running.get(backend, ())) >= self.execution_lanes:
                continue
            start = self.rules.next_start(backend)
            if start is not None:
                at, job = start
                events.append((at, 3, lambda t, j=job: self._start(j, t)))
        if not events:
            return None
        at, order, action = min(events, key=lambda e: (e[0], e[1]))
        return max(at, self._cursor), order, action

    def _notify(self) -> None:
        for backend in self._moved:
            for queued in self.rules.queued(backend)[:QUEUE_PUSH_DEPTH]:
                if queued.session_id is not None:
                    self._changed.add(queued.session_id)
        self._moved.clear()
        if not self._changed:
            return
        changed, self._changed = self._changed, set()
        self.unsaved.sessions |= changed
        for listener in list(self.listeners):
            listener(changed)

    # ----------------------------------------------------------------- transitions
    def _start(self, job: Job, at: float) -> None:
        self.unsaved.job(job.id)
        job.status = RUNNING
        job.started = at
        self.queue.remove(job)
        self._moved.add(job.backend)
        self._running.setdefault(job.backend, {})[job.id] = job
        session = self.session_of(job)
        if session is not None:
            self._changed.add(session.id)
            if session.started_at is None:
                session.started_at = at
            if session.state in (SessionState.OPEN, SessionState.INACTIVE):
                session.activated_at = at
                session.set_state(SessionState.ACTIVE, at)
                self._open_window(session, at)
            session.last_job_started = at
        self.on_job_start(job)

    def _complete(self, job: Job, at: float) -> None:
        del self._running[job.backend][job.id]
        self._end_job(job, FAILED if job.reason else COMPLETED, at, job.reason)

    def _cancel(self, job: Job, reason: str) -> None:
        """End a queued or running job now; a running one frees its lane."""
        if job.status == RUNNING:
            del self._running[job.backend][job.id]
        self.queue.changed()
        self._end_job(job, CANCELLED, self.clock.now(), reason)

    def _end_job(self, job: Job, status: str, at: float, reason: str | None) -> None:
        self.unsaved.job(job.id)
        job.status = status
        job.reason = reason
        job.finished = at
        if self.queue.remove(job):
            self._moved.add(job.backend)
        self._ready_at.pop(job.id, None)
        session = self.session_of(job)
        if session is None:
            return
        self._changed.add(session.id)
        if job.started is not None:
            session.last_job_completed = at
        if session.state == SessionState.CLOSED:
            self._close_window(session, at)  # its last running job ended after it closed
        self._close_if_drained(session, at)

    def _expire(self, session: Session, at: float) -> None:
        self._shut(session, at, EndedReason.MAX_TTL)

    def _deactivate(self, session: Session, at: float) -> None:
        self._changed.add(session.id)
        session.set_state(SessionState.INACTIVE, at, INTERACTIVE_TTL_REACHED)
        self._close_window(session, at)

    def _shut(self, session: Session, at: float, reason: EndedReason) -> None:
        session.accepting_jobs = False
        # Closed first, so that cancelling the last queued job does not close it as "closed".
        self._mark_closed(session, at, reason)
        for job in list(self.session_jobs(session)):
            if job.status == QUEUED:
                self._end_job(job, CANCELLED, at, f"Session {SERVICE_END_REASON[reason]}")

    def _close_if_drained(self, session: Session, at: float) -> None:
        if session.accepting_jobs or session.state == SessionState.CLOSED:
            return
        if any(not j.final for j in self.session_jobs(session)):
            return
        self._mark_closed(session, at, EndedReason.CLOSED)

    def _mark_closed(self, session: Session, at: float, reason: EndedReason) -> None:
        """Closed, and why: the service's ``state_reason`` text is the reason's (vocabulary)."""
        self._changed.add(session.id)
        session.closed_at = at
        session.ended_reason = reason
        session.set_state(SessionState.CLOSED, at, SERVICE_END_REASON[reason])
        self._close_window(session, at)
        self._live_sessions.pop(session.id, None)
