"""The embedded emulator as a provider: read straight from its scheduler, changes pushed.

The emulator runs on the Jupyter server's own IOLoop, so reading its scheduler is a dict
look-up and every change reaches the manager in the same loop turn (no polling).
"""

from __future__ import annotations

from ...emulator import Emulator
from ...emulator import errors as service_errors
from ...emulator.client import TOKEN_ENV, URL_ENV
from ...emulator.models import CANCELLED, COMPLETED, FAILED, QUEUED, RUNNING, Job, Session, iso
from ..errors import Conflict, NotFound
from ..models import JobModel, ServiceSession
from .base import ChangeListener, Provider

JOB_STATUS = {
    QUEUED: "QUEUED",
    RUNNING: "RUNNING",
    COMPLETED: "DONE",
    FAILED: "ERROR",
    CANCELLED: "CANCELLED",
}
# The scheduler's closing reasons (scheduler._shut / _close_if_drained) in the API's words.
ENDED_REASON = {"closed": "closed", "cancelled": "cancelled", "max TTL reached": "max_ttl"}


class EmbeddedEmulatorProvider(Provider):
    """Sessions of an :class:`Emulator` started in this process on a free loopback port."""

    name = "emulator"
    pushes = True

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.scheduler = emulator.scheduler
        self._listener: ChangeListener | None = None

    async def start(self, on_change: ChangeListener) -> None:
        self.emulator.start(port=0, address="127.0.0.1")
        self._listener = on_change
        self.scheduler.listeners.append(on_change)

    async def stop(self) -> None:
        if self._listener in self.scheduler.listeners:
            self.scheduler.listeners.remove(self._listener)
        self.emulator.stop()

    def kernel_env(self) -> dict[str, str]:
        return {URL_ENV: self.emulator.url or "", TOKEN_ENV: self.emulator.api_key}

    async def fetch(self, session_id: str) -> ServiceSession:
        return self.view(self._session(session_id))

    def view(self, session: Session) -> ServiceSession:
        scheduler = self.scheduler
        jobs = sorted(scheduler.session_jobs(session), key=lambda j: j.created, reverse=True)
        return ServiceSession(
            backend=session.backend,
            mode=session.mode,
            state=session.state,
            accepting_jobs=session.accepting_jobs,
            max_time=session.max_ttl,
            interactive_timeout=session.interactive_ttl,
            started_at=iso(session.started_at),
            activated_at=iso(session.activated_at),
            expires_at=iso(session.expires_at),
            interactive_expires_at=iso(scheduler.interactive_deadline(session)),
            closed_at=iso(session.closed_at),
            ended_reason=ENDED_REASON.get(session.state_reason or "")
            if session.state == "closed"
            else None,
            usage_seconds=scheduler.session_usage(session),
            jobs=[self._job(job) for job in jobs],
        )

    def _job(self, job: Job) -> JobModel:
        return JobModel(
            id=job.id,
            status=JOB_STATUS[job.status],
            primitive=job.program_id,
            created=iso(job.created),
            started=iso(job.started),
            finished=iso(job.finished),
            queue_position=self.scheduler.queue_position(job),
        )

    async def close(self, session_id: str) -> None:
        self._call(self.scheduler.close_session, session_id)

    async def cancel(self, session_id: str) -> None:
        self._call(self.scheduler.cancel_session, session_id)

    async def cancel_job(self, job_id: str) -> str:
        job = self._call(self.scheduler.job, job_id)
        if job.session_id is None:
            raise NotFound(f"Job {job_id} does not belong to a session.")
        self._call(self.emulator.cancel_job, job_id)
        return job.session_id

    def _session(self, session_id: str) -> Session:
        return self._call(self.scheduler.session, session_id)

    def _call(self, command, *args):
        """Run a scheduler command, re-arm the emulator's timer, map its errors to ours."""
        try:
            result = command(*args)
        except service_errors.NotFound as exc:
            raise NotFound(str(exc)) from None
        except service_errors.Conflict as exc:
            raise Conflict(str(exc)) from None
        self.emulator.reschedule()
        return result
