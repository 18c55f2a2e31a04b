"""IBM's session and batch rules as questions about the queue: they read, never change.

Each backend runs up to ``execution_lanes`` jobs at once. Rules (IBM's guides under
https://quantum.cloud.ibm.com/docs/guides/: execution-modes, execution-modes-faq,
run-jobs-session, run-jobs-batch, max-execution-time):

* Job mode: a job waits ``queue_wait`` seconds behind other users' work, then runs FIFO.
* Session (``dedicated``): it starts when its first job starts; while it is *active* it holds
  every lane of the backend and its jobs start at once, in parallel (see below).
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

Who holds a backend's execution lanes, whose jobs jump the queue, which job a free lane takes
next, when a new job may start, when an active workload goes idle, when an unused session
closes, and what max TTL a session may ask for. :class:`SessionRules` asks its questions of a
:class:`QueueView` (the scheduler's public, read-only side); :class:`.scheduler.QueueScheduler`
acts on the answers and alone changes state.

Execution lanes and "reserved" (https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq):
a backend runs up to ``execution_lanes`` jobs at once (five on most IBM backends). An *active*
session has dedicated, exclusive access to the QPU, so it holds every lane: no job of anyone
else starts while it is active, and its own jobs start at once on any free lane, in parallel.
Jobs that were already running when it turned active finish on their lanes. An *active* batch
holds no lane: its queued jobs jump to the front of the queue, and lanes it cannot fill go to
the next jobs in line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..errors import BadRequest, Conflict
from ..timing import interactive_deadline
from ..vocabulary import SessionMode, SessionState
from .models import QUEUED, Job, Session

# IBM's documented defaults: 60 s interactive TTL and 8 h max TTL (run-jobs-session guide),
# five execution lanes on most backends (execution-modes FAQ), and an unused session closing
# after 30 minutes (run-jobs-session guide).
DEFAULT_INTERACTIVE_TTL = 60
MAX_TTL_LIMIT = 8 * 60 * 60
DEFAULT_EXECUTION_LANES = 5
EMPTY_SESSION_TIMEOUT = 30 * 60
PLANS = ("open", "paid")


class QueueView(Protocol):
    """What the rules read: the scheduler's jobs and sessions, as they are now."""

    def session(self, session_id: str) -> Session: ...  # NotFound for an unknown id

    def session_of(self, job: Job) -> Session | None: ...

    def session_jobs(self, session: Session) -> Iterable[Job]: ...

    def live_sessions(self) -> Iterable[Session]: ...  # those not closed

    def queued_jobs(self) -> Iterable[Job]: ...

    def first_in_line(self, backend: str) -> Job | None: ...  # earliest eligible, then FIFO


def reserves_qpu(session: Session) -> bool:
    """A session proper (not a batch, not the Open plan's job-mode fallback)."""
    return session.mode == SessionMode.DEDICATED and not session.job_mode_fallback


def has_interactive_ttl(session: Session) -> bool:
    """Sessions and batches both deactivate after the interactive TTL (run-jobs-batch and
    run-jobs-session guides); the Open plan's fallback sessions run in job mode."""
    return session.mode == SessionMode.BATCH or reserves_qpu(session)


def prioritized(session: Session) -> bool:
    """An active session or batch: its jobs start without queueing again."""
    return session.state == SessionState.ACTIVE and has_interactive_ttl(session)


