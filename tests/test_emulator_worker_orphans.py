"""Simulation workers die with their emulator, however it dies: one killed with SIGKILL in the
middle of a long simulation leaves no worker simulating on beside the emulator started in its
place (issue 18)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.random import random_circuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2

from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.emulator.lifeline import PROCESS_NAME

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

BOUND = 30.0  # seconds a wait may take before the test fails (a failure limit, not a timing)


def stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat split after the command name (state, ppid, ...), None once gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def workers_of(parent: int) -> list[int]:
    """The simulation workers ``parent`` started, by their process name."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            fields = stat(int(entry.name))
            if comm == PROCESS_NAME and fields and int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    fields = stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gone(pid: int) -> bool:
    fields = stat(pid)
    return fields is None or fields[0] in ("Z", "X")  # a zombie simulates no more


def wait_for(condition, what: str, bound: float = BOUND):
    deadline = time.monotonic() + bound
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what}: still waiting after {bound:g} s"
        time.sleep(0.05)
    return value


@pytest.fixture
def emulator_process():
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_qsession.cli", "emulator", "--port", "0", "--token", "k",
         "--queue-wait", "0.2", "--job-overhead", "0.05", "--simulation-workers", "1",
         "--simulation-timeout", "3600"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    url = proc.stdout.readline().strip()
    started: list[int] = []
    yield proc, url, started
    proc.kill()
    proc.wait(timeout=20)
    for pid in started:  # a failed test leaves no simulation behind
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


def test_workers_die_with_an_emulator_killed_in_the_middle_of_a_simulation(emulator_process):
    proc, url, started = emulator_process
    brisbane = runtime_service(url, "k").backend("fake_brisbane")
    pm = generate_preset_pass_manager(optimization_level=1, backend=brisbane, seed_transpiler=7)
    warm_up = QuantumCircuit(1)
    warm_up.x(0)
    warm_up.measure_all()
    SamplerV2(mode=brisbane).run([pm.run(warm_up)], shots=10).result()  # the worker is ready
    (worker,) = started[:] = wait_for(lambda: workers_of(proc.pid), "the worker")

    # 16 noisy entangled qubits, 5 000 shots: many minutes of Aer, shot after shot.
    long = SamplerV2(mode=brisbane).run([pm.run(random_circuit(16, 4, 2, measure=True, seed=3))],
                                         shots=5000)  # fmt: skip
    wait_for(lambda: long.status() == "RUNNING", "the job to run")
    busy_from = cpu_seconds(worker)
    wait_for(lambda: cpu_seconds(worker) > busy_from + 1.0, "it to simulate the job")

    proc.kill()
    proc.wait(timeout=20)
    wait_for(lambda: gone(worker), "the worker to die with its emulator")


def test_a_worker_whose_emulator_died_before_it_could_tie_itself_exits_at_once():
    """The kernel only signals a death after the tie is made; one that came first shows as
    a parent pid other than the emulator's."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    worker = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from jupyter_qsession.emulator.lifeline import tie_to_parent\n"
         f"tie_to_parent({dead.pid})\n"
         "time.sleep(600)\n"],
    )  # fmt: skip
    try:
        assert worker.wait(timeout=BOUND) == 0
    finally:
        worker.kill()
