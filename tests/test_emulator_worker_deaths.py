"""A simulation worker that dies (a crash, the OOM killer, a kill from outside) is the service's
failure, not the user's: its job runs again once on a fresh worker, with the times and usage
the scheduler gave it; a second death fails it, saying so (issue 18)."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest
from qiskit.circuit.random import random_circuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2

from conftest import EPS, OVERHEAD, QUEUE_WAIT, start_emulator
from jupyter_qsession.emulator import runtime_service
from timeline import ran

SHOTS = 400  # a few seconds of noisy simulation of WIDTH qubits: time to kill its worker
WIDTH = 10
BOUND = 120.0  # seconds a wait may take before the test fails (a failure limit, not a timing)


@pytest.fixture
def one_worker():
    """An emulator with one simulation worker, so a job's worker is the one there is."""
    emu = start_emulator(simulation_workers=1, simulation_memory_mb=1024, simulation_timeout=300)
    yield emu
    emu.stop()


@pytest.fixture
def brisbane(one_worker):
    return runtime_service(one_worker.url, one_worker.emulator.api_key).backend("fake_brisbane")


@pytest.fixture
def circuit(brisbane):
    qc = random_circuit(WIDTH, depth=4, max_operands=2, measure=True, seed=3)
    pm = generate_preset_pass_manager(optimization_level=1, backend=brisbane, seed_transpiler=7)
    return pm.run(qc)


def seeded_job(brisbane, circuit):
    sampler = SamplerV2(mode=brisbane, options={"simulator": {"seed_simulator": 5}})
    return sampler.run([circuit], shots=SHOTS)


def start_running(emu, job) -> int:
    """Let ``job`` start on the emulated QPU; the pid of the worker that got it."""
    emu.call(emu.emulator.clock.advance, QUEUE_WAIT + EPS)
    emu.call(emu.emulator.reschedule)
    assert job.status() == "RUNNING"
    return wait_for(lambda: emu.emulator.runner.workers.pid_of(job.job_id()))


def worker_after(emu, job, killed: int) -> int | None:
    """The pid of the worker that took ``job`` on after the one ``killed``, once there is one."""
    pid = emu.emulator.runner.workers.pid_of(job.job_id())
    return None if pid in (None, killed) else pid


def wait_for(value_of, bound: float = BOUND):
    deadline = time.monotonic() + bound
    while not (value := value_of()):
        assert time.monotonic() < deadline, f"still waiting after {bound:g} s"
        time.sleep(0.02)
    return value


def test_a_job_whose_worker_was_killed_runs_again_and_is_counted_once(
    one_worker, brisbane, circuit, caplog
):
    undisturbed = seeded_job(brisbane, circuit)
    one_worker.advance(QUEUE_WAIT + 3600)  # also leaves the worker warm: the next job simulates
    assert undisturbed.status() == "DONE", undisturbed.logs()

    job = seeded_job(brisbane, circuit)
    with caplog.at_level(logging.WARNING, logger="jupyter_qsession.emulator.workers"):
        os.kill(start_running(one_worker, job), signal.SIGKILL)
        one_worker.advance(QUEUE_WAIT + 3600)

    assert job.status() == "DONE", job.logs()
    counts = job.result()[0].join_data().get_counts()
    assert sum(counts.values()) == SHOTS
    assert counts == undisturbed.result()[0].join_data().get_counts()  # same seed, same counts
    qpu = OVERHEAD + SHOTS * one_worker.emulator.catalog.rep_delay("fake_brisbane")
    _, started, finished = ran(job)
    assert finished - started == pytest.approx(qpu)  # the scheduler's times, run once
    assert job.usage() == pytest.approx(qpu)
    assert any(
        job.job_id() in r.getMessage() and "running it again" in r.getMessage()
        for r in caplog.records
    )


def test_a_job_whose_worker_died_twice_fails_saying_so(one_worker, brisbane, circuit):
    job = seeded_job(brisbane, circuit)
    first = start_running(one_worker, job)
    os.kill(first, signal.SIGKILL)
    second = wait_for(lambda: worker_after(one_worker, job, first))
    os.kill(second, signal.SIGKILL)
    one_worker.advance(QUEUE_WAIT + 3600)

    assert job.status() == "ERROR"
    assert "died twice running this job (killed by SIGKILL, then killed by SIGKILL)" in job.logs()
    small = SamplerV2(mode=brisbane).run([circuit], shots=10)
    one_worker.advance(QUEUE_WAIT + 3600)
    assert small.status() == "DONE", small.logs()  # the next job gets a fresh worker
