"""Run an :class:`Emulator` on its own IOLoop thread: for scripts, the CLI-less case and tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from tornado import ioloop

from .emulator import Emulator

T = TypeVar("T")


class EmulatorThread:
    """Start with ``with EmulatorThread(Emulator(...)) as emu: ... emu.url``; stops on exit."""

    def __init__(self, emulator: Emulator, port: int = 0) -> None:
        self.emulator = emulator
        self.port = port
        self.url: str | None = None
        self._loop: ioloop.IOLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="qsession-emulator", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        self._loop = ioloop.IOLoop.current()
        try:
            self.url = self.emulator.start(self.port)
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.start()
        self._loop.close(all_fds=True)

    def start(self) -> str:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise self._error
        assert self.url is not None
        return self.url

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the emulator's loop and return its value: safe access to its state."""
        assert self._loop is not None
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = fn(*args)
            except BaseException as exc:
                box["error"] = exc
            done.set()

        self._loop.add_callback(run)
        done.wait(timeout=30)
        if "error" in box:
            raise box["error"]
        return box["value"]

    def advance(self, seconds: float) -> None:
        """Move a manual clock ``seconds`` ahead: :meth:`.Emulator.advance_clock`, run on the
        emulator's loop (one scheduler event at a time, each simulation settled first)."""
        assert self._loop is not None
        step = asyncio.run_coroutine_threadsafe(
            self.emulator.advance_clock(seconds), self._loop.asyncio_loop
        )
        step.result()  # each step has its own time limit (SETTLE_TIMEOUT)

    def stop(self) -> None:
        if self._loop is None:
            return
        self.call(self.emulator.stop)
        self._loop.add_callback(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None  # stopping twice is a no-op

    def __enter__(self) -> EmulatorThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
