"""A session as the service describes it (the client's ``Session.details()``) in the shape of
the lab server's session model: the service's words put in ours, once, for every reader that
goes straight to a service (the command line's direct mode, ``%qsession list --all``).
"""

from __future__ import annotations

from typing import Any

from ..timing import epoch, interactive_deadline, max_ttl_deadline, to_iso
from ..vocabulary import PENDING_JOB_STATUSES, SessionOrigin, SessionState, ended_reason_of


def from_details(details: dict[str, Any], origin: str = SessionOrigin.ELSEWHERE) -> dict[str, Any]:
    """A session as the client's ``Session.details()`` describes it (plus ``jobs``, newest
    first, each at least ``{"id", "status"}``, when the reader listed them) in the shape of
    the lab's session model: the fields the table and ``--json`` read. Deadlines follow the
    TTL rules of :mod:`jupyter_qsession.timing`."""
    state = details.get("state") or SessionState.OPEN
    jobs = [
        {"id": job.get("id"), "status": job.get("status"), "primitive": job.get("primitive")}
        for job in details.get("jobs") or []
    ]
    stamps = details.get("timestamps") or []
    started = epoch(details.get("started_at"))
    closed = state == SessionState.CLOSED
    pending = any(job["status"] in PENDING_JOB_STATUSES for job in jobs)
    interactive = interactive_deadline(
        active=state == SessionState.ACTIVE,
        pending_jobs=pending,
        activated_at=epoch(details.get("activated_at")),
        last_job_completed=epoch(details.get("last_job_completed")),
        interactive_ttl=details.get("interactive_timeout"),
    )
    return {
        "id": details.get("id"),
        "backend": details.get("backend_name"),
        "mode": details.get("mode"),
        "state": state,
        "accepting_jobs": details.get("accepting_jobs") is not False,
        "max_time": details.get("max_time"),
        "interactive_timeout": details.get("interactive_timeout"),
        "started_at": to_iso(details.get("started_at")),
        "activated_at": to_iso(details.get("activated_at")),
        "expires_at": None
        if closed
        else to_iso(max_ttl_deadline(started, details.get("max_time"))),
        "interactive_expires_at": None if closed else to_iso(interactive),
        "closed_at": to_iso(details.get("closed_at")),
        "ended_reason": ended_reason_of(stamps[-1].get("reason")) if closed and stamps else None,
        "usage_seconds": details.get("usage_time") or 0,
        "jobs": jobs,
        "origin": origin,
        "kernel_id": None,
        "notebook": None,
    }
