"""Sessions as a table people read: one row per session, in the vocabulary's words, and a
session's jobs counted in words (``job_counts``, which the cell's status line uses too).

The rows are sessions in the lab server's model (``GET /qsession/api/sessions``); a session
read straight from the service (``Session.details()``) is put in that shape first by
:func:`jupyter_qsession.client.details.from_details`, so the CLI, ``--json`` and
``%qsession list --all`` speak of the same fields whichever way they were read. Standard
library and the project's shared modules only: the kernel (``%qsession list --all``, the
status line) and the command line both import it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from .durations import format_duration
from .timing import epoch, seconds_left
from .vocabulary import ENDED_WORDS, MODE_WORDS, SessionOrigin, SessionState, state_word

COLUMNS = ("session", "backend", "mode", "state", "origin", "TTL left", "jobs")
ACCOUNT_COLUMN = "account"  # after the session's id, once sessions of several accounts show
ACCOUNT_WIDTH = 12  # a longer name is cut (with "…") so a row stays near 80 columns
THIS_KERNEL = "this kernel"  # the origin of the listing kernel's own sessions
NOT_STARTED = "not started"  # the max TTL counts from the first job (timing.py)


def job_counts(jobs: Iterable[tuple[str | None, Any]]) -> str:
    """``1 sampler DONE, 2 executor QUEUED``: ``(primitive, status)`` pairs counted, in the
    order they first appear; ``""`` for no jobs. The primitive is the job's program id, so a
    job of the client-side ``Sampler``/``Estimator`` counts as ``executor``."""
    counts = Counter((primitive or "job", str(status)) for primitive, status in jobs)
    return ", ".join(f"{n} {primitive} {status}" for (primitive, status), n in counts.items())


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


def account_name(session: dict[str, Any]) -> str:
    """The name of the account a session lives on (``AccountRef.name``), ``""`` if not said."""
    return str((session.get("account") or {}).get("name") or "")


def account_cell(session: dict[str, Any]) -> str:
    name = account_name(session) or "?"
    return name if len(name) <= ACCOUNT_WIDTH else name[: ACCOUNT_WIDTH - 1] + "…"


def render(sessions: Iterable[dict[str, Any]], now: float, *, ours: Collection[str] = ()) -> str:
    """The header and one aligned row per session (the last column is not padded); with an
    ``account`` column after the id when the sessions live on more than one account."""
    sessions = list(sessions)
    header, rows = list(COLUMNS), [row(session, now, ours=ours) for session in sessions]
    if len({account_name(session) for session in sessions} - {""}) > 1:
        header.insert(1, ACCOUNT_COLUMN)
        for cells, session in zip(rows, sessions, strict=True):
            cells.insert(1, account_cell(session))
    rows = [header, *rows]
    widths = [max(len(cells[column]) for cells in rows) for column in range(len(header) - 1)]
    lines = []
    for cells in rows:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
    return "\n".join(lines)
