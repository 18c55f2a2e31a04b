"""The embedded Qiskit Runtime emulator: IBM's session rules, offline, for the unmodified client."""

from .background import EmulatorThread
from .client import EmulatorRuntimeService, runtime_service
from .clock import ManualClock, WallClock
from .service import Emulator

__all__ = [
    "Emulator",
    "EmulatorRuntimeService",
    "EmulatorThread",
    "ManualClock",
    "WallClock",
    "runtime_service",
]
