"""Program ``executor``: the client's ``Executor`` and its client-side ``Sampler`` and
``Estimator``, unmodified, in job, session and batch mode on the emulator."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch, Executor, QuantumProgram, Session
from qiskit_ibm_runtime.exceptions import IBMRuntimeError
from qiskit_ibm_runtime.executor_estimator import Estimator
from qiskit_ibm_runtime.executor_sampler import Sampler
from qiskit_ibm_runtime.results import QuantumProgramResult

from conftest import EPS, INTERACTIVE_TTL, MANILA_REP_DELAY, OVERHEAD, QUEUE_WAIT, qpu_time
from timeline import ran


def test_sampler_job_gets_noisy_counts_through_the_executor_program(emu, backend, bell):
    job = Sampler(mode=backend).run([bell], shots=4000)
    assert job.primitive_id == "executor"
    emu.advance(QUEUE_WAIT + qpu_time(4000) + EPS)
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 4000
    assert counts["00"] + counts["11"] > 3000  # a Bell state ...
    assert counts.get("01", 0) + counts.get("10", 0) > 0  # ... on a noisy device


def test_estimator_in_a_session_returns_a_0d_expectation_value(emu, backend, zz_pub):
    with Session(backend=backend) as session:
        job = Estimator().run([zz_pub])
    assert job.session_id == session.session_id
    emu.advance(QUEUE_WAIT + 600 + EPS)
    data = job.result()[0].data
    assert np.ndim(data.evs) == 0 and np.ndim(data.stds) == 0
    # <ZZ> of a Bell state, less the device's noise; readout mitigation may overshoot 1 by
    # its own statistical error (seen: 1.0009, 1.0055)
    assert 0.7 < float(data.evs) < 1.0 + 5 * float(data.stds) + 0.01


def test_executor_runs_a_quantum_program_in_a_batch(emu, backend, bell):
    program = QuantumProgram(shots=50)
    program.append_circuit_item(bell)
    with Batch(backend=backend) as batch:
        job = Executor().run(program)
    assert job.session_id == batch.session_id
    emu.advance(QUEUE_WAIT + qpu_time(50) + EPS)
    result = job.result()
    assert isinstance(result, QuantumProgramResult)
    assert result[0]["meas"].shape == (50, 2)  # one row of bits per shot
    (span,) = result.timing
    _, running, finished = ran(job)
    assert span.start.timestamp() == pytest.approx(running)
    assert span.stop.timestamp() == pytest.approx(finished)


def test_session_priority_applies_to_executor_jobs(emu, backend, bell):
    """Only the first job of an active session queues (IBM's execution-modes guide)."""
    with Session(backend=backend):
        first = Sampler().run([bell], shots=10)
        emu.advance(QUEUE_WAIT + qpu_time(10) + EPS)
        second = Sampler().run([bell], shots=10)
        emu.advance(qpu_time(10) + EPS)
    created, running, _ = ran(second)
    assert running == pytest.approx(created)
    assert first.status() == second.status() == "DONE"
    assert INTERACTIVE_TTL > qpu_time(10)


def test_a_sweep_multiplies_the_qpu_time(emu, backend):
    theta = Parameter("θ")
    qc = QuantumCircuit(1)
    qc.rx(theta, 0)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    values = np.linspace(0, np.pi, 8).reshape(8, 1)
    job = Sampler(mode=backend).run([(isa, values)], shots=100)
    emu.advance(QUEUE_WAIT + qpu_time(100, circuits=8) + EPS)
    assert job.usage() == pytest.approx(qpu_time(100, circuits=8))
    counts = job.result()[0].data.meas
    assert counts.shape == (8,)
    first, last = counts[0].get_counts(), counts[7].get_counts()
    assert first.get("0", 0) > 80 and last.get("1", 0) > 80  # rx(0)|0> = |0>, rx(π)|0> = |1>


def test_twirled_sampler_runs_every_randomization(emu, backend, bell):
    sampler = Sampler(mode=backend)
    sampler.options.twirling.enable_gates = True
    sampler.options.twirling.num_randomizations = 4
    sampler.options.twirling.shots_per_randomization = 25
    job = sampler.run([bell], shots=100)
    emu.advance(QUEUE_WAIT + qpu_time(25, circuits=4) + EPS)
    assert job.usage() == pytest.approx(qpu_time(25, circuits=4))
    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == 100


def test_rep_delay_sets_the_time_per_shot(emu, backend, bell):
    sampler = Sampler(mode=backend)
    sampler.options.execution.rep_delay = 500e-6
    job = sampler.run([bell], shots=1000)
    emu.advance(QUEUE_WAIT + OVERHEAD + 1000 * 500e-6 + EPS)
    assert job.usage() == pytest.approx(OVERHEAD + 1000 * 500e-6)
    assert 500e-6 != MANILA_REP_DELAY


@pytest.mark.parametrize(
    ("option", "value"),
    [("scheduler_timing", True), ("stretch_values", True), ("init_qubits", False)],
)
def test_an_option_the_simulation_cannot_honour_is_refused_by_name(backend, bell, option, value):
    sampler = Sampler(mode=backend)
    setattr(sampler.options.execution, option, value)
    with pytest.raises(IBMRuntimeError, match=option):
        sampler.run([bell], shots=10)


def test_shots_beyond_the_backends_max_shots_are_refused(backend, bell):
    with pytest.raises(IBMRuntimeError, match="max_shots of 100000"):
        Sampler(mode=backend).run([bell], shots=100_001)


def test_circuits_beyond_the_backends_max_experiments_are_refused(backend, bell):
    with pytest.raises(IBMRuntimeError, match="max_experiments of 300"):
        Sampler(mode=backend).run([bell] * 301, shots=10)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"schema_version": "v9.9"}, "schema_version 'v9.9'"),
        ({"schema_version": "v2.0", "quantum_program": {}}, "Invalid executor params"),
        ([1, 2], "must be an object"),
    ],
)
def test_malformed_executor_params_are_a_400(rest, params, message):
    reply = rest(
        "POST", "/jobs", json={"program_id": "executor", "backend": "fake_manila", "params": params}
    )
    assert reply.status_code == 400
    assert message in reply.json()["message"]


def test_estimator_mitigation_runs_client_side_on_the_emulators_samples(emu, backend, zz_pub):
    """TREX and gate twirling are the client's post-processing of executor samples."""
    estimator = Estimator(mode=backend)
    estimator.options.resilience.measure_mitigation = True
    estimator.options.twirling.enable_gates = True
    job = estimator.run([zz_pub])
    emu.advance(QUEUE_WAIT + 3600)
    assert job.status() == "DONE"
    assert 0.8 < float(job.result()[0].data.evs) <= 1.1
