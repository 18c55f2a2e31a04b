"""The QPU queue and IBM's session rules, as a state machine driven by an injected clock.

Each backend runs up to ``execution_lanes`` jobs at once. Rules (IBM's guides under
https://quantum.cloud.ibm.com/docs/guides/: execution-modes, execution-modes-faq,
run-jobs-session, run-jobs-batch, max-execution-time):

* Job mode: a job waits ``queue_wait`` seconds behind other users' work, then runs FIFO.
* Session (``dedicated``): it starts when its first job starts; while it is *active* it holds
  every lane of the backend and its jobs start at once, in parallel (see :mod:`.rules`).
* Batch: its jobs enter the queue as one block (one queue wait); once one runs, the batch is
  active and its other jobs jump to the front of the queue, without holding the lanes.
* Interactive TTL (sessions and batches): active with nothing queued or running for
  ``interactive_ttl`` seconds after its last job, it becomes *inactive*; its next job queues
  again like a new job and reactivates it.
* A session that gets no job within ``empty_session_timeout`` of opening closes.
* Max TTL counts from the start; when reached the session or batch closes and its queued jobs
  are cancelled. ``cancel`` does the same at once. ``close`` only stops accepting jobs: queued
  jobs still run, then it closes. A running job always finishes.
* Open plan: sessions fall back to job mode (every job queues; no priority, no reservation).
* Usage: see :mod:`.usage`.

Nothing here sleeps or reads the wall clock: :meth:`advance` replays every event up to
``clock.now()`` in time order, so a test can jump an hour ahead in one call.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from .clock import Clock
from .errors import BadRequest, Conflict, NotFound
from .models import (
    ACTIVE,
    BATCH,
    CANCELLED,
    CLOSED,
    COMPLETED,
    DEDICATED,
    FAILED,
    INACTIVE,
    OPEN,
    QUEUED,
    RUNNING,
    Job,
    Session,
    iso,
    new_id,
)
from .rules import SessionRules
from .usage import UsageMeter

# IBM's documented defaults: 60 s interactive TTL and 8 h max TTL (run-jobs-session guide),
# five execution lanes on most backends (execution-modes FAQ), and an unused session closing
# after 30 minutes (run-jobs-session guide).
DEFAULT_INTERACTIVE_TTL = 60
MAX_TTL_LIMIT = 8 * 60 * 60
DEFAULT_EXECUTION_LANES = 5
EMPTY_SESSION_TIMEOUT = 30 * 60
PLANS = ("open", "paid")
# Why a session that never got a job closed (the reason in its ``timestamps``).
NO_JOB = "no job submitted"
# When a queue moves, the sessions with a job this close to its head hear of their new positions;
# sessions further back see theirs with their own next change.
QUEUE_PUSH_DEPTH = 100


class QueueScheduler(SessionRules, UsageMeter):
    """Owns every job and session; the only writer of their state."""

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
        self.queue_wait = float(queue_wait)
        self.interactive_ttl = int(interactive_ttl)
        self.max_ttl_limit = int(max_ttl_limit)
        self.execution_lanes = int(execution_lanes)
        self.empty_session_timeout = int(empty_session_timeout)
        self.plan = plan
        self.on_job_start = on_job_start or (lambda job: None)
        # Called with the ids of the sessions that changed (state, accepting_jobs, a job's
        # status or a TTL reset), once per command or clock advance: the push to the bridge.
        self.listeners: list[Callable[[set[str]], None]] = []
        self._changed: set[str] = set()
        # Backends whose queue moved: the sessions queued near its head are told (positions).
        self._moved: set[str] = set()
        self.jobs: dict[str, Job] = {}
        self.sessions: dict[str, Session] = {}
        # Indexes so that each event costs O(pending work), not O(all jobs ever submitted).
        self._queued: dict[str, Job] = {}
        self._by_session: dict[str, list[Job]] = {}
        self._live_sessions: dict[str, Session] = {}
        # Per backend, a heap of (eligible_at, arrival number, id) of its queued jobs: FIFO
        # among eligible jobs. Entries of jobs that left the queue are dropped at the top.
        self._heaps: dict[str, list[tuple[float, int, str]]] = {}
        self._arrivals = itertools.count()
        # Queue positions are read on every client poll: computed once per change of state.
        self._version = 0
        self._positions: dict[str, tuple[int, dict[str, int]]] = {}
        # Per backend, its running jobs by id: at most ``execution_lanes`` of them.
        self._running: dict[str, dict[str, Job]] = {}
        self._ready_at: dict[str, float] = {}
        # Time of the last processed event: nothing may happen before it (no retroactive starts).
        self._cursor = clock.now()
        # What changed since the store last saved (see .store): jobs, deleted jobs, sessions.
        self.dirty_jobs: set[str] = set()
        self.deleted_jobs: set[str] = set()
        self.dirty_sessions: set[str] = set()

    # ----------------------------------------------------------------- look-ups
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

    # ----------------------------------------------------------------- commands
    def create_session(
        self, backend: str, mode: str, max_ttl: Any = None, *, user_id: str = "operator"
    ) -> Session:
        if mode not in (DEDICATED, BATCH):
            raise BadRequest(f"Invalid mode {mode!r}: expected 'dedicated' or 'batch'.")
        ttl = self._validate_max_ttl(max_ttl)
        self.advance()
        now = self.clock.now()
        session = Session(
            id=new_id(),
            backend=backend,
            mode=mode,
            max_ttl=ttl,
            interactive_ttl=self.interactive_ttl,
            created=now,
            job_mode_fallback=(mode == DEDICATED and self.plan == "open"),
            user_id=user_id,
        )
        session.timestamps.append({"status": OPEN, "timestamp": iso(now), "reason": None})
        self.sessions[session.id] = session
        self._live_sessions[session.id] = session
        self._by_session[session.id] = []
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
        session = self.check_accepts(session_id, backend)
        job = Job(
            id=new_id(),
            backend=backend,
            program_id=program_id,
            params=params,
            created=now,
            eligible_at=self._eligible_at(session, now),
            duration=duration,
            num_circuits=num_circuits,
            shots=shots,
            session_id=session_id,
            tags=list(tags or []),
            payload=payload,
            user_id=user_id,
        )
        self.jobs[job.id] = job
        self._version += 1
        self._enqueue(job)
        if session is not None:
            session.last_job_submitted = now
            self._by_session[session.id].append(job)
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
        self.dirty_jobs.discard(job_id)
        self.deleted_jobs.add(job_id)
        if job.session_id is not None:
            self._by_session[job.session_id].remove(job)
            self._changed.add(job.session_id)
        self.advance()

    def close_session(self, session_id: str) -> Session:
        """Stop accepting jobs; queued jobs still run, then the session closes."""
        self.advance()
        session = self.session(session_id)
        session.accepting_jobs = False
        self._version += 1
        self._changed.add(session.id)
        self._close_if_drained(session, self.clock.now())
        self.advance()
        return session

    def cancel_session(self, session_id: str) -> Session:
        """Cancel queued jobs and close now; a running job finishes."""
        self.advance()
        session = self.session(session_id)
        if session.state != CLOSED:
            self._version += 1
            self._shut(session, self.clock.now(), "cancelled")
        self.advance()
        return session

    def result_ready(self, job_id: str, result: str, error: str | None = None) -> None:
        """The executor finished computing ``job_id``; it completes once its QPU time is up."""
        job = self.jobs.get(job_id)
        if job is None or job.status != RUNNING:
            return
        job.result = result
        job.result_ready = True
        self.dirty_jobs.add(job.id)
        if error:
            job.reason = error
        # With a wall clock a slow simulation makes the job last longer; a manual clock does not.
        self._ready_at[job.id] = self.clock.now() if self.clock.counts_compute_time else job.started
        self.advance()

    def touch(self, job: Job) -> None:
        """``job`` changed outside the scheduler (tags, a private result read): save it."""
        self.dirty_jobs.add(job.id)

    def restore(self, sessions: list[Session], jobs: list[Job]) -> list[Job]:
        """Take back a stored state (see .store); return the running jobs still to simulate."""
        for session in sessions:
            self.sessions[session.id] = session
            self._by_session[session.id] = []
            if session.state != CLOSED:
                self._live_sessions[session.id] = session
        unsimulated = []
        for job in jobs:  # oldest first: queues keep their order
            self.jobs[job.id] = job
            if job.session_id in self._by_session:
                self._by_session[job.session_id].append(job)
            if job.status == QUEUED:
                self._enqueue(job)
            elif job.status == RUNNING:
                self._running.setdefault(job.backend, {})[job.id] = job
                if job.result_ready:
                    self._ready_at[job.id] = job.started
                else:
                    unsimulated.append(job)
        self._version += 1
        self._cursor = max([self._cursor] + [job.created for job in jobs])
        return unsimulated

    def _enqueue(self, job: Job) -> None:
        self.dirty_jobs.add(job.id)
        self._queued[job.id] = job
        heapq.heappush(
            self._heaps.setdefault(job.backend, []),
            (job.eligible_at, next(self._arrivals), job.id),
        )

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
            self._version += 1
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
            unused = self.empty_deadline(session)
            if unused is not None:
                events.append((unused, 1, lambda t, s=session: self._shut(s, t, NO_JOB)))
            idle_deadline = self.interactive_deadline(session)
            if idle_deadline is not None:
                events.append((idle_deadline, 2, lambda t, s=session: self._deactivate(s, t)))
        for backend in self._heaps:
            if len(self._running.get(backend, ())) >= self.execution_lanes:
                continue
            start = self._next_start(backend)
            if start is not None:
                at, job = start
                events.append((at, 3, lambda t, j=job: self._start(j, t)))
        if not events:
            return None
        at, order, action = min(events, key=lambda e: (e[0], e[1]))
        return max(at, self._cursor), order, action

    def _notify(self) -> None:
        for backend in self._moved:
            for queued in self.queued(backend)[:QUEUE_PUSH_DEPTH]:
                if queued.session_id is not None:
                    self._changed.add(queued.session_id)
        self._moved.clear()
        if not self._changed:
            return
        changed, self._changed = self._changed, set()
        self.dirty_sessions |= changed
        for listener in list(self.listeners):
            listener(changed)

    # ----------------------------------------------------------------- transitions
    def _start(self, job: Job, at: float) -> None:
        self.dirty_jobs.add(job.id)
        job.status = RUNNING
        job.started = at
        del self._queued[job.id]
        self._moved.add(job.backend)
        self._running.setdefault(job.backend, {})[job.id] = job
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is not None:
            self._changed.add(session.id)
            if session.started_at is None:
                session.started_at = at
            if session.state in (OPEN, INACTIVE):
                session.activated_at = at
                session.set_state(ACTIVE, at)
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
        self._version += 1
        self._end_job(job, CANCELLED, self.clock.now(), reason)

    def _end_job(self, job: Job, status: str, at: float, reason: str | None) -> None:
        self.dirty_jobs.add(job.id)
        job.status = status
        job.reason = reason
        job.finished = at
        if self._queued.pop(job.id, None) is not None:
            self._moved.add(job.backend)
        self._ready_at.pop(job.id, None)
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is None:
            return
        self._changed.add(session.id)
        if job.started is not None:
            session.last_job_completed = at
        if session.state == CLOSED:
            self._close_window(session, at)  # its last running job ended after it closed
        self._close_if_drained(session, at)

    def _expire(self, session: Session, at: float) -> None:
        self._shut(session, at, "max TTL reached")

    def _deactivate(self, session: Session, at: float) -> None:
        self._changed.add(session.id)
        session.set_state(INACTIVE, at, "interactive TTL reached")
        self._close_window(session, at)

    def _shut(self, session: Session, at: float, reason: str) -> None:
        session.accepting_jobs = False
        # Closed first, so that cancelling the last queued job does not close it as "closed".
        self._mark_closed(session, at, reason)
        for job in list(self.session_jobs(session)):
            if job.status == QUEUED:
                self._end_job(job, CANCELLED, at, f"Session {reason}")

    def _close_if_drained(self, session: Session, at: float) -> None:
        if session.accepting_jobs or session.state == CLOSED:
            return
        if any(not j.final for j in self.session_jobs(session)):
            return
        self._mark_closed(session, at, "closed")

    def _mark_closed(self, session: Session, at: float, reason: str) -> None:
        self._changed.add(session.id)
        session.closed_at = at
        session.set_state(CLOSED, at, reason)
        self._close_window(session, at)
        self._live_sessions.pop(session.id, None)
