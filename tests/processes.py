"""Real processes for tests: a ``jupyter server`` with the extension as a child process, free
loopback ports, polling until something holds, code run in a kernel through its connection file,
and a process's descendants (to check none is left behind).

One home for these helpers (tests of restarts, start-up races, stops and the soak use them);
add to it rather than writing a second copy. The lab process has no terminal (stdin is
``/dev/null``), as under JupyterHub's spawners and process managers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from jupyter_client import BlockingKernelClient

from jupyter_qsession.wire import KERNEL_TOKEN_HEADER, kernel_token

TOKEN = "lab-process-token"
T = TypeVar("T")


def free_port() -> int:
    """A loopback port free now (another process may take it before it is used)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.1) -> T:
    """Call ``check`` until it returns something true, and return that; fail after
    ``timeout`` seconds (a bound for a test that would otherwise hang, not a timing assert)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"never happened within {timeout:g} s: {check}")
        time.sleep(interval)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` now."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` now (children, their children, ...)."""
    found = children(pid)
    for child in list(found):
        found += descendants(child)
    return found


def state(pid: int) -> str:
    """The process's state letter (``R`` running, ``S`` sleeping, ``Z`` zombie, ...); '' if
    there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not count)."""
    return state(pid) not in ("", "Z")


def name(pid: int) -> str:
    """The process's name in ``/proc/<pid>/comm`` (what it set with ``PR_SET_NAME``, e.g. the
    emulator's ``qsession-sim`` workers); '' if there is no such process."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _wait_for_ready(client: BlockingKernelClient, timeout: float) -> None:
    """``wait_for_ready``, which calls a kernel dead whose heartbeat is late (one still
    starting, or a busy machine): tried again until ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
            return
        except RuntimeError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def run_in_kernel(root: Path, kernel_id: str, code: str, timeout: float = 60) -> str:
    """Run ``code`` in the kernel whose connection file is in ``root/runtime``; return its
    stdout (stripped). Fails if the code raised."""
    client = BlockingKernelClient(
        connection_file=str(root / "runtime" / f"kernel-{kernel_id}.json")
    )
    client.load_connection_file()
    client.start_channels()
    try:
        _wait_for_ready(client, timeout)
        output: list[str] = []
        reply = client.execute_interactive(
            code,
            timeout=timeout,
            output_hook=lambda msg: output.append(
                msg["content"]["text"] if msg["content"].get("name") == "stdout" else ""
            ),
        )
    finally:
        client.stop_channels()
    content = reply["content"]
    assert content["status"] == "ok", (output, content.get("ename"), content.get("evalue"))
    return "".join(output).strip()


def remote_account_only(account_file: Path, url: str, token: str) -> list[str]:
    """Save a standalone emulator at ``url`` as the account ``remote`` in ``account_file``,
    as a user saves an account; the options of a lab that serves only that account (a
    :class:`LabProcess` reads its own ``account_file``: save it there)."""
    from jupyter_qsession.client.accounts_file import save_account
    from jupyter_qsession.emulator.instance import INSTANCE_CRN

    save_account("remote", url=url, token=token, instance=INSTANCE_CRN, path=account_file)
    return ["--QSessionApp.emulator=False"]


