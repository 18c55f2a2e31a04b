"""What the extension costs the lab server now that the emulator is a process beside it.

Run: ``python bench/lab_process.py``. Start-up and memory; ``bench/lab_load.py`` (the server's
latency while the emulator simulates) and ``bench/lab_restart.py`` (``kill -9`` of a lab
mid-session) run the same :class:`LabServer`: ``jupyter server`` as a child process with a
free port, its own temporary config, data and runtime directories, and a token. Each figure
is a ratio against a baseline measured in the same run:

* start-up: from spawning the server until ``GET /api/status`` answers, with the extension ÷
  without it (disabled by ``--ServerApp.jpserver_extensions=jupyter_qsession=False``, which
  overrides the installed ``jupyter_server_config.d/jupyter_qsession.json``), median of
  ``--runs`` alternating runs after one untimed run of each;
* RSS: the server process's VmRSS once start-up has settled, with ÷ without (the emulator
  process's own RSS beside it: it is not the server's).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))

from processes import free_port  # noqa: E402 - the tests' own helpers

TOKEN = "bench-token"
DISABLED = "--ServerApp.jpserver_extensions=jupyter_qsession=False"
SETTLE = 3.0  # seconds after start-up (and the emulator's) before RSS is read


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


class LabServer:
    """``jupyter server`` as a child process, with or without the extension."""

    def __init__(self, root: Path, *, extension: bool = True, options: tuple[str, ...] = ()):
        self.root = root
        self.extension = extension
        self.options = options
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {TOKEN}"
        self.process: subprocess.Popen | None = None
        self.spawned = 0.0
        self.env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(root / "config"),
            JUPYTER_DATA_DIR=str(root / "data"),
            JUPYTER_RUNTIME_DIR=str(root / "runtime"),
            PYTHONPATH=os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])),
        )

    @property
    def emulator_dir(self) -> Path:
        return self.root / "data" / "qsession"

    def start(self) -> float:
        """Spawn the server; return the seconds until ``GET /api/status`` answered."""
        command = [
            sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
            f"--port={self.port}", "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={self.root}", *([] if self.extension else [DISABLED]),
            *self.options,
        ]  # fmt: skip
        with open(self.root / "server.log", "ab") as log:
            self.spawned = time.perf_counter()
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        return self.wait_for(lambda: self.get("/api/status").status_code == 200)

    def wait_for(self, check: Callable[[], bool], timeout: float = 120.0) -> float:
        """Poll ``check`` every 5 ms; return the seconds from the spawn until it held."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(self.log_tail())
            try:
                if check():
                    return time.perf_counter() - self.spawned
            except requests.ConnectionError:
                pass
            time.sleep(0.005)
        raise TimeoutError(self.log_tail())

    def wait_for_emulator(self) -> float:
        """Seconds from the spawn until the extension answers with its emulator running."""

        def ready() -> bool:
            reply = self.get("/qsession/api/info")
            if reply.status_code == 200 and reply.json()["warnings"]:
                raise RuntimeError(reply.json()["warnings"])
            return reply.status_code == 200

        return self.wait_for(ready)

    def log_tail(self) -> str:
        return (self.root / "server.log").read_text(errors="replace")[-3000:]

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.url + path, timeout=30)

    def emulator_pid(self) -> int:
        return json.loads((self.emulator_dir / "emulator.json").read_text())["pid"]

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Stop the server as Ctrl-C would; the last lab to stop stops the emulator."""
        if self.process is None or self.process.poll() is not None:
            return
        info = self.emulator_dir / "emulator.json"
        pid = self.emulator_pid() if info.exists() else None
        self.process.terminate()
        self.process.wait(timeout=60)
        deadline = time.monotonic() + 15
        while pid is not None and info.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid is not None and info.exists():
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------- start-up and RSS
def startup(runs: int) -> None:
    spawn_to_status: dict[bool, list[float]] = {True: [], False: []}
    server_rss: dict[bool, list[float]] = {True: [], False: []}
    emulator_rss: list[float] = []
    emulator_ready: list[float] = []
    plan = [(True, False), (False, True)]
    for index in range(runs + 1):  # the first pair is untimed: it warms the disk cache
        for extension in plan[index % 2]:
            with tempfile.TemporaryDirectory() as tmp:
                lab = LabServer(Path(tmp), extension=extension)
                try:
                    seconds = lab.start()
                    if extension:
                        ready = lab.wait_for_emulator()
                    time.sleep(SETTLE)
                    if index == 0:
                        continue
                    spawn_to_status[extension].append(seconds)
                    server_rss[extension].append(rss_mb(lab.process.pid))
                    if extension:
                        emulator_ready.append(ready)
                        emulator_rss.append(rss_mb(lab.emulator_pid()))
                finally:
                    lab.stop()
    median = statistics.median
    base, ext = median(spawn_to_status[False]), median(spawn_to_status[True])
    print(f"Lab start-up: spawn -> GET /api/status answers, median of {runs} alternating runs")
    print(
        f"  without the extension (baseline):   {base:6.2f} s"
        f"   (runs {', '.join(f'{s:.2f}' for s in spawn_to_status[False])})"
    )
    print(
        f"  with the extension:                 {ext:6.2f} s   ratio {ext / base:.2f}"
        f"   (goal <= 1.1; runs {', '.join(f'{s:.2f}' for s in spawn_to_status[True])})"
    )
    print(
        f"  with: until the emulator answers:   {median(emulator_ready):6.2f} s"
        "   (GET /qsession/api/info; after start-up, not part of it)"
    )
    base, ext = median(server_rss[False]), median(server_rss[True])
    print(f"Server process RSS (VmRSS) {SETTLE:.0f} s after start-up settled, median of {runs}")
    print(f"  without the extension (baseline):   {base:6.1f} MB")
    print(
        f"  with the extension:                 {ext:6.1f} MB   ratio {ext / base:.2f}"
        "   (goal <= 1.3)"
    )
    print(f"  the emulator process, idle:         {median(emulator_rss):6.1f} MB"
          "   (its own process; simulation workers start with the first job)")  # fmt: skip
    print(f"  ({load()})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="start-ups of each kind")
    args = parser.parse_args()
    print(f"({load()} at the start)")
    startup(args.runs)
