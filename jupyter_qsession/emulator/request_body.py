"""Request bodies as the emulator accepts them: a JSON object, strict JSON, nested boundedly.

Python's :mod:`json` accepts more than RFC 8259 does, and each excess used to end in a 500
deeper down: ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON at all), numbers a float cannot
hold (``1e400`` becomes an infinity), and nesting deep enough to exhaust the interpreter's
stack (``RecursionError``). Each is a 400 here, before any handler reads the body, with a
message that names what is wrong. The deepest body the unmodified client sends (an executor
program with twirling) nests 9 levels, far below :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..errors import BadRequest

MAX_DEPTH = 64


def parse_object(raw: bytes) -> dict[str, Any]:
    """The body as a dict; an empty body is ``{}``. Raises :class:`BadRequest` otherwise."""
    try:
        body = json.loads(raw or b"{}", parse_constant=_not_a_number, parse_float=_finite)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Malformed JSON body: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object.")
    if _deeper_than(body, MAX_DEPTH):
        raise _too_deep()
    return body


def _not_a_number(name: str) -> float:
    raise BadRequest(f"Malformed JSON body: {name} is not a JSON number.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise BadRequest(f"Malformed JSON body: the number {shown} is out of range.")
    return value


def _too_deep() -> BadRequest:
    return BadRequest(f"The JSON body is nested deeper than {MAX_DEPTH} levels.")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (without recursing)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
