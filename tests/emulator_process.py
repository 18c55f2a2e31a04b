"""The emulator as its own process on a state file (``python -m jupyter_qsession.cli emulator``,
as the lab's supervisor runs it): killed with SIGKILL, or by a failpoint, and started again on
the same port and state. Used by the commit, disk and signing-key tests (and open to the soak).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import requests
from processes import descendants, free_port
from qiskit_ibm_runtime.json import RuntimeEncoder

from conftest import OVERHEAD, QUEUE_WAIT, Rest
from jupyter_qsession.wire import FAILPOINT_ENV

KEY = "operator-key"


class EmulatorProcess:
    """One emulator process at a time on ``state``, always on the same port (a client made
    before a restart reaches the next process). A manual clock unless ``clock="wall"``."""

    def __init__(self, state: Path, clock: str = "manual") -> None:
        self.state = state
        self.clock = clock
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyter_qsession.cli", "emulator",
            "--port", str(self.port), "--token", KEY, "--state", str(self.state),
            "--clock", self.clock, "--queue-wait", str(QUEUE_WAIT),
            "--job-overhead", str(OVERHEAD), "--simulation-workers", "1",
        ]  # fmt: skip

    def start(self, failpoint: str | None = None) -> str:
        """Start a process and wait until it listens; ``failpoint`` sets
        ``$QSESSION_EMULATOR_FAILPOINT`` for it alone."""
        env = dict(os.environ)
        env.pop(FAILPOINT_ENV, None)
        if failpoint:
            env[FAILPOINT_ENV] = failpoint
        # Its log goes to a file, not a pipe nobody reads (a full pipe would block it), and
        # not beside the state (whose disk the tests fill).
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            self.command(),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.proc.wait(timeout=30)
            self.log.seek(0)
            raise RuntimeError(f"the emulator did not start: {self.log.read()}")
        assert line == self.url
        return line

    def try_start(self) -> tuple[int, str]:
        """Start a process expected to refuse: its exit status and stderr."""
        done = subprocess.run(
            self.command(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
        )
        return done.returncode, done.stderr

    def died(self, timeout: float = 60) -> int:
        """The exit status of a process that kills itself (a failpoint); -9 for SIGKILL."""
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; no clean-up runs. Its simulation
        workers go too (making them die with it is emulator/workers.py's business)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def rest(self, key: str = KEY) -> Rest:
        return Rest(self.url, key)

    def advance(self, seconds: float) -> None:
        """Move the manual clock (each running simulation settles first)."""
        answer = self.rest()("POST", "/qsession/clock", json={"advance": seconds})
        assert answer.status_code == 200, answer.text


def post(rest: Rest, path: str, body: dict) -> requests.Response:
    """One POST, never retried (unlike the client's): what the emulator answered, or the
    ``requests.ConnectionError`` of a process that died before answering."""
    return rest("POST", path, json=body)


def job_body(circuit: Any, session_id: str | None = None) -> dict:
    """A raw 10-shot sampler job, its circuit encoded as the client encodes it."""
    pub = json.loads(json.dumps([circuit, None, 10], cls=RuntimeEncoder))
    body = {"program_id": "sampler", "backend": "fake_manila", "params": {"pubs": [pub]}}
    if session_id:
        body["session_id"] = session_id
    return body
