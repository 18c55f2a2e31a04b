"""Kernel lifecycle -> session policy: a kernel that shuts down, restarts or dies takes its
sessions with it (close by default), so no session outlives the notebook that opened it.

Shutdowns and restarts arrive as jupyter-server's own ``kernel_actions`` events. A kernel that
dies and is restarted by its restarter shows up as a ``restart`` event after a ``restart``
callback; one that dies for good (restart failed) only fires the ``dead`` callback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .manager import SessionManager

log = logging.getLogger(__name__)

KERNEL_ACTIONS = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"


class KernelLifecycle:
    """Applies ``on_kernel_shutdown`` / ``on_kernel_restart`` to the sessions of each kernel."""

    def __init__(
        self,
        manager: SessionManager,
        kernel_manager: Any,
        event_logger: Any,
        *,
        on_shutdown: str,
        on_restart: str,
        load_magic: bool = False,
    ) -> None:
        self.manager = manager
        self.kernel_manager = kernel_manager
        self.event_logger = event_logger
        self.on_shutdown = on_shutdown
        self.on_restart = on_restart
        self.load_magic = load_magic
        self._crashed: set[str] = set()
        self._watched: set[str] = set()
        self._tasks: set[asyncio.Future] = set()

    def start(self) -> None:
        self.event_logger.add_listener(schema_id=KERNEL_ACTIONS, listener=self._on_kernel_action)
        for kernel_id in self.kernel_manager.list_kernel_ids():
            self._watch(kernel_id)

    def stop(self) -> None:
        self.event_logger.remove_listener(listener=self._on_kernel_action)

    async def _on_kernel_action(self, logger: Any, schema_id: str, data: dict) -> None:
        kernel_id = data.get("kernel_id")
        if data.get("status") != "success" or not kernel_id:
            return
        action = data.get("action")
        if action in ("start", "restart") and self.load_magic:
            await self._load_magic(kernel_id)
        if action == "start":
            self._watch(kernel_id)
        elif action == "shutdown":
            self._watched.discard(kernel_id)
            await self.manager.end_kernel_sessions(kernel_id, self.on_shutdown, "kernel_shutdown")
        elif action == "restart":
            if kernel_id in self._crashed:
                self._crashed.discard(kernel_id)
                reason = "kernel_died"
            else:
                reason = "kernel_restart"
            await self.manager.end_kernel_sessions(kernel_id, self.on_restart, reason)

    async def _load_magic(self, kernel_id: str) -> None:
        """``%load_ext jupyter_qsession`` in a new Python kernel, before any cell of the user's
        (the kernel runs requests in order and this one is sent as soon as it starts)."""
        if kernel_id not in self.kernel_manager:
            return
        kernel = self.kernel_manager.get_kernel(kernel_id)
        if (kernel.kernel_spec.language or "").lower() != "python":
            return
        client = kernel.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            await client.execute_interactive(
                "%load_ext jupyter_qsession", silent=True, store_history=False, timeout=60
            )
        except (RuntimeError, TimeoutError) as error:
            log.warning("jupyter_qsession: could not load the magic in %s: %s", kernel_id, error)
        finally:
            client.stop_channels()

    def _watch(self, kernel_id: str) -> None:
        """Hear about crashes, which no event reports."""
        if kernel_id in self._watched or kernel_id not in self.kernel_manager:
            return
        self._watched.add(kernel_id)
        kernel = self.kernel_manager.get_kernel(kernel_id)
        kernel.add_restart_callback(lambda: self._crashed.add(kernel_id), "restart")
        kernel.add_restart_callback(lambda: self._spawn(self._died(kernel_id)), "dead")

    async def _died(self, kernel_id: str) -> None:
        log.warning("jupyter_qsession: kernel %s died; ending its sessions", kernel_id)
        self._watched.discard(kernel_id)
        await self.manager.end_kernel_sessions(kernel_id, self.on_shutdown, "kernel_died")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
