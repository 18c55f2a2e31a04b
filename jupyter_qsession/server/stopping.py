"""Every way of stopping the lab is jupyter-server's own clean stop, run once, within a bound.

jupyter-server (2.21) stops cleanly on SIGTERM (``ServerApp._signal_stop`` -> ``stop`` ->
``_stop`` -> ``_cleanup``: each extension's ``stop_extension``, then the kernels) and, at a
terminal only, on SIGINT (it asks to confirm). Without a terminal — JupyterHub's spawners,
process managers, scripts — SIGINT raises KeyboardInterrupt out of the IO loop and the process
exits without ``_cleanup``: the kernels' sessions stay open on the service and the emulator
lingers for its orphan grace. SIGHUP has no handler at all. So, in a server run by its own
``start()`` (never in a server a test runs in its process, whose signals are pytest's):

* SIGINT without a terminal and SIGHUP take SIGTERM's path; a signal whose disposition is
  "ignore" (``nohup``, a background job) stays ignored, and the terminal's prompt stays as is;
* the server's ``_cleanup`` runs once whoever asks (a signal, ``POST /api/shutdown``, or
  ``jupyter server stop``, which posts and sends SIGTERM 5 s later): a second caller waits for
  the first, and a second signal only says the stop goes on;
* from the first request to stop, the process ends within ``stop_timeout`` seconds: if the stop
  has not finished (a provider that does not answer), what was still to do is logged, the
  processes this lab started are killed (its kernels, and its emulator unless another live lab
  holds a lease on it) and the process exits with status 1.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from traitlets import Float
from traitlets.config import LoggingConfigurable

from ..emulator.labs import alive, live_leases
from ..vocabulary import SessionOrigin
from .providers.process import EmulatorProcess

log = logging.getLogger(__name__)

FORCED_EXIT_STATUS = 1


class CleanStopping(LoggingConfigurable):
    """The ``stop_timeout`` setting and the hook that installs :class:`CleanStop`; a base of
    ``QSessionApp`` (which provides ``serverapp`` and ``manager``)."""

    stop_timeout = Float(
        10.0,
        min=0.1,
        config=True,
        help="""Seconds this server may take to stop, counted from the first request to stop
        (SIGINT, SIGTERM, SIGHUP, POST /api/shutdown, `jupyter server stop`). Every way of
        stopping runs the same clean stop: the kernels' sessions get on_kernel_shutdown, the
        registry is closed, the emulator is released, the kernels are shut down. A second
        signal during the stop does not start it again. If the stop has not finished within
        this time (a provider that does not answer), what was still to do is logged, the
        processes this server started are killed (its kernels; its emulator unless another
        running lab uses it) and the server exits with status 1.""",
    )

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # Called only once the server's own IO loop runs: a server started by `jupyter lab`
        # or `jupyter server`, not one a test runs inside pytest.
        CleanStop(serverapp, self.stop_timeout, lambda: getattr(self, "manager", None)).install()


class CleanStop:
    """Routes the stop signals to ``serverapp``'s own stop, runs its cleanup once, and ends
    the process within ``timeout`` seconds of the first request to stop."""

    def __init__(
        self, serverapp: Any, timeout: float, manager: Callable[[], Any] = lambda: None
    ) -> None:
        self.serverapp = serverapp
        self.timeout = timeout
        self.manager = manager  # the SessionManager (or None), for what was left
        self._signal_stop = serverapp._signal_stop
        self._cleanup = serverapp._cleanup
        self._cleaning: asyncio.Future | None = None
        self._deadline: threading.Timer | None = None

    def install(self) -> None:
        """Take over the server's stop signal handler and cleanup (main thread only)."""
        serverapp = self.serverapp
        # Instance attributes: the server's own paths (its Ctrl-C Ctrl-C at a terminal, the
        # shutdown handler, _stop) look them up on the instance.
        serverapp._signal_stop = self.on_signal
        serverapp._cleanup = self.cleanup
        signal.signal(signal.SIGTERM, self.on_signal)
        hangup = getattr(signal, "SIGHUP", None)  # none on Windows
        if hangup is not None and signal.getsignal(hangup) == signal.SIG_DFL:
            signal.signal(hangup, self.on_signal)
        # Python's own handler is still there only without a terminal (at one, jupyter-server
        # installed its confirmation prompt, which we keep).
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self.on_signal)

    @property
    def stopping(self) -> bool:
        return self._deadline is not None or bool(getattr(self.serverapp, "_stopping", False))

    def on_signal(self, sig: int, frame: Any) -> None:
        if self.stopping:
            log.warning(
                "jupyter_qsession: %s during the stop: the stop goes on; this server ends "
                "within %g s of its start (c.QSessionApp.stop_timeout)",
                signal.Signals(sig).name,
                self.timeout,
            )
            return
        self.arm()
        self._signal_stop(sig, frame)  # logs "received signal", then stop(from_signal=True)

    async def cleanup(self) -> None:
        """The server's ``_cleanup``, once: a second caller waits for the first."""
        self.arm()
        if self._cleaning is None:
            self._cleaning = asyncio.ensure_future(self._cleanup())
        await asyncio.shield(self._cleaning)

    def arm(self) -> None:
        """Start counting ``timeout`` (once)."""
        if self._deadline is not None:
            return
        self._deadline = threading.Timer(self.timeout, self.expire)
        self._deadline.daemon = True
        self._deadline.start()

    def expire(self) -> None:
        """The stop took too long: say what was left, kill what this server started, exit."""
        try:
            try:
                left = "; ".join(what_was_left(self.serverapp, self.manager())) or "nothing"
            except Exception as exc:  # noqa: BLE001 - the exit below must happen
                left = f"unknown ({exc!r})"
            log.error(
                "jupyter_qsession: the stop did not finish within %g s "
                "(c.QSessionApp.stop_timeout); ending the server and killing the processes "
                "it started. Left: %s",
                self.timeout,
                left,
            )
            for pid in started_processes(self.serverapp, self.manager()):
                _kill(pid)
        finally:
            os._exit(FORCED_EXIT_STATUS)


