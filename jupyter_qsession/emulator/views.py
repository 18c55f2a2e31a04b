"""A session as the lab server shows it, computed where the facts live: in the emulator.

The lab server's session model (``jupyter_qsession.server.models.ServiceSession``) takes these
dicts as they are: the emulator knows its exact transition times (when the interactive TTL
runs out, when the max TTL does, every state it entered), so nobody downstream re-derives them;
its jobs come sorted, newest first, and nobody downstream re-sorts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..timing import to_iso
from ..vocabulary import SERVICE_JOB_STATUS
from .models import Job, Session

if TYPE_CHECKING:
    from .scheduler import QueueScheduler


def session_view(scheduler: QueueScheduler, session: Session) -> dict[str, Any]:
    """The fields of the lab server's ``ServiceSession``, plus ``id`` and ``user_id`` (whose
    key opened it: the lab keeps its account's sessions of the operator's feed)."""
    # Newest first; jobs created at the same instant, the last submitted first.
    jobs = sorted(
        reversed(list(scheduler.session_jobs(session))), key=lambda j: j.created, reverse=True
    )
    return {
        "id": session.id,
        "user_id": session.user_id,
        "backend": session.backend,
        "mode": session.mode,
        "state": session.state,
        "accepting_jobs": session.accepting_jobs,
        "max_time": session.max_ttl,
        "interactive_timeout": session.interactive_ttl,
        "started_at": to_iso(session.started_at),
        "activated_at": to_iso(session.activated_at),
        "expires_at": to_iso(session.expires_at),
        "interactive_expires_at": to_iso(scheduler.rules.interactive_deadline(session)),
        "closed_at": to_iso(session.closed_at),
        "ended_reason": session.ended_reason,
        "usage_seconds": scheduler.session_usage(session),
        "transitions": session.transitions(),
        "jobs": [job_view(scheduler, job) for job in jobs],
    }


def job_view(scheduler: QueueScheduler, job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "status": SERVICE_JOB_STATUS[job.status],
        "primitive": job.program_id,
        "created": to_iso(job.created),
        "started": to_iso(job.started),
        "finished": to_iso(job.finished),
        "queue_position": scheduler.queue_position(job),
    }
