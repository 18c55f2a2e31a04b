"""Simulations run in worker processes: a job the machine cannot simulate fails alone, with
its reason; wide circuits run on a method that fits them; a cancel stops its simulation."""

from __future__ import annotations

import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.random import random_circuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.executor_sampler import Sampler

from conftest import EPS, QUEUE_WAIT, qpu_time, start_emulator
from jupyter_qsession.emulator import runtime_service


@pytest.fixture
def small_emu():
    """An emulator whose one simulation worker may use 500 MiB for 10 s."""
    emu = start_emulator(simulation_workers=1, simulation_memory_mb=500, simulation_timeout=10)
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


def wide_random(backend, width: int, seed: int = 3, depth: int = 4):
    qc = random_circuit(width, depth=depth, max_operands=2, measure=True, seed=seed)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=7)
    return pm.run(qc)


def test_a_job_too_wide_to_simulate_fails_alone_with_its_reason(small_emu, bell):
    """28 entangled qubits: no statevector fits 500 MiB and their matrix product state takes
    too long, so the worker is stopped at a limit and the job fails, saying which."""
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    wide = Sampler(mode=brisbane).run([wide_random(brisbane, 26, depth=30)], shots=10)
    small = SamplerV2(mode=service.backend("fake_manila")).run([bell], shots=10)
    small_emu.advance(QUEUE_WAIT + 3600)
    assert wide.status() == "ERROR"
    assert "limit of 10 s" in wide.logs() or "limit of 500 MiB" in wide.logs()
    assert small.status() == "DONE"  # the next job on the same worker is unaffected
    assert sum(small.result()[0].data.meas.get_counts().values()) == 10


def test_a_wide_but_lightly_entangled_circuit_runs_as_a_matrix_product_state(small_emu):
    """Four entangled qubits, every one of 127 measured: too wide for a statevector."""
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    qc = QuantumCircuit(127)
    qc.compose(random_circuit(4, depth=3, max_operands=2, seed=1), range(4), inplace=True)
    qc.h(range(4, 127))
    qc.measure_all()
    pm = generate_preset_pass_manager(optimization_level=1, backend=brisbane, seed_transpiler=7)
    job = Sampler(mode=brisbane).run([pm.run(qc)], shots=100)
    small_emu.advance(QUEUE_WAIT + 3600)
    assert job.status() == "DONE", job.logs()
    assert sum(job.result()[0].data.meas.get_counts().values()) == 100


def test_a_wide_clifford_circuit_runs_on_the_stabilizer_method(small_emu):
    service = runtime_service(small_emu.url, small_emu.emulator.api_key)
    brisbane = service.backend("fake_brisbane")
    sampler = SamplerV2(mode=brisbane, options={"simulator": {"seed_simulator": 11}})
    job = sampler.run([ghz(brisbane, 40)], shots=200)
    small_emu.advance(QUEUE_WAIT + 3600)
    assert job.status() == "DONE", job.logs()
    counts = job.result()[0].data.meas.get_counts()
    agreeing = counts.get("0" * 40, 0) + counts.get("1" * 40, 0)
    # A GHZ state under the device's noise: all-equal bits far more often than the 2 in 2^40 of
    # uniformly random ones (about 10% of shots survive 40 qubits' worth of gate errors).
    assert agreeing >= 5


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
