"""The emulator as its own process beside the lab: started, found again, watched, stopped.

The lab server never simulates: ``jupyter qsession emulator`` runs in a child process on
loopback with its state in SQLite, so a heavy job cannot freeze the lab and a lab that is
killed and started again finds the same sessions still running. The child writes an info
file (URL and pid) next to its state; a lab server that finds a live emulator there uses it
instead of starting another, so several lab servers of one user share one emulated service.
The operator key (the lab server's own credential on the emulator) is kept in a file only
the user can read and handed to the child in its environment, never on its command line.

The lab binds the emulator's listening socket itself and hands it to the child (``--socket-fd``),
keeping it open across restarts: while a dead emulator is started again, clients' connections
wait in the socket's backlog and are answered by the next process, instead of being refused (the
client only retries a refused connection a few times within a second or two; a restart takes
longer). So a restart costs kernels nothing but the seconds it takes.

Each lab server using the emulator holds a lease (a file named by its pid in ``labs/``). A lab
that stops cleanly stops the emulator when no other live lab holds a lease; a lab killed with
SIGKILL leaves it running, so the lab started next finds it with its sessions still going; an
emulator whose leases all belong to dead processes for ``ORPHAN_GRACE`` seconds exits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from ...emulator.labs import alive, live_leases
from ...wire import OPERATOR_KEY_ENV

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
# Connections wait in the backlog meanwhile; the delay only spares a crashing emulator's restarts.
RESTART_DELAY = 0.1
BACKLOG = 1024  # connections that may wait for a restarting emulator


class EmulatorUnavailable(Exception):
    """The emulator process could not be started or found."""


class EmulatorProcess:
    """One emulator process for this lab server (started by it, or found running)."""

    def __init__(self, state_dir: str | Path, options: list[str]) -> None:
        self.state_dir = Path(state_dir)
        self.options = list(options)
        self.url: str | None = None
        self.operator_key = ""
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task | None = None
        self._stopping = False
        self.restarts = 0
        self.notices: list[str] = []
        self._found_pid: int | None = None
        self.on_restart: list = []
        self._socket: socket.socket | None = None

    @property
    def info_file(self) -> Path:
        return self.state_dir / "emulator.json"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "emulator.sqlite"

    @property
    def started_here(self) -> bool:
        return self._process is not None

    @property
    def lease_dir(self) -> Path:
        return self.state_dir / "labs"

    def _take_lease(self) -> None:
        self.lease_dir.mkdir(parents=True, exist_ok=True)
        (self.lease_dir / str(os.getpid())).touch()

    async def start(self) -> str:
        """Find a live emulator of this state directory, or start one; return its URL."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.operator_key = self._operator_key()
        self._take_lease()
        found = self._find_running()
        if found is not None:
            self.url = found
            log.info("jupyter_qsession: using the emulator already running at %s", found)
            return found
        self.url = await self._spawn()
        self._watcher = asyncio.ensure_future(self._watch())
        return self.url

    def _operator_key(self) -> str:
        path = self.state_dir / "operator.key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        key = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key)
        return key

    def _find_running(self) -> str | None:
        try:
            info = json.loads(self.info_file.read_text(encoding="utf-8"))
            pid, url = int(info["pid"]), str(info["url"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not alive(pid):
            return None
        self._found_pid = pid
        return url

    def alive(self) -> bool:
        """Whether the emulator this lab uses (started here or found) still runs."""
        if self._process is not None:
            return self._process.returncode is None
        return self._found_pid is not None and alive(self._found_pid)

    def _listen(self) -> socket.socket:
        """The emulator's listening socket, bound here once: on the port it had (a found
        emulator that died), so kernels that were told the URL still reach it, else a free one."""
        port = urlparse(self.url).port if self.url else 0
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port or 0))
            sock.listen(BACKLOG)
        except OSError as exc:
            sock.close()
            raise EmulatorUnavailable(f"Cannot listen on 127.0.0.1:{port}: {exc}") from None
        return sock

    async def _spawn(self) -> str:
        env = {**os.environ, OPERATOR_KEY_ENV: self.operator_key}
        if self._socket is None:
            self._socket = self._listen()
        fd = self._socket.fileno()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "jupyter_qsession.cli",
            "emulator",
            "--state",
            str(self.state_file),
            "--info-file",
            str(self.info_file),
            "--lease-dir",
            str(self.lease_dir),
            "--socket-fd",
            str(fd),
            *self.options,
            stdout=asyncio.subprocess.PIPE,
            env=env,
            pass_fds=(fd,),
            start_new_session=True,  # a Ctrl-C meant for the lab is not the emulator's
        )
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), START_TIMEOUT)
        except asyncio.TimeoutError:
            self._process.kill()
            self._close_socket()  # refuse clients rather than keep them waiting for ever
            raise EmulatorUnavailable("The emulator did not start within a minute.") from None
        url = line.decode().strip()
        if not url.startswith("http://"):
            self._close_socket()
            raise EmulatorUnavailable(
                f"The emulator failed to start (exit {self._process.returncode})."
            )
        asyncio.ensure_future(self._drain(self._process.stdout))
        log.info("jupyter_qsession: emulator process %d at %s", self._process.pid, url)
        return url

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while await stream.readline():
            pass

    async def _watch(self) -> None:
        """Restart the emulator if it dies; its state file makes it continue where it was."""
        while not self._stopping:
            assert self._process is not None
            code = await self._process.wait()
            if self._stopping:
                return
            log.warning(
                "jupyter_qsession: the emulator process exited (code %s); restarting it", code
            )
            await asyncio.sleep(RESTART_DELAY)
            try:
                self.url = await self._spawn()
            except EmulatorUnavailable as exc:
                log.error("jupyter_qsession: %s", exc)
                return
            self.restarts += 1
            self.notices.append(
                f"The emulator process exited (code {code}) and was restarted at "
                f"{time.strftime('%H:%M:%S')}; it continued from its saved state."
            )
            for callback in list(self.on_restart):
                callback()

    async def stop(self) -> None:
        """Give up this lab's lease; stop the emulator when no other live lab holds one."""
        self._stopping = True
        self._close_socket()  # the emulator serves its own copy for as long as it runs
        if self._watcher is not None:
            self._watcher.cancel()
        (self.lease_dir / str(os.getpid())).unlink(missing_ok=True)
        if live_leases(self.lease_dir, besides=os.getpid()):
            return
        process = self._process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        elif process is None and self._found_pid is not None and alive(self._found_pid):
            os.kill(self._found_pid, signal.SIGTERM)  # found running, e.g. after a SIGKILL