class LabProcess:
    """``jupyter server`` with the extension, as a child process without a terminal.

    Everything it keeps is under ``root``: its runtime dir (kernels' connection files), config
    dir, the registry (``sessions.sqlite``), the emulator's folder (``emulator/``) and its log
    (``server.log``). ``options`` are more command-line options (``--QSessionApp.x=y``)."""

    def __init__(self, root: Path, *options: str) -> None:
        self.root = Path(root)
        self.options = options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.stdin: int = subprocess.DEVNULL  # a pty's end: a lab at a terminal
        self.env = dict(
            os.environ,
            JUPYTER_RUNTIME_DIR=str(self.root / "runtime"),
            JUPYTER_CONFIG_DIR=str(self.root / "config"),
        )
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {TOKEN}"

    # ----------------------------------------------------------------- paths
    @property
    def tmp_path(self) -> Path:  # the name older tests use
        return self.root

    @property
    def emulator_dir(self) -> Path:
        return self.root / "emulator"

    @property
    def account_file(self) -> Path:
        """Its qiskit-ibm-runtime account file (never the account file of whoever runs tests)."""
        return self.root / "qiskit-ibm.json"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def emulator_info(self) -> dict[str, Any]:
        """The running emulator's ``{url, pid}`` (its info file)."""
        return json.loads((self.emulator_dir / "emulator.json").read_text())

    def emulator_pid(self) -> int:
        return int(self.emulator_info()["pid"])

    # ----------------------------------------------------------------- the process
    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
            f"--port={self.port}", "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={self.root}",
            f"--QSessionApp.registry_path={self.root / 'sessions.sqlite'}",
            f"--QSessionApp.account_file={self.account_file}",
            f"--EmulatorProvider.emulator_dir={self.emulator_dir}",
            *self._emulator_defaults(), *self.options,
        ]  # fmt: skip

    def _emulator_defaults(self) -> list[str]:
        defaults = {"queue_wait": "0.2", "job_overhead": "0.05"}
        given = " ".join(self.options)
        return [
            f"--QSessionEmulator.{name}={value}"
            for name, value in defaults.items()
            if f"--QSessionEmulator.{name}=" not in given
        ]

    def spawn(self) -> LabProcess:
        """Start the process and return at once (see :meth:`answers`, :meth:`start`)."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.env, stdin=self.stdin, stdout=log, stderr=log
            )
        return self

    def start(self, timeout: float = 60.0) -> LabProcess:
        """Start the process; return once the qsession API answers (the extension started)."""
        self.spawn()
        self.wait_until(lambda: self.get("sessions").status_code == 200, timeout)
        return self

    def wait_until(self, check: Callable[[], T], timeout: float = 60.0) -> T:
        """Poll ``check`` every 5 ms (connection refused counts as not yet) until it holds;
        fail with the server's log if the process exits or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the lab exited:\n{self.log_tail()}")
            try:
                value = check()
                if value:
                    return value
            except requests.ConnectionError:
                pass
            time.sleep(0.005)
        raise AssertionError(f"never happened within {timeout:g} s:\n{self.log_tail()}")

    def answers(self) -> bool:
        """Whether jupyter-server answers ``GET /api/status`` (true before the extension's
        start-up on the loop has finished)."""
        return self.http.get(f"{self.url}/api/status", timeout=10).status_code == 200

    def send_signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (the server's clean stop) and wait; SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    # ----------------------------------------------------------------- its API
    def get(self, path: str) -> requests.Response:
        """``GET /qsession/api/<path>``."""
        return self.http.get(f"{self.url}/qsession/api/{path}", timeout=10)

    def server(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """jupyter-server's own REST API: ``server("POST", "kernels")``."""
        kwargs.setdefault("timeout", 60)
        return self.http.request(method, f"{self.url}/api/{path}", **kwargs)

    def start_kernel(self) -> tuple[str, str]:
        """A kernel of this server (POST /api/kernels) and its bridge token."""
        reply = self.server("POST", "kernels")
        assert reply.status_code == 201, reply.text
        return self.kernel_and_token(reply.json()["id"])

    def start_notebook_kernel(self, path: str) -> tuple[str, str]:
        """A kernel opened for the notebook ``path``, as JupyterLab opens one (POST
        /api/sessions), and its bridge token."""
        body = {"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}}
        reply = self.server("POST", "sessions", json=body)
        assert reply.status_code == 201, reply.text
        return self.kernel_and_token(reply.json()["kernel"]["id"])

    def kernel_and_token(self, kernel_id: str) -> tuple[str, str]:
        connection = self.root / "runtime" / f"kernel-{kernel_id}.json"
        key = json.loads(connection.read_text())["key"]
        return kernel_id, kernel_token(key, kernel_id)

    def run(self, kernel_id: str, code: str, timeout: float = 60) -> str:
        """Run ``code`` in one of this server's kernels; return its stdout."""
        return run_in_kernel(self.root, kernel_id, code, timeout)

    def register(self, kernel_id: str, token: str, session_id: str) -> requests.Response:
        return requests.post(
            f"{self.url}/qsession/api/kernels/{kernel_id}/sessions",
            json={"session_id": session_id},
            headers={KERNEL_TOKEN_HEADER: token},
            timeout=30,
        )
