"""A session as the lab server shows it, computed where the facts live: in the emulator.

The lab server's session model (``jupyter_qsession.server.models.ServiceSession``) takes these
dicts as they are: the emulator knows its exact transition times (when the interactive TTL
runs out, when the max TTL does), so nobody downstream re-derives them.
"""

from __future__ import annotations

from typing import Any

from .models import CANCELLED, CLOSED, COMPLETED, FAILED, QUEUED, RUNNING, Job, Session, iso

JOB_STATUS = {
    QUEUED: "QUEUED",
    RUNNING: "RUNNING",
    COMPLETED: "DONE",
    FAILED: "ERROR",
    CANCELLED: "CANCELLED",
}
# The scheduler's closing reasons in the lab server's words.
ENDED_REASON = {
    "closed": "closed",
    "cancelled": "cancelled",
    "max TTL reached": "max_ttl",
    "no job submitted": "closed",
}


def session_view(scheduler: Any, session: Session) -> dict[str, Any]:
    """The fields of the lab server's ``ServiceSession``, plus ``id``."""
    jobs = sorted(scheduler.session_jobs(session), key=lambda j: j.created, reverse=True)
    closed = session.state == CLOSED
    return {
        "id": session.id,
        "backend": session.backend,
        "mode": session.mode,
        "state": session.state,
        "accepting_jobs": session.accepting_jobs,
        "max_time": session.max_ttl,
        "interactive_timeout": session.interactive_ttl,
        "started_at": iso(session.started_at),
        "activated_at": iso(session.activated_at),
        "expires_at": iso(session.expires_at),
        "interactive_expires_at": iso(scheduler.interactive_deadline(session)),
        "closed_at": iso(session.closed_at),
        "ended_reason": ENDED_REASON.get(session.state_reason or "", "closed") if closed else None,
        "usage_seconds": scheduler.session_usage(session),
        "jobs": [job_view(scheduler, job) for job in jobs],
    }


def job_view(scheduler: Any, job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": JOB_STATUS[job.status],
        "primitive": job.program_id,
        "created": iso(job.created),
        "started": iso(job.started),
        "finished": iso(job.finished),
        "queue_position": scheduler.queue_position(job),
    }
