"""Time, once for everything: epoch seconds inside, ISO 8601 UTC with a ``Z`` on the wire, and
the deadlines of the session TTL rules.

The emulator, the providers and the kernel all import from here; nothing else formats or
parses a timestamp or adds a TTL to one. Pure functions: "now" is always an argument.

The rules (https://quantum.cloud.ibm.com/docs/guides/max-execution-time#session-ttl and
https://quantum.cloud.ibm.com/docs/guides/run-jobs-session):
- the max TTL counts from the session's start — its first job starting — not its creation;
- an active session or batch with no job queued or running turns inactive the interactive TTL
  after its last job ended (or after it turned active, if none has ended yet).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

Stamp = float | datetime | str | None

_OFFSET_SPACE = re.compile(r" (\d{2}:?\d{2})$")


def to_iso(value: Stamp) -> str | None:
    """``value`` (epoch seconds, a datetime, or an ISO string) as the service writes times:
    ISO 8601 in UTC with microseconds and a ``Z``. ``None`` and ``""`` give ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = from_iso(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def from_iso(stamp: str) -> float:
    """An ISO 8601 timestamp (``Z``, an offset, or none: UTC) as epoch seconds.

    Raises ``ValueError`` for anything else (the REST handlers answer 400). An offset's ``+``
    sent unescaped in a query string arrives as a space: it is read back as ``+``.
    """
    text = _OFFSET_SPACE.sub(r"+\1", stamp.strip()).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def epoch(value: Stamp) -> float | None:
    """``value`` as epoch seconds; ``None`` and ``""`` give ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return from_iso(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return float(value)


def max_ttl_deadline(started_at: float | None, max_ttl: float | None) -> float | None:
    """When the max TTL ends: ``max_ttl`` seconds after the session started; ``None`` before
    its first job started (the TTL has not begun) or without a max TTL."""
    if started_at is None or max_ttl is None:
        return None
    return started_at + max_ttl


def interactive_deadline(
    *,
    active: bool,
    pending_jobs: bool,
    activated_at: float | None,
    last_job_completed: float | None,
    interactive_ttl: float | None,
) -> float | None:
    """When an active session or batch turns inactive; ``None`` while it is not active, while
    a job of it is queued or running (the interactive TTL is not counting), or without a TTL."""
    if not active or pending_jobs or interactive_ttl is None:
        return None
    idle_since = [t for t in (activated_at, last_job_completed) if t is not None]
    if not idle_since:
        return None
    return max(idle_since) + interactive_ttl


def seconds_left(deadline: float | None, now: float) -> float | None:
    """Seconds from ``now`` until ``deadline``, never negative; ``None`` without a deadline."""
    return None if deadline is None else max(0.0, deadline - now)
