"""Query arguments as the emulator reads them: each one it cannot use is a 400 naming it.

The REST reference's filters are strict here, so a typo in a filter is refused instead of
silently matching everything (``pending=yes``, ``sort=up``); unknown arguments are ignored, as
the service does (the client sends some the emulator has no use for).
"""

from __future__ import annotations

import math

from tornado import web

from ..errors import BadRequest
from ..timing import from_iso

BOOLEAN = ("true", "false")
SORTS = ("ASC", "DESC")


def int_arg(handler: web.RequestHandler, name: str, default: int) -> int:
    """A non-negative integer."""
    raw = handler.get_query_argument(name, None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, got {raw!r}.") from None
    if value < 0:
        raise BadRequest(f"{name} must not be negative.")
    return value


def float_arg(handler: web.RequestHandler, name: str, default: float) -> float:
    """A finite, non-negative number."""
    raw = handler.get_query_argument(name, None)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number, got {raw!r}.") from None
    if not math.isfinite(value) or value < 0:
        raise BadRequest(f"{name} must be a finite, non-negative number.")
    return value


def choice_arg(handler: web.RequestHandler, name: str, choices: tuple[str, ...]) -> str | None:
    """One of ``choices``, or None when absent."""
    raw = handler.get_query_argument(name, None)
    if raw is not None and raw not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}, got {raw!r}.")
    return raw


def time_arg(handler: web.RequestHandler, name: str) -> float | None:
    """An ISO 8601 timestamp as epoch seconds (:func:`jupyter_qsession.timing.from_iso`), or
    None."""
    raw = handler.get_query_argument(name, None)
    if raw is None:
        return None
    try:
        return from_iso(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 timestamp, got {raw!r}.") from None
