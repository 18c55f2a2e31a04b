"""Usage as IBM counts it (https://quantum.cloud.ibm.com/docs/guides/estimate-job-run-time).

* Session: "the elapsed time while the session remains active, because QPU capacity is
  reserved for the duration of the session, regardless of whether workloads are actively
  running" -- wall-clock time from a job starting it until it goes inactive, closes or its
  last job ends, whichever is last (execution-modes FAQ), idle time included. A session that
  turns inactive and later active again adds each active window.
* Batch and job mode (and the Open plan's job-mode sessions): the QPU time of the jobs, a job
  cancelled while running counting what it used until then.

:class:`QueueScheduler` inherits this and calls the window hooks on its transitions.
"""

from __future__ import annotations

from collections.abc import Iterable

from .clock import Clock
from .models import RUNNING, Job, Session
from .rules import reserves_qpu


class UsageMeter:
    """Session, batch and instance usage over the scheduler's jobs and sessions."""

    clock: Clock
    jobs: dict[str, Job]
    sessions: dict[str, Session]

    def session_jobs(self, session: Session) -> Iterable[Job]:
        raise NotImplementedError

    def session_usage(self, session: Session) -> float:
        """``elapsed_time`` of ``GET /sessions/{id}`` (the client's ``usage()``), live."""
        now = self.clock.now()
        if reserves_qpu(session):
            live = 0.0 if session.window_start is None else now - session.window_start
            return round(session.usage_done + live, 6)
        return round(sum(job.qpu_seconds(now) for job in self.session_jobs(session)), 6)

    def instance_usage(self) -> float:
        """``usage_consumed_seconds`` of ``GET /instances/usage``: every session's usage plus
        the QPU time of the jobs outside sessions proper."""
        now = self.clock.now()
        sessions = [s for s in self.sessions.values() if reserves_qpu(s)]
        counted = {s.id for s in sessions}
        used = sum(self.session_usage(s) for s in sessions)
        used += sum(j.qpu_seconds(now) for j in self.jobs.values() if j.session_id not in counted)
        return round(used, 6)

    # ----------------------------------------------------------------- active windows
    def _open_window(self, session: Session, at: float) -> None:
        if reserves_qpu(session) and session.window_start is None:
            session.window_start = at

    def _close_window(self, session: Session, at: float) -> None:
        """The session went inactive or closed: its window ends now, or when its last running
        job ends ("usage continues to accumulate after a session ends if the QPU is still
        running a job")."""
        if session.window_start is None:
            return
        if any(job.status == RUNNING for job in self.session_jobs(session)):
            return
        session.usage_done += at - session.window_start
        session.window_start = None
