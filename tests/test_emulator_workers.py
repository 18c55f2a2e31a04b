"""Simulations run in worker processes: a job the machine cannot simulate fails alone, with
its reason; a wide Clifford circuit runs on a method that fits; a cancel stops its simulation."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.random import random_circuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.executor_sampler import Sampler

from conftest import EPS, QUEUE_WAIT, qpu_time, start_emulator
from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.emulator.simulation import active_qubits


@pytest.fixture
def small_emu():
    """An emulator whose one simulation worker may use 300 MiB."""
    emu = start_emulator(simulation_workers=1, simulation_memory_mb=300)
    yield emu
    emu.stop()


def ghz(backend, width: int):
    qc = QuantumCircuit(width)
    qc.h(0)
    for i in range(width - 1):
        qc.cx(i, i + 1)
    qc.measure_all()
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=7)
    return pm.run(qc)


def wide_random(backend, width: int, seed: int = 3):
    qc = random_circuit(width, depth=4, max_operands=2, measure=True, seed=seed)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=7)
    return pm.run(qc)


def test_a_job_too_wide_to_simulate_fails_alone_with_its_reason(small_emu, bell):
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    wide = Sampler(mode=brisbane).run([wide_random(brisbane, 26)], shots=10)
    small = SamplerV2(mode=service.backend("fake_manila")).run([bell], shots=10)
    small_emu.advance(QUEUE_WAIT + 3600)
    assert wide.status() == "ERROR"
    assert "active qubits needs" in wide.logs() and "300 MiB" in wide.logs()
    assert small.status() == "DONE"  # the next job on the same worker is unaffected
    assert sum(small.result()[0].data.meas.get_counts().values()) == 10


def test_a_wide_clifford_circuit_runs_on_the_stabilizer_method(small_emu):
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    job = SamplerV2(mode=brisbane).run([ghz(brisbane, 40)], shots=200)
    small_emu.advance(QUEUE_WAIT + 3600)
    assert job.status() == "DONE", job.logs()
    counts = job.result()[0].data.meas.get_counts()
    agreeing = counts.get("0" * 40, 0) + counts.get("1" * 40, 0)
    assert agreeing > 20  # a GHZ state under the device's noise: mostly all-equal bits


def test_memory_beyond_the_limit_stops_the_simulation_not_the_emulator(small_emu, bell):
    """24 qubits fit the 300 MiB statevector estimate (256 MiB) but Aer's working memory does
    not: the worker is stopped at the limit and the job fails saying so."""
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    circuit = wide_random(brisbane, 22)
    assert 22 <= active_qubits(circuit) <= 24
    big = SamplerV2(mode=brisbane).run([circuit], shots=100)
    small = SamplerV2(mode=service.backend("fake_manila")).run([bell], shots=10)
    small_emu.advance(QUEUE_WAIT + 3600)
    assert big.status() == "ERROR"
    assert "memory limit of 300 MiB" in big.logs()
    assert small.status() == "DONE"


def test_cancelling_a_running_job_stops_its_simulation(small_emu, bell):
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    runner = small_emu.emulator.runner
    big = SamplerV2(mode=brisbane).run([wide_random(brisbane, 21)], shots=100_000)
    small_emu.call(small_emu.emulator.clock.advance, QUEUE_WAIT + EPS)  # big starts running
    small_emu.call(small_emu.emulator.reschedule)
    assert big.status() == "RUNNING"
    (worker,) = runner.workers._workers
    simulating = worker.process
    big.cancel()
    assert big.status() == "CANCELLED"
    small = SamplerV2(mode=service.backend("fake_manila")).run([bell], shots=10)
    small_emu.advance(QUEUE_WAIT + qpu_time(10) + EPS)  # waits for the worker to be free
    assert small.status() == "DONE"
    assert simulating is not None and not simulating.is_alive()  # killed, replaced
    assert worker.process is not simulating
