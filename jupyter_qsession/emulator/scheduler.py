"""The QPU queue and IBM's session rules, as a state machine driven by an injected clock.

One QPU per backend runs one job at a time. Rules (IBM's execution-modes guide):

* Job mode: a job waits ``queue_wait`` seconds behind other users' work, then runs FIFO.
* Session (``dedicated``): the session starts when its first job starts; while it is *active*
  the QPU is reserved for it and its queued jobs run with priority, without queueing again.
* Interactive TTL: an active session with no job running or queued for ``interactive_ttl``
  seconds after its last job becomes *inactive*; its next job queues again like a new job.
* Max TTL counts from the session's start; when reached the session closes and its queued
  jobs are cancelled. ``cancel`` does the same at once. ``close`` only stops accepting jobs:
  queued jobs still run, then the session closes. A running job always finishes.
* Batch: jobs enter the queue as one block (one queue wait for the block) and get no QPU
  reservation and no interactive TTL.
* Open plan: sessions fall back to job mode (every job queues; no priority, no reservation).

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

# IBM's documented defaults (max-execution-time guide): 60 s interactive TTL, 8 h max TTL.
DEFAULT_INTERACTIVE_TTL = 60
MAX_TTL_LIMIT = 8 * 60 * 60
PLANS = ("open", "paid")
# When a queue moves, the sessions with a job this close to its head hear of their new positions;
# sessions further back see theirs with their own next change.
QUEUE_PUSH_DEPTH = 100


class QueueScheduler(SessionRules):
    """Owns every job and session; the only writer of their state."""

    def __init__(
        self,
        clock: Clock,
        *,
        queue_wait: float = 0.0,
        interactive_ttl: int = DEFAULT_INTERACTIVE_TTL,
        max_ttl_limit: int = MAX_TTL_LIMIT,
        plan: str = "paid",
        on_job_start: Callable[[Job], None] | None = None,
    ) -> None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}")
        if queue_wait < 0 or interactive_ttl <= 0 or max_ttl_limit <= 0:
            raise ValueError("queue_wait must be >= 0 and the TTLs > 0")
        self.clock = clock
        self.queue_wait = float(queue_wait)
        self.interactive_ttl = int(interactive_ttl)
        self.max_ttl_limit = int(max_ttl_limit)
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
        self._running: dict[str, Job] = {}
        self._free_since: dict[str, float] = {}
        self._ready_at: dict[str, float] = {}
        # Time of the last processed event: nothing may happen before it (no retroactive starts).
        self._cursor = clock.now()

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

    def queued(self, backend: str | None = None) -> list[Job]:
        """Queued jobs in the order the QPU would take them if nothing else arrived."""
        jobs = list(self._queued.values())
        if backend is not None:
            jobs = [j for j in jobs if j.backend == backend]
        return sorted(jobs, key=lambda j: (not self._has_priority(j), j.eligible_at, j.created))

    def queue_length(self, backend: str) -> int:
        return sum(1 for job in self._queued.values() if job.backend == backend)

    def queue_position(self, job: Job) -> int | None:
        if job.status != QUEUED:
            return None
        version, positions = self._positions.get(job.backend, (-1, {}))
        if version != self._version:
            positions = {j.id: i for i, j in enumerate(self.queued(job.backend), start=1)}
            self._positions[job.backend] = (self._version, positions)
        return positions[job.id]

    def session_jobs(self, session: Session) -> Iterable[Job]:
        return iter(self._by_session.get(session.id, ()))

    def session_usage(self, session: Session) -> float:
        return round(sum(j.quantum_seconds for j in self.session_jobs(session)), 6)

    # ----------------------------------------------------------------- commands
    def create_session(self, backend: str, mode: str, max_ttl: Any = None) -> Session:
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
            interactive_ttl=self.interactive_ttl if mode == DEDICATED else None,
            created=now,
            job_mode_fallback=(mode == DEDICATED and self.plan == "open"),
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
        )
        self.jobs[job.id] = job
        self._version += 1
        self._queued[job.id] = job
        heapq.heappush(
            self._heaps.setdefault(backend, []), (job.eligible_at, next(self._arrivals), job.id)
        )
        if session is not None:
            self._by_session[session.id].append(job)
            self._changed.add(session.id)
        self.advance()
        return job

    def check_accepts(self, session_id: str | None, backend: str) -> Session | None:
        """The session a new job on ``backend`` joins; refuses unknown or closed sessions."""
        if session_id is None:
            return None
        session = self.session(session_id)
        if not session.accepting_jobs or session.state == CLOSED:
            raise Conflict(
                f"Session {session_id} is closed and does not accept new jobs. Open a new session."
            )
        if session.backend != backend:
            raise BadRequest(f"Session {session_id} runs on {session.backend}, not on {backend}.")
        return session

    def cancel_job(self, job_id: str) -> Job:
        self.advance()
        job = self.job(job_id)
        if job.final:
            raise Conflict(f"Job {job_id} is already {job.status.lower()} and cannot be cancelled.")
        now = self.clock.now()
        if job.status == RUNNING:
            del self._running[job.backend]
            self._free_since[job.backend] = now
        self._version += 1
        self._end_job(job, CANCELLED, now, "Cancelled by the user")
        self.advance()
        return job

    def delete_job(self, job_id: str) -> None:
        """Forget a finished job (``DELETE /jobs/{id}``); pending jobs must be cancelled first."""
        job = self.job(job_id)
        if not job.final:
            raise Conflict(f"Job {job_id} is {job.status.lower()}: cancel it before deleting it.")
        del self.jobs[job_id]
        if job.session_id is not None:
            self._by_session[job.session_id].remove(job)
            self._changed.add(job.session_id)
            self._notify()

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
        if error:
            job.reason = error
        # With a wall clock a slow simulation makes the job last longer; a manual clock does not.
        self._ready_at[job.id] = self.clock.now() if self.clock.counts_compute_time else job.started
        self.advance()

    def settled(self) -> bool:
        """True when no running job is still waiting for its simulation result."""
        return all(job.result_ready for job in self._running.values())

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
        for job in self._running.values():
            if job.result_ready:
                at = max(job.started + job.duration, self._ready_at[job.id])
                events.append((at, 0, lambda t, j=job: self._complete(j, t)))
        for session in self._live_sessions.values():
            if session.expires_at is not None:
                events.append((session.expires_at, 1, lambda t, s=session: self._expire(s, t)))
            idle_deadline = self.interactive_deadline(session)
            if idle_deadline is not None:
                events.append((idle_deadline, 2, lambda t, s=session: self._deactivate(s, t)))
        for backend in self._heaps:
            if backend in self._running:
                continue
            start = self._next_start(backend)
            if start is not None:
                at, job = start
                events.append((at, 3, lambda t, j=job: self._start(j, t)))
        if not events:
            return None
        at, order, action = min(events, key=lambda e: (e[0], e[1]))
        return max(at, self._cursor), order, action

    def _next_start(self, backend: str) -> tuple[float, Job] | None:
        free = self._free_since.get(backend, 0.0)
        reserved = self._reserving_session(backend)
        if reserved is not None:
            # Rule: an active session owns the QPU; only its own jobs start, without queueing.
            mine = [j for j in self._by_session[reserved.id] if j.status == QUEUED]
            if not mine:
                return None
            job = min(mine, key=lambda j: j.created)
            return max(free, job.created), job
        heap = self._heaps[backend]
        while heap and heap[0][2] not in self._queued:
            heapq.heappop(heap)
        if not heap:
            return None
        job = self._queued[heap[0][2]]
        return max(free, job.eligible_at), job

    def _notify(self) -> None:
        for backend in self._moved:
            for queued in self.queued(backend)[:QUEUE_PUSH_DEPTH]:
                if queued.session_id is not None:
                    self._changed.add(queued.session_id)
        self._moved.clear()
        if not self._changed:
            return
        changed, self._changed = self._changed, set()
        for listener in list(self.listeners):
            listener(changed)

    # ----------------------------------------------------------------- transitions
    def _start(self, job: Job, at: float) -> None:
        job.status = RUNNING
        job.started = at
        del self._queued[job.id]
        self._moved.add(job.backend)
        self._running[job.backend] = job
        session = self.sessions.get(job.session_id) if job.session_id else None
        if session is not None:
            self._changed.add(session.id)
            if session.started_at is None:
                session.started_at = at
            if session.state in (OPEN, INACTIVE):
                session.activated_at = at
                session.set_state(ACTIVE, at)
            session.last_job_started = at
        self.on_job_start(job)

    def _complete(self, job: Job, at: float) -> None:
        del self._running[job.backend]
        self._free_since[job.backend] = at
        self._end_job(job, FAILED if job.reason else COMPLETED, at, job.reason)

    def _end_job(self, job: Job, status: str, at: float, reason: str | None) -> None:
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
        session.elapsed_time = self.session_usage(session)
        self._close_if_drained(session, at)

    def _expire(self, session: Session, at: float) -> None:
        self._shut(session, at, "max TTL reached")

    def _deactivate(self, session: Session, at: float) -> None:
        self._changed.add(session.id)
        session.set_state(INACTIVE, at, "interactive TTL reached")

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
        self._live_sessions.pop(session.id, None)
