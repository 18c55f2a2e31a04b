"""The embedded Qiskit Runtime emulator: IBM's session rules, offline, for the unmodified client.

Names are imported on first use: a lab server that only reads the emulator's settings must not
pay for qiskit-ibm-runtime (``runtime_service`` needs it; the settings do not). The client for
an emulator lives with the other clients in :mod:`jupyter_qsession.client.emulator_service`; it
is re-exported here, where notebooks and the README import it from.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Emulator": ".emulator",
    "EmulatorRuntimeService": "..client.emulator_service",
    "EmulatorThread": ".background",
    "ManualClock": ".clock",
    "WallClock": ".clock",
    "runtime_service": "..client.emulator_service",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
