"""Usage as IBM counts it (https://quantum.cloud.ibm.com/docs/guides/estimate-job-run-time).

* Session: "the elapsed time while the session remains active, because QPU capacity is
  reserved for the duration of the session, regardless of whether workloads are actively
  running" -- wall-clock time from a job starting it until it goes inactive, closes or its
  last job ends, whichever is last (execution-modes FAQ), idle time included. A session that
  turns inactive and later active again adds each active window.
* Batch and job mode (and the Open plan's job-mode sessions): the QPU time of the jobs, a job
  cancelled while running counting what it used until then.

The instance's usage (``GET /instances/usage``) is counted over one period that starts at the
emulator's first job or session and never resets (IBM counts Premium usage over a rolling 28-day
window and Flex usage over the subscription: https://quantum.cloud.ibm.com/docs/guides/allocation-limits).

:class:`QueueScheduler` inherits this and calls the window hooks on its transitions.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..timing import to_iso
from .clock import Clock
from .models import RUNNING, Job, Session
from .rules import reserves_qpu


class UsageMeter:
    """Session, batch and instance usage over the scheduler's jobs and sessions."""

    clock: Clock
    plan: str
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

    def usage_period_start(self) -> float:
        """When the instance's one usage period began: its oldest job or session (a durable
        emulator keeps counting from its restored state), else the first time it was asked."""
        start = getattr(self, "_usage_period_start", None)
        if start is None:
            created = [j.created for j in self.jobs.values()]
            created += [s.created for s in self.sessions.values()]
            start = self._usage_period_start = min(created, default=self.clock.now())
        return start

    def instance_usage_report(self, allocation: float, instance: str) -> dict:
        """The body of ``GET /instances/usage``, with the fields IBM's REST reference names
        (https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/instances):
        ``usage_consumed_seconds``, ``usage_limit_reached``, ``usage_period`` and, when the
        instance has an allocation, ``usage_allocation_seconds`` and ``usage_limit_seconds``
        (the allocation "set as limit", as IBM's UI sets both: the client then adds
        ``usage_remaining_seconds``). ``allocation`` 0 means no limit."""
        consumed = self.instance_usage()
        report: dict = {
            "instance_id": instance,
            "plan_id": self.plan,
            "usage_consumed_seconds": consumed,
            "usage_limit_reached": bool(allocation) and consumed >= allocation,
            "usage_period": {"start_time": to_iso(self.usage_period_start()), "end_time": None},
        }
        if allocation:
            report["usage_allocation_seconds"] = allocation
            report["usage_limit_seconds"] = allocation
        return report

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
