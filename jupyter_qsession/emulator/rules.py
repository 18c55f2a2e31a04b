"""IBM's session and batch rules as questions about the scheduler's state.

Who holds a backend's execution lanes, whose jobs jump the queue, which job a free lane takes
next, when an active workload goes idle, when an unused session closes, and what max TTL a
session may ask for. :class:`QueueScheduler` inherits them; it alone changes state.

Execution lanes and "reserved" (https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq):
a backend runs up to ``execution_lanes`` jobs at once (five on most IBM backends). An *active*
session has dedicated, exclusive access to the QPU, so it holds every lane: no job of anyone
else starts while it is active, and its own jobs start at once on any free lane, in parallel.
Jobs that were already running when it turned active finish on their lanes. An *active* batch
holds no lane: its queued jobs jump to the front of the queue, and lanes it cannot fill go to
the next jobs in line.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import Any

from .errors import BadRequest, Conflict
from .models import ACTIVE, BATCH, CLOSED, DEDICATED, QUEUED, RUNNING, Job, Session


class SessionRules:
    """Read-only rules over the state of the scheduler that inherits them."""

    sessions: dict[str, Session]
    _live_sessions: dict[str, Session]
    _by_session: dict[str, list[Job]]
    _queued: dict[str, Job]
    _heaps: dict[str, list[tuple[float, int, str]]]
    queue_wait: float
    max_ttl_limit: int
    empty_session_timeout: int
    _positions: dict[str, tuple[int, dict[str, int]]]
    _version: int

    def session_jobs(self, session: Session) -> Iterable[Job]:
        raise NotImplementedError

    def session(self, session_id: str) -> Session:
        raise NotImplementedError

    # ----------------------------------------------------------------- the queue clients see
    def queued(self, backend: str | None = None) -> list[Job]:
        """Queued jobs in the order the lanes would take them if nothing else arrived: those of
        an active session or batch first (oldest first), then the rest by eligibility."""
        jobs = list(self._queued.values())
        if backend is not None:
            jobs = [j for j in jobs if j.backend == backend]
        return sorted(jobs, key=self._queue_order)

    def _queue_order(self, job: Job) -> tuple[bool, float, float]:
        first = self._has_priority(job)
        return (not first, job.created if first else job.eligible_at, job.created)

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

    # ----------------------------------------------------------------- who is prioritized
    def _reserves_qpu(self, session: Session) -> bool:
        """A session proper (not a batch, not the Open plan's job-mode fallback)."""
        return session.mode == DEDICATED and not session.job_mode_fallback

    def _has_interactive_ttl(self, session: Session) -> bool:
        """Sessions and batches both deactivate after the interactive TTL (run-jobs-batch and
        run-jobs-session guides); the Open plan's fallback sessions run in job mode."""
        return session.mode == BATCH or self._reserves_qpu(session)

    def _prioritized(self, session: Session) -> bool:
        """An active session or batch: its jobs start without queueing again."""
        return session.state == ACTIVE and self._has_interactive_ttl(session)

    def _has_priority(self, job: Job) -> bool:
        session = self.sessions.get(job.session_id) if job.session_id else None
        return session is not None and self._prioritized(session)

    def _active_workloads(self, backend: str) -> tuple[Session | None, list[Session]]:
        """The active session holding ``backend`` (at most one), and its active batches."""
        reserving, batches = None, []
        for session in self._live_sessions.values():
            if session.backend != backend or session.state != ACTIVE:
                continue
            if self._reserves_qpu(session):
                reserving = session
            elif session.mode == BATCH:
                batches.append(session)
        return reserving, batches

    def _reserving_session(self, backend: str) -> Session | None:
        return self._active_workloads(backend)[0]

    # ----------------------------------------------------------------- which job starts next
    def _next_start(self, backend: str) -> tuple[float, Job] | None:
        """The job a free lane of ``backend`` takes next and the earliest time it may start
        (the caller never starts anything before the current event)."""
        reserving, batches = self._active_workloads(backend)
        if reserving is not None:
            # An active session holds every lane: only its own jobs start, without queueing.
            return self._first_queued([reserving])
        # An active batch's other jobs "jump to the front of the queue" (execution-modes FAQ).
        if batches:
            start = self._first_queued(batches)
            if start is not None:
                return start
        heap = self._heaps.get(backend, [])
        while heap and heap[0][2] not in self._queued:
            heapq.heappop(heap)  # entries of jobs that left the queue are dropped here
        if not heap:
            return None
        job = self._queued[heap[0][2]]
        return job.eligible_at, job

    def _first_queued(self, sessions: list[Session]) -> tuple[float, Job] | None:
        waiting = [j for s in sessions for j in self._by_session[s.id] if j.status == QUEUED]
        if not waiting:
            return None
        job = min(waiting, key=lambda j: j.created)
        return job.created, job

    def _eligible_at(self, session: Session | None, now: float) -> float:
        if session is None or session.job_mode_fallback:
            return now + self.queue_wait
        if self._prioritized(session):
            return now
        if session.mode == BATCH:
            # The batch enters the queue as one block: one queue wait for all its pending jobs.
            pending = any(not j.final for j in self.session_jobs(session))
            if session.queue_entry is None or not pending:
                session.queue_entry = now
            return session.queue_entry + self.queue_wait
        return now + self.queue_wait

    # ----------------------------------------------------------------- deadlines
    def interactive_deadline(self, session: Session) -> float | None:
        """When an active session or batch with nothing queued or running turns inactive: the
        interactive TTL after its last job ended (or after it turned active)."""
        if session.state != ACTIVE or not self._has_interactive_ttl(session):
            return None
        if any(j.status in (QUEUED, RUNNING) for j in self.session_jobs(session)):
            return None
        last = max(t for t in (session.activated_at, session.last_job_completed) if t is not None)
        return last + (session.interactive_ttl or 0)

    def empty_deadline(self, session: Session) -> float | None:
        """When a session that never got a job closes: "If you open a session but do not submit
        any jobs to it for 30 minutes, the session automatically closes"
        (https://quantum.cloud.ibm.com/docs/guides/run-jobs-session). The batch guide has no
        such rule, so batches are left alone."""
        if session.mode != DEDICATED or session.last_job_submitted is not None:
            return None
        if session.state == CLOSED:
            return None
        return session.created + self.empty_session_timeout

    def _validate_max_ttl(self, max_ttl: Any) -> int:
        if max_ttl is None:
            return self.max_ttl_limit
        if isinstance(max_ttl, bool) or not isinstance(max_ttl, (int, float)):
            raise BadRequest(f"max_ttl must be a number of seconds, got {max_ttl!r}.")
        # Compare before int(): an infinity or NaN (from a caller other than the REST API,
        # whose bodies are strict JSON) would raise there.
        if not 1 <= max_ttl <= self.max_ttl_limit or max_ttl != int(max_ttl):
            raise BadRequest(
                f"max_ttl must be a whole number of seconds between 1 and {self.max_ttl_limit}, "
                f"got {max_ttl!r}."
            )
        return int(max_ttl)
