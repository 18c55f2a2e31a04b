"""Injected time for the emulator: wall time in real runs, a hand-driven clock in tests.

Every rule of the scheduler (queue waits, interactive TTL, max TTL, job duration) reads time
only through a clock, so tests can jump minutes ahead without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    """Source of the current time in seconds since the epoch."""

    #: Whether the real time a simulation takes counts as QPU time (wall clocks) or not
    #: (a manual clock: a job's QPU time is exactly its emulated duration).
    counts_compute_time = True

    def now(self) -> float:
        raise NotImplementedError

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever time jumps (a manual clock); wall time never jumps."""


class WallClock(Clock):
    """Real time, optionally running ``scale`` times faster (benchmarks compress queue waits)."""

    def __init__(self, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = scale
        self._origin = time.time()

    def now(self) -> float:
        real = time.time()
        return self._origin + (real - self._origin) * self.scale

    def to_wall_delay(self, emulated_seconds: float) -> float:
        """How long to sleep in real time for ``emulated_seconds`` to pass."""
        return max(0.0, emulated_seconds / self.scale)


class ManualClock(Clock):
    """A clock that only moves when a test calls :meth:`advance`; listeners are told at once."""

    counts_compute_time = False

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def __deepcopy__(self, memo: dict) -> ManualClock:
        """One clock is shared by whoever holds it (traitlets deep-copies config values)."""
        return self

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        with self._lock:
            self._now += seconds
            listeners = list(self._listeners)
        for callback in listeners:
            callback()

    def subscribe(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(callback)

    def to_wall_delay(self, emulated_seconds: float) -> float | None:
        """A manual clock never advances by itself: nothing to sleep for."""
        return None
