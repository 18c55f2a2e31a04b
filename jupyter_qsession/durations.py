"""Durations as people type and read them: ``90s``, ``15m``, ``1h30m``, ``2h`` or plain
seconds in, ``m:ss`` / ``h:mm:ss`` out, the same for the magic's options, the cell's status and
the command line's table. (Timestamps and deadlines are :mod:`jupyter_qsession.timing`'s; this
module only reads and writes lengths of time.)
"""

from __future__ import annotations

import re

from .errors import BadRequest

_PART = re.compile(r"(\d+(?:\.\d+)?)([hms])")
_UNIT = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """Whole seconds in ``text``; raises :class:`~jupyter_qsession.errors.BadRequest`
    saying what a duration looks like."""
    raw = text.strip().lower().replace(" ", "")
    hint = f"Bad duration {text!r}: use e.g. 90s, 15m, 1h30m or a number of seconds."
    if not raw:
        raise BadRequest(hint)
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        seconds = float(raw)
    else:
        parts = _PART.findall(raw)
        if not parts or "".join(n + u for n, u in parts) != raw:
            raise BadRequest(hint)
        if len({unit for _, unit in parts}) != len(parts):
            raise BadRequest(hint)
        seconds = sum(float(number) * _UNIT[unit] for number, unit in parts)
    if seconds < 1 or seconds != int(seconds):
        raise BadRequest(f"Bad duration {text!r}: it must be a whole number of seconds, >= 1.")
    return int(seconds)


def format_duration(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` above (as the sidebar shows TTLs)."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
