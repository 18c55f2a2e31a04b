"""Sessions as a table people read: one row per session, in the vocabulary's words.

The rows are sessions in the lab server's model (``GET /qsession/api/sessions``); a session
read straight from the service (``Session.details()``) is put in that shape first by
:func:`from_details`, so the CLI, ``--json`` and ``%qsession list --all`` speak of the same
fields whichever way they were read. Standard library and the project's shared modules only:
the kernel imports this for ``%qsession list --all``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ..kernel.durations import format_duration
from ..kernel.status import job_counts
from ..timing import epoch, interactive_deadline, max_ttl_deadline, seconds_left, to_iso
from ..vocabulary import (
    ENDED_WORDS,
    MODE_WORDS,
    PENDING_JOB_STATUSES,
    SessionOrigin,
    SessionState,
    ended_reason_of,
    state_word,
)

COLUMNS = ("session", "backend", "mode", "state", "origin", "TTL left", "jobs")
THIS_KERNEL = "this kernel"  # the origin of the listing kernel's own sessions
NOT_STARTED = "not started"  # the max TTL counts from the first job (timing.py)


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


def row(session: dict[str, Any], now: float, *, ours: Collection[str] = ()) -> list[str]:
    """The cells of one session's row; ``ours``: the ids of the listing kernel's sessions,
    whose origin reads ``this kernel``."""
    if session["state"] == SessionState.CLOSED:
        reason = session.get("ended_reason") or "closed"
        state = f"ended: {ENDED_WORDS.get(reason, reason)}"
    else:
        state = state_word(session["state"], session.get("accepting_jobs", True))
    jobs = session.get("jobs") or []
    counts = job_counts((job.get("primitive"), job["status"]) for job in jobs[::-1])
    mode = session.get("mode") or ""
    return [
        session["id"],
        session.get("backend") or "?",
        MODE_WORDS.get(mode, mode),  # type: ignore[call-overload]  # a Word is its str
        state,
        THIS_KERNEL if session["id"] in ours else origin_word(session),
        ttl_left(session, now),
        counts or "no jobs",
    ]


def origin_word(session: dict[str, Any]) -> str:
    """The notebook (or kernel) of the lab that opened it, or ``elsewhere``."""
    if session.get("origin", SessionOrigin.KERNEL) == SessionOrigin.ELSEWHERE:
        return str(SessionOrigin.ELSEWHERE.value)
    kernel = session.get("kernel_id")
    return session.get("notebook") or (f"kernel {kernel[:8]}" if kernel else "kernel")


def ttl_left(session: dict[str, Any], now: float) -> str:
    """What is left of the max TTL (``m:ss`` / ``h:mm:ss``), ``not started`` before the first
    job, ``-`` once ended."""
    if session["state"] == SessionState.CLOSED:
        return "-"
    left = seconds_left(epoch(session.get("expires_at")), now)
    return NOT_STARTED if left is None else format_duration(left)


def render(sessions: Iterable[dict[str, Any]], now: float, *, ours: Collection[str] = ()) -> str:
    """The header and one aligned row per session (the last column is not padded)."""
    rows = [list(COLUMNS)] + [row(session, now, ours=ours) for session in sessions]
    widths = [max(len(cells[column]) for cells in rows) for column in range(len(COLUMNS) - 1)]
    lines = []
    for cells in rows:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
    return "\n".join(lines)
