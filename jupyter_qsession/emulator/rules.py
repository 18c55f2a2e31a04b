"""IBM's session rules as questions about the scheduler's state (execution-modes guide).

Who holds a backend's QPU, whose jobs have priority, when an active session goes idle, when a
new job may start, and what max TTL a session may ask for. :class:`QueueScheduler` inherits
them; it alone changes state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import BadRequest
from .models import ACTIVE, BATCH, DEDICATED, QUEUED, RUNNING, Job, Session


class SessionRules:
    """Read-only rules over ``sessions``, ``_live_sessions``, ``queue_wait`` and
    ``max_ttl_limit`` of the scheduler that inherits them."""

    sessions: dict[str, Session]
    _live_sessions: dict[str, Session]
    queue_wait: float
    max_ttl_limit: int

    def session_jobs(self, session: Session) -> Iterable[Job]:
        raise NotImplementedError

    def _reserves_qpu(self, session: Session) -> bool:
        return session.mode == DEDICATED and not session.job_mode_fallback

    def _has_priority(self, job: Job) -> bool:
        session = self.sessions.get(job.session_id) if job.session_id else None
        return session is not None and session.state == ACTIVE and self._reserves_qpu(session)

    def _reserving_session(self, backend: str) -> Session | None:
        for session in self._live_sessions.values():
            if (
                session.backend == backend
                and session.state == ACTIVE
                and self._reserves_qpu(session)
            ):
                return session
        return None

    def interactive_deadline(self, session: Session) -> float | None:
        if session.state != ACTIVE or not self._reserves_qpu(session):
            return None
        if any(j.status in (QUEUED, RUNNING) for j in self.session_jobs(session)):
            return None
        last = max(t for t in (session.activated_at, session.last_job_completed) if t is not None)
        return last + session.interactive_ttl

    def _eligible_at(self, session: Session | None, now: float) -> float:
        if session is None or session.job_mode_fallback:
            return now + self.queue_wait
        if session.mode == BATCH:
            # The batch enters the queue as one block: one queue wait for all its pending jobs.
            pending = any(not j.final for j in self.session_jobs(session))
            if session.queue_entry is None or not pending:
                session.queue_entry = now
            return session.queue_entry + self.queue_wait
        if session.state == ACTIVE:
            return now
        return now + self.queue_wait

    def _validate_max_ttl(self, max_ttl: Any) -> int:
        if max_ttl is None:
            return self.max_ttl_limit
        if isinstance(max_ttl, bool) or not isinstance(max_ttl, (int, float)):
            raise BadRequest(f"max_ttl must be a number of seconds, got {max_ttl!r}.")
        if max_ttl != int(max_ttl) or not 1 <= max_ttl <= self.max_ttl_limit:
            raise BadRequest(
                f"max_ttl must be a whole number of seconds between 1 and {self.max_ttl_limit}, "
                f"got {max_ttl!r}."
            )
        return int(max_ttl)