class SessionRules:
    """The rules over ``view``, with the emulator's timing settings."""

    def __init__(
        self, view: QueueView, *, queue_wait: float, max_ttl_limit: int, empty_session_timeout: int
    ) -> None:
        self.view = view
        self.queue_wait = queue_wait
        self.max_ttl_limit = max_ttl_limit
        self.empty_session_timeout = empty_session_timeout

    # ----------------------------------------------------------------- the queue clients see
    def queued(self, backend: str | None = None) -> list[Job]:
        """Queued jobs in the order the lanes would take them if nothing else arrived: those of
        an active session or batch first (oldest first), then the rest by eligibility."""
        jobs = [j for j in self.view.queued_jobs() if backend is None or j.backend == backend]
        return sorted(jobs, key=self._queue_order)

    def _queue_order(self, job: Job) -> tuple[bool, float, float]:
        first = self.has_priority(job)
        return (not first, job.created if first else job.eligible_at, job.created)

    def check_accepts(self, session_id: str | None, backend: str) -> Session | None:
        """The session a new job on ``backend`` joins; refuses unknown or closed sessions."""
        if session_id is None:
            return None
        session = self.view.session(session_id)
        if not session.accepting_jobs or session.state == SessionState.CLOSED:
            raise Conflict(
                f"Session {session_id} is closed and does not accept new jobs. Open a new session."
            )
        if session.backend != backend:
            raise BadRequest(f"Session {session_id} runs on {session.backend}, not on {backend}.")
        return session

    # ----------------------------------------------------------------- who is prioritized
    def has_priority(self, job: Job) -> bool:
        session = self.view.session_of(job)
        return session is not None and prioritized(session)

    def active_workloads(self, backend: str) -> tuple[Session | None, list[Session]]:
        """The active session holding ``backend`` (at most one), and its active batches."""
        reserving, batches = None, []
        for session in self.view.live_sessions():
            if session.backend != backend or session.state != SessionState.ACTIVE:
                continue
            if reserves_qpu(session):
                reserving = session
            elif session.mode == SessionMode.BATCH:
                batches.append(session)
        return reserving, batches

    # ----------------------------------------------------------------- which job starts next
    def next_start(self, backend: str) -> tuple[float, Job] | None:
        """The job a free lane of ``backend`` takes next and the earliest time it may start
        (the caller never starts anything before the current event)."""
        reserving, batches = self.active_workloads(backend)
        if reserving is not None:
            # An active session holds every lane: only its own jobs start, without queueing.
            return self._first_queued([reserving])
        # An active batch's other jobs "jump to the front of the queue" (execution-modes FAQ).
        if batches:
            start = self._first_queued(batches)
            if start is not None:
                return start
        job = self.view.first_in_line(backend)
        return None if job is None else (job.eligible_at, job)

    def _first_queued(self, sessions: list[Session]) -> tuple[float, Job] | None:
        waiting = [j for s in sessions for j in self.view.session_jobs(s) if j.status == QUEUED]
        if not waiting:
            return None
        job = min(waiting, key=lambda j: j.created)
        return job.created, job

    def admission(self, session: Session | None, now: float) -> tuple[float, float | None]:
        """When a job submitted at ``now`` to ``session`` may start, and — for a batch — the
        time its block entered the queue (the scheduler records it as ``queue_entry``)."""
        if session is None or session.job_mode_fallback:
            return now + self.queue_wait, None
        if prioritized(session):
            return now, None
        if session.mode == SessionMode.BATCH:
            # The batch enters the queue as one block: one queue wait for all its pending jobs.
            pending = any(not j.final for j in self.view.session_jobs(session))
            entry = session.queue_entry if session.queue_entry is not None and pending else now
            return entry + self.queue_wait, entry
        return now + self.queue_wait, None

    # ----------------------------------------------------------------- deadlines
    def interactive_deadline(self, session: Session) -> float | None:
        """When an active session or batch with nothing queued or running turns inactive: the
        interactive TTL after its last job ended (or after it turned active)."""
        if not has_interactive_ttl(session):
            return None
        return interactive_deadline(
            active=session.state == SessionState.ACTIVE,
            pending_jobs=any(not j.final for j in self.view.session_jobs(session)),
            activated_at=session.activated_at,
            last_job_completed=session.last_job_completed,
            interactive_ttl=session.interactive_ttl or 0,
        )

    def empty_deadline(self, session: Session) -> float | None:
        """When a session that never got a job closes: "If you open a session but do not submit
        any jobs to it for 30 minutes, the session automatically closes"
        (https://quantum.cloud.ibm.com/docs/guides/run-jobs-session). The batch guide has no
        such rule, so batches are left alone."""
        if session.mode != SessionMode.DEDICATED or session.last_job_submitted is not None:
            return None
        if session.state == SessionState.CLOSED:
            return None
        return session.created + self.empty_session_timeout

    def validate_max_ttl(self, max_ttl: Any) -> int:
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
