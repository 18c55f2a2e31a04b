"""Kernel lifecycle -> session policy: a kernel that shuts down, restarts or dies takes its
sessions with it (close by default), so no session outlives the notebook that opened it.

This module owns the policies, in every situation: a kernel shut down, restarted or dead; at
server start, the open sessions whose kernel is gone (it died with the previous server); at
server stop, the sessions of the kernels the server takes down with it. It also owns what the
kernels of this server inherit (the bridge, the provider's address, and, with
``load_magic_in_kernels``, the start-up file that loads the magic before any user cell), and
holds kernel starts until that is known (:mod:`.kernel_starts`).

The policies apply to the sessions a kernel of this server registered, only: never to sessions
found elsewhere on the account (``origin="elsewhere"``), and, at start, never to those another
lab server sharing the registry registered while it still runs (their ``lab_pid`` is alive).

Shutdowns and restarts arrive as jupyter-server's own ``kernel_actions`` events. A kernel that
dies and is restarted by its restarter shows up as a ``restart`` event after a ``restart``
callback; one that dies for good (restart failed) only fires the ``dead`` callback.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..emulator.labs import alive
from ..errors import Conflict, NotFound, ProviderUnavailable
from ..kernel.autoload import kernel_env as magic_env
from ..vocabulary import ENDED_WORDS, EndedReason, SessionOrigin
from .kernel_starts import KernelStartGate
from .manager import SessionManager
from .models import SessionModel

log = logging.getLogger(__name__)

KERNEL_ACTIONS = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
POLICIES = ("close", "cancel", "keep")


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
        kernel_env: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        """``kernel_env()``: the variables the kernels of this server get (the bridge, the
        provider's), read once at :meth:`start`, or, for a kernel held longer than
        :data:`~.kernel_starts.HOLD_LIMIT` before it, as far as they are known then."""
        for policy in (on_shutdown, on_restart):
            if policy not in POLICIES:
                raise ValueError(f"policy must be one of {POLICIES}")
        self.manager = manager
        self.kernel_manager = kernel_manager
        self.event_logger = event_logger
        self.on_shutdown = on_shutdown
        self.on_restart = on_restart
        self.load_magic = load_magic
        self._crashed: set[str] = set()
        self._watched: set[str] = set()
        self._tasks: set[asyncio.Future] = set()
        self._replaced_env: dict[str, str | None] = {}
        self._started = False
        self.kernel_env = kernel_env
        self._env: dict[str, str] | None = None  # kernel_env() as read at start
        self.kernel_starts = KernelStartGate(kernel_manager, self.inherited)
        self.kernel_starts.install()

    def inherited(self) -> dict[str, str]:
        """What a kernel started now gets on top of the server's environment."""
        return self._env if self._env is not None else self._inherited(self.kernel_env())

    def _inherited(self, kernel_env: Mapping[str, str]) -> dict[str, str]:
        env = dict(kernel_env)
        if self.load_magic:
            env.update(magic_env(os.environ))
        return env

    # ----------------------------------------------------------------- server start / stop
    async def start(self) -> None:
        """Give the kernels started from now on ``kernel_env()`` (they inherit the server's
        environment; the ones held until now get it too), listen to kernel events, and end
        the sessions that outlived their kernel: they died with the previous server."""
        env = self._env = self._inherited(self.kernel_env())
        self._replaced_env = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        self.kernel_starts.open()
        self._started = True
        self.event_logger.add_listener(schema_id=KERNEL_ACTIONS, listener=self._on_kernel_action)
        for kernel_id in self.kernel_manager.list_kernel_ids():
            self._watch(kernel_id)
        orphans = [s for s in self.manager.open_sessions(kernel_alive=False) if self._orphaned(s)]
        await self._end(orphans, self.on_shutdown, EndedReason.KERNEL_DIED)

    def _orphaned(self, session: SessionModel) -> bool:
        """Its kernel died with a lab server: this one (an earlier run, or a row from before
        lab_pid was recorded) or one that is not running any more. A live lab server's
        sessions are that server's business."""
        pid = session.lab_pid
        return pid is None or pid == self.manager.pid or not alive(pid)

    async def stop(self) -> None:
        """The server is stopping and takes its kernels with it: their sessions get the
        shutdown policy; the server's environment is as it was before :meth:`start`."""
        if not self._started:
            return
        self._started = False
        self.event_logger.remove_listener(listener=self._on_kernel_action)
        running = self.manager.open_sessions(kernel_alive=True)
        await self._end(running, self.on_shutdown, EndedReason.KERNEL_SHUTDOWN)
        for name, value in self._replaced_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    # ----------------------------------------------------------------- kernel events
    async def _on_kernel_action(self, logger: Any, schema_id: str, data: dict) -> None:
        kernel_id = data.get("kernel_id")
        if data.get("status") != "success" or not kernel_id:
            return
        action = data.get("action")
        if action == "start":
            self._watch(kernel_id)
        elif action == "shutdown":
            await self.kernel_shut_down(kernel_id)
        elif action == "restart":
            await self.kernel_restarted(kernel_id)

    async def kernel_shut_down(self, kernel_id: str) -> None:
        self._watched.discard(kernel_id)
        await self._end_sessions_of([kernel_id], self.on_shutdown, EndedReason.KERNEL_SHUTDOWN)

    async def kernel_restarted(self, kernel_id: str) -> None:
        """A restart asked for, or the restarter's after a crash (then it says so)."""
        if kernel_id in self._crashed:
            self._crashed.discard(kernel_id)
            reason = EndedReason.KERNEL_DIED
        else:
            reason = EndedReason.KERNEL_RESTART
        await self._end_sessions_of([kernel_id], self.on_restart, reason)

    async def kernel_died(self, kernel_id: str) -> None:
        """Dead for good: its restarter gave up."""
        log.warning("jupyter_qsession: kernel %s died; ending its sessions", kernel_id)
        self._watched.discard(kernel_id)
        await self._end_sessions_of([kernel_id], self.on_shutdown, EndedReason.KERNEL_DIED)

    def _watch(self, kernel_id: str) -> None:
        """Hear about crashes, which no event reports."""
        if kernel_id in self._watched or kernel_id not in self.kernel_manager:
            return
        self._watched.add(kernel_id)
        kernel = self.kernel_manager.get_kernel(kernel_id)
        kernel.add_restart_callback(lambda: self._crashed.add(kernel_id), "restart")
        kernel.add_restart_callback(lambda: self._spawn(self.kernel_died(kernel_id)), "dead")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ----------------------------------------------------------------- the policy
    async def _end_sessions_of(
        self, kernel_ids: Iterable[str], policy: str, reason: EndedReason
    ) -> None:
        """Apply ``policy`` (close | cancel | keep) to the open sessions of ``kernel_ids``."""
        if self.manager.registry_error is not None:
            return  # no session could be registered
        sessions = [s for k in kernel_ids for s in self.manager.of_kernel(k)]
        await self._end(sessions, policy, reason)

    async def _end(self, sessions: list[SessionModel], policy: str, reason: EndedReason) -> None:
        """Apply ``policy`` to ``sessions``: kernels' sessions only, whatever the caller
        passed (one found elsewhere was not opened by a kernel of this server)."""
        if policy == "keep" or self.manager.registry_error is not None:
            return  # kept, or no session could be registered
        for session in sessions:
            if session.origin != SessionOrigin.KERNEL or session.state == "closed":
                continue
            if policy == "close" and not session.accepting_jobs:
                continue  # already closing: its queued jobs still run
            log.info(
                "jupyter_qsession: %s session %s of kernel %s (policy %s: %s)",
                "cancelling" if policy == "cancel" else "closing",
                session.id,
                session.kernel_id,
                policy,
                ENDED_WORDS[reason],
            )
            try:
                if policy == "cancel":
                    await self.manager.cancel(session.id, reason)
                else:
                    await self.manager.close(session.id, reason)
            except (Conflict, NotFound, ProviderUnavailable) as exc:
                log.warning("jupyter_qsession: cannot %s session %s: %s", policy, session.id, exc)