def what_was_left(serverapp: Any, manager: Any) -> list[str]:
    """What a stop that did not finish leaves: this server's kernels' sessions that are not
    closed, its kernels, and the emulator it started."""
    left = []
    if manager is not None:
        for session in list(manager.sessions.values()):
            if session.origin != SessionOrigin.KERNEL or session.state == "closed":
                continue
            if session.lab_pid not in (None, os.getpid()):
                continue
            jobs = "accepting jobs" if session.accepting_jobs else "not accepting jobs"
            left.append(
                f"session {session.id} of kernel {session.kernel_id} ({session.state}, {jobs})"
            )
    kernels = _kernel_pids(serverapp)
    left += [f"kernel {kernel_id} (pid {pid})" for kernel_id, pid in kernels.items()]
    emulator = _emulator(manager)
    if emulator is not None and emulator.started_here:
        pid = _emulator_pid(emulator)
        if pid is not None and alive(pid):
            shared = live_leases(emulator.lease_dir, besides=os.getpid())
            left.append(
                f"emulator (pid {pid}, "
                + (f"still used by lab {shared[0]})" if shared else "not stopped)")
            )
    return left


def started_processes(serverapp: Any, manager: Any) -> list[int]:
    """The processes this server started that should end with it: its kernels, and its
    emulator unless another live lab holds a lease on it."""
    pids = [pid for pid in _kernel_pids(serverapp).values() if pid is not None]
    emulator = _emulator(manager)
    if emulator is not None and emulator.started_here:
        pid = _emulator_pid(emulator)
        if pid is not None and not live_leases(emulator.lease_dir, besides=os.getpid()):
            pids.append(pid)
    return pids


def _kernel_pids(serverapp: Any) -> dict[str, int | None]:
    kernel_manager = getattr(serverapp, "kernel_manager", None)
    if kernel_manager is None:
        return {}
    pids = {}
    for kernel_id in list(kernel_manager.list_kernel_ids()):
        try:
            kernel = kernel_manager.get_kernel(kernel_id)
        except KeyError:
            continue
        pids[kernel_id] = getattr(getattr(kernel, "provisioner", None), "pid", None)
    return pids


def _emulator(manager: Any) -> EmulatorProcess | None:
    """The lab's own emulator process (the accounts' provider holds it as ``emulator``)."""
    provider = getattr(manager, "provider", None)
    provider = getattr(provider, "emulator", None) or provider
    process = getattr(provider, "process", None)
    return process if isinstance(process, EmulatorProcess) else None


def _emulator_pid(emulator: EmulatorProcess) -> int | None:
    try:
        return int(json.loads(emulator.info_file.read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _kill(pid: int) -> None:
    """SIGKILL ``pid`` with its process group if it leads one (kernels and the emulator are
    started in their own session, so their children go too), else ``pid`` alone."""
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows: SIGTERM terminates
    try:
        if hasattr(os, "killpg") and os.getpgid(pid) == pid:
            os.killpg(pid, kill)
        else:
            os.kill(pid, kill)
    except OSError:
        pass
