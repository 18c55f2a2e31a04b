"""Kernel starts wait for the extension: no kernel starts without the provider's variables.

The extension starts on the server's loop after the server already answers, and starting the
provider takes seconds (the emulator is a process of its own). A kernel inherits its environment
when it starts, so one started in between — from ``POST /api/kernels`` or ``POST /api/sessions``
(jupyter-server's SessionManager copies ``os.environ`` into an ``env`` it passes *before* it
calls ``start_kernel``) — would never learn where the emulator, its key or the bridge are.

This module is the one place that holds them: it wraps the server's kernel manager's
``start_kernel`` (both routes go through it), waits until :meth:`KernelStartGate.open` (the
extension started, or gave up starting) and merges the kernels' variables into the ``env``
the caller passed (or into a copy of ``os.environ``). It never holds a start for longer than
``HOLD_LIMIT`` seconds; a kernel let through then gets what is known so far, and the log says so.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# Longer than the provider may take to start (the emulator's START_TIMEOUT is 60 s), so a kernel
# is only let through early when the extension's start is stuck, never merely slow.
HOLD_LIMIT = 120.0


class KernelStartGate:
    """Holds ``kernel_manager.start_kernel`` until :meth:`open`; gives kernels ``env()``."""

    def __init__(
        self,
        kernel_manager: Any,
        env: Callable[[], Mapping[str, str]],
        limit: float = HOLD_LIMIT,
    ) -> None:
        self.kernel_manager = kernel_manager
        self.env = env
        self.limit = limit
        self._open = asyncio.Event()
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        """Wrap the kernel manager's ``start_kernel`` (an instance attribute over its method)."""
        if self._original is None:
            self._original = self.kernel_manager.start_kernel
            self.kernel_manager.start_kernel = self.start_kernel

    def open(self) -> None:
        """Kernels may start now: ``env()`` is final (or as good as it will get)."""
        self._open.set()

    async def start_kernel(self, *args: Any, **kwargs: Any) -> Any:
        assert self._original is not None
        if not self._open.is_set():
            try:
                await asyncio.wait_for(self._open.wait(), self.limit)
            except asyncio.TimeoutError:
                log.warning(
                    "jupyter_qsession: the extension has not started after %g s; kernels "
                    "start with what is known so far (they may not reach the provider)",
                    self.limit,
                )
                self.open()  # held once is enough: the next kernels start at once
        base = kwargs.get("env")
        kwargs["env"] = {**(os.environ if base is None else base), **self.env()}
        return await self._original(*args, **kwargs)
