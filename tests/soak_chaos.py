"""The chaos soak (issue 18): client processes (tests/soak_clients.py) drive the durable emulator
process while it is killed with SIGKILL (from outside, and by itself at a failpoint between
committing a job and answering), its simulation workers are killed and its state cannot be
written for a while; then every acknowledged job is looked up on the service.

One implementation for ``bench/soak.py`` (thousands of jobs, figures) and tests/test_soak.py
(a few hundred, the rules asserted). The emulator runs under the lab's own supervisor
(:class:`jupyter_qsession.server.providers.process.EmulatorProcess`: it holds the listening
socket across restarts and restarts a dead emulator on its state), in a loop thread here.
The state directory is a tmpfs when mounting is permitted (we may be root: chmod does not stop
root's writes), so it can be made unwritable; otherwise that phase is skipped, saying why.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from processes import alive, children, name, state, wait_for
from soak_audit import Findings, audit
from soak_clients import client_main

from conftest import Rest
from jupyter_qsession.emulator.failpoints import AFTER_COMMIT
from jupyter_qsession.emulator.failpoints import POINTS as FAILPOINTS
from jupyter_qsession.server.providers.process import EmulatorProcess
from jupyter_qsession.wire import FAILPOINT_ENV

WORKER_NAME = "qsession-sim"


@dataclass
class Plan:
    """What one soak does. ``unwritable``: seconds the state refuses writes (0: no such phase)."""

    clients: int = 4
    jobs: int = 2000
    emulator_kills: int = 3
    worker_kills: int = 2
    # More kills, each by the emulator itself at a failpoint (emulator/failpoints.py) of the
    # next job submitted: "after-commit" is the answer lost after the commit.
    failpoints: tuple[str, ...] = (AFTER_COMMIT,)
    unwritable: float = 10.0
    calm: float = 0.2  # the share of jobs acknowledged before the first chaos (the baseline)
    job_deadline: float = 120.0  # seconds a client waits for one job to end
    settle: float = 60.0  # seconds the soak waits for the service's last jobs to end
    emulator_options: list[str] = field(
        default_factory=lambda: [
            "--queue-wait", "0.05", "--job-overhead", "0.01", "--interactive-timeout", "2",
            "--simulation-workers", "2",
        ]
    )  # fmt: skip

    def events(self) -> list[tuple[float, str]]:
        """The chaos, in order, each at the share of acknowledged jobs that starts it: kills
        of the emulator and of a worker taking turns, the unwritable state in the middle."""
        kinds: list[str] = []
        for n in range(max(self.emulator_kills, self.worker_kills)):
            kinds += ["emulator"] * (n < self.emulator_kills) + ["worker"] * (n < self.worker_kills)
        kinds += list(self.failpoints)
        if self.unwritable:
            kinds.insert((len(kinds) + 1) // 2, "unwritable")
        first, last = self.calm + 0.05, 0.85
        step = (last - first) / max(1, len(kinds) - 1)
        return [(round(first + n * step, 2), kind) for n, kind in enumerate(kinds)]


class SupervisedEmulator:
    """The lab's supervisor of the emulator process, on an event loop of its own."""

    def __init__(self, state_dir: Path, options: list[str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.supervisor = EmulatorProcess(state_dir, options)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(120)

    def start(self) -> str:
        self.thread.start()
        return self._call(self.supervisor.start())

    @property
    def pid(self) -> int:
        return int(json.loads(self.supervisor.info_file.read_text())["pid"])

    @property
    def operator_key(self) -> str:
        return self.supervisor.operator_key

    def stop(self) -> None:
        self._call(self.supervisor.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class StateDisk:
    """The state directory on a tmpfs of its own, which can refuse writes for a while."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        done = _mount("-t", "tmpfs", "-o", "size=128m", "tmpfs", str(folder))
        self.mounted = done.returncode == 0
        self.why_not = "" if self.mounted else f"cannot mount a tmpfs: {done.stderr.strip()}"

    def unwritable(self, seconds: float, refused: Callable[[], bool]) -> str:
        """Make the state refuse writes for ``seconds``; say how. Read-only first; a tmpfs
        refuses that while the emulator holds its file open for writing (EBUSY), so then full.
        A full disk refuses a commit only once SQLite needs a new page (its log reuses the
        pages it has), so the ``seconds`` count from the first change ``refused``."""
        if _mount("-o", "remount,ro", str(self.folder)).returncode == 0:
            time.sleep(seconds)
            _mount("-o", "remount,rw", str(self.folder))
            return "read-only"
        filler = self.folder / "filler"
        try:
            with open(filler, "wb") as handle:
                while True:
                    handle.write(b"\0" * (1 << 20))
                    handle.flush()
        except OSError:
            pass  # the disk is full
        start = time.monotonic()
        try:
            wait_for(refused, 60, 0.05)
            how = f"full, the first change refused after {time.monotonic() - start:.1f} s"
        except AssertionError:
            how = "full, but no change was refused within 60 s"
        time.sleep(seconds)
        filler.unlink()
        return how + " (a tmpfs open for writing cannot be remounted read-only)"

    def release(self) -> None:
        if self.mounted:
            _mount("-o", "remount,rw", str(self.folder))
            subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


def answer_time(url: str) -> float:
    """Seconds until the emulator answers again, from now (connections wait in the socket's
    backlog meanwhile, so one request measures it; any HTTP answer counts)."""
    start = time.monotonic()
    while True:
        try:
            requests.get(f"{url}/api/v1/backends", timeout=120)
            return time.monotonic() - start
        except requests.ConnectionError:  # refused: the supervisor gave up (its log says why)
            if time.monotonic() - start > 120:
                raise
            time.sleep(0.01)


def kill_emulator(emulator: SupervisedEmulator, url: str) -> str:
    pid = emulator.pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid), 30, 0.005)
    seconds = answer_time(url)
    return f"emulator {pid} killed: answered again after {seconds:.2f} s"


def kill_at_failpoint(emulator: SupervisedEmulator, url: str, point: str) -> str:
    """Restart the emulator with ``$QSESSION_EMULATOR_FAILPOINT`` set to ``point:/jobs`` (the
    supervisor passes its environment on), so it kills itself at the next job submitted; the
    one the supervisor starts after that runs without it."""
    pid = emulator.pid
    os.environ[FAILPOINT_ENV] = f"{point}:/jobs"
    try:
        os.kill(pid, signal.SIGKILL)
        armed = wait_for(lambda: _other_pid(emulator, pid), 60, 0.005)
    finally:
        del os.environ[FAILPOINT_ENV]
    wait_for(lambda: not alive(armed), 120, 0.005)
    seconds = answer_time(url)
    return f"emulator {armed} killed itself {point} a job: answered again after {seconds:.2f} s"


def _other_pid(emulator: SupervisedEmulator, pid: int) -> int:
    try:
        return emulator.pid if emulator.pid != pid else 0
    except (OSError, ValueError):  # being written
        return 0


def kill_worker(emulator: SupervisedEmulator) -> str:
    """SIGKILL one simulation worker, one that is simulating if any is within 5 s."""
    deadline = time.monotonic() + 5
    while True:
        workers = [p for p in children(emulator.pid) if name(p) == WORKER_NAME]
        busy = [p for p in workers if state(p) == "R"]
        if busy or (workers and time.monotonic() > deadline):
            victim = (busy or workers)[0]
            os.kill(victim, signal.SIGKILL)
            return f"worker {victim} killed ({'simulating' if busy else 'idle'})"
        if time.monotonic() > deadline + 10:
            return f"no {WORKER_NAME} worker found to kill"
        time.sleep(0.01)


def new_key(url: str, operator_key: str, user: str) -> requests.Response:
    """A change: a new API key for ``user`` (the emulator's operator hands them out)."""
    return Rest(url, operator_key)("POST", f"/qsession/users/{user}/key", json={})


def user_key(url: str, operator_key: str, user: str) -> str:
    answer = new_key(url, operator_key, user)
    assert answer.status_code == 200, answer.text
    return answer.json()["api_key"]


def refuses_changes(url: str, operator_key: str) -> Callable[[], bool]:
    """A probe: whether the emulator refuses a change now with the documented 503."""
    return lambda: new_key(url, operator_key, "soak-probe").status_code == 503


def run_soak(plan: Plan, workdir: Path, say=print) -> Findings:
    """Run ``plan`` with its state under ``workdir``; return what the audit found."""
    disk = StateDisk(workdir / "state")
    emulator = SupervisedEmulator(disk.folder, plan.emulator_options)
    findings = Findings(plan_jobs=plan.jobs)
    if not disk.mounted and plan.unwritable:
        findings.notes.append(f"unwritable phase skipped: {disk.why_not}")
        plan.unwritable = 0
    clients: list = []
    try:
        url = emulator.start()
        _drive(plan, workdir, url, emulator, disk, findings, clients, say)
        audit(url, emulator.operator_key, workdir, plan, findings)
    finally:
        for client in clients:  # still running only if the soak itself failed
            if client.is_alive():
                client.kill()
                client.join()
        emulator.stop()
        disk.release()
    return findings


def _drive(plan, workdir, url, emulator, disk, findings, processes, say) -> None:
    context = multiprocessing.get_context("spawn")
    acks = context.Value("i", 0)
    for n in range(plan.clients):
        share = plan.jobs // plan.clients + (n < plan.jobs % plan.clients)
        key = user_key(url, emulator.operator_key, f"soak-user-{n}")
        out = str(workdir / f"client-{n}.json")
        args = (n, url, key, share, plan.job_deadline, acks, out)
        processes.append(context.Process(target=client_main, args=args, daemon=True))
    for process in processes:
        process.start()
    # Every client has warmed up (or ended: a crash is reported by the audit).
    wait_for(lambda: acks.value >= plan.clients or _all_ended(processes), 300, 0.02)
    calm_start, calm_acks = time.monotonic(), acks.value
    for share, kind in plan.events():
        due = share * plan.jobs
        wait_for(lambda due=due: acks.value >= due or _all_ended(processes), 3600, 0.02)
        if not findings.chaos_started:
            findings.chaos_started = time.monotonic()
            findings.calm_rate = (acks.value - calm_acks) / (findings.chaos_started - calm_start)
            chaos_acks = acks.value
        if kind == "emulator":
            event = kill_emulator(emulator, url)
        elif kind == "worker":
            event = kill_worker(emulator)
        elif kind in FAILPOINTS:
            event = kill_at_failpoint(emulator, url, kind)
        else:
            how = disk.unwritable(plan.unwritable, refuses_changes(url, emulator.operator_key))
            event = f"state unwritable for {plan.unwritable:g} s: {how}"
        findings.events.append(event)
        say(f"  at {acks.value} acknowledged: {event}")
    for process in processes:
        process.join()
    if findings.chaos_started:
        seconds = time.monotonic() - findings.chaos_started
        findings.chaos_rate = (acks.value - chaos_acks) / seconds


def _all_ended(processes: list) -> bool:
    return all(not process.is_alive() for process in processes)
