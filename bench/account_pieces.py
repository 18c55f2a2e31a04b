"""The pieces of ``bench/accounts.py``: a lab's start-up timed and its stop, a port that
resets every connection, a standalone emulator process that counts the requests it answered,
and a process's CPU time."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from processes import LabProcess

LOGGED = 0.05  # s for an emulator to log the requests it just answered


def stop(lab: LabProcess) -> None:
    """Stop the lab as Ctrl-C would, then its emulator (the last lab to stop stops it)."""
    info = lab.emulator_dir / "emulator.json"
    pid = lab.emulator_pid() if info.exists() else None
    lab.stop()
    deadline = time.monotonic() + 15
    while pid is not None and info.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid is not None and info.exists():
        os.kill(pid, signal.SIGKILL)


def spawn_timed(lab: LabProcess) -> tuple[float, float, float]:
    """Spawn; when (``perf_counter``), and the seconds until ``GET /api/status`` and until
    ``GET /qsession/api/sessions`` answered 200 (both polled every 5 ms in one loop)."""
    times: dict[str, float] = {}
    spawned = time.perf_counter()
    lab.spawn()

    def both() -> bool:
        if "status" not in times and lab.answers():
            times["status"] = time.perf_counter() - spawned
        if "status" in times and lab.get("sessions").status_code == 200:
            times["sessions"] = time.perf_counter() - spawned
        return "sessions" in times

    lab.wait_until(both)
    return spawned, times["status"], times["sessions"]


def account_state(lab: LabProcess, name: str) -> str:
    reply = lab.get("accounts")
    if reply.status_code != 200:
        return ""
    return next((a["state"] for a in reply.json()["accounts"] if a["name"] == name), "")


class Resetter:
    """A loopback port that accepts each connection and resets it at once, noting when."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[float] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(time.perf_counter())
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            conn.close()  # linger 0: an RST, as a dead service's proxy might answer


# `jupyter qsession emulator` with its request log (``_log_request``, at debug) on stderr.
RUNNER = (
    "import logging, sys; logging.basicConfig(level=logging.DEBUG,"
    " format='%(created)f %(name)s %(message)s');"
    "from jupyter_qsession.cli import main; sys.exit(main(sys.argv[1:]))"
)
REQUEST = re.compile(r"^[\d.]+ jupyter_qsession\.emulator\.emulator (\d{3}) (\w+) (\S+) ", re.M)


class Standalone:
    """A standalone emulator process (key ``bench``; queued jobs stay queued), counting the
    requests it logged."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        command = [
            sys.executable, "-c", RUNNER, "emulator", "--port", "0", "--token", "bench",
            "--queue-wait", "1000000", "--simulation-workers", "1",
        ]  # fmt: skip
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True
            )
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise RuntimeError(self.log_path.read_text())

    def requests(self) -> Counter:
        """Every request it answered so far, by method, path and status."""
        found = REQUEST.findall(self.log_path.read_text(errors="replace"))
        return Counter(f"{method} {urlsplit(uri).path} {status}" for status, method, uri in found)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
