"""Jobs on the emulator: Aer results the client decodes, QPU timing, metrics, backends."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from qiskit.primitives import PrimitiveResult
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2, SamplerV2, fake_provider
from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

from conftest import EPS, JOB, OVERHEAD, QUEUE_WAIT, qpu_time
from timeline import ran


def test_results_are_noisy_aer_results_the_client_decodes(emu, backend, bell):
    job = SamplerV2(mode=backend).run([bell], shots=4000)
    emu.advance(QUEUE_WAIT + qpu_time(4000) + EPS)
    result = job.result()
    assert isinstance(result, PrimitiveResult)
    counts = result[0].data.meas.get_counts()
    assert sum(counts.values()) == 4000
    assert counts["00"] + counts["11"] > 3000  # a Bell state ...
    assert counts.get("01", 0) + counts.get("10", 0) > 0  # ... on a noisy device


def test_estimator_returns_expectation_values(emu, backend, zz_pub):
    job = EstimatorV2(mode=backend).run([zz_pub])
    emu.advance(QUEUE_WAIT + qpu_time(4096) + EPS)
    evs = job.result()[0].data.evs
    assert 0.7 < float(evs) <= 1.0  # <ZZ> of a Bell state is 1, less the device's noise


def test_seeded_jobs_repeat_exactly(emu, backend, bell):
    sampler = SamplerV2(mode=backend, options={"simulator": {"seed_simulator": 42}})
    jobs = [sampler.run([bell], shots=500) for _ in range(2)]
    emu.advance(QUEUE_WAIT + 2 * qpu_time(500) + EPS)
    first, second = (job.result()[0].data.meas.get_counts() for job in jobs)
    assert first == second


def test_more_shots_take_longer(emu, backend, bell):
    small = SamplerV2(mode=backend).run([bell], shots=100)
    large = SamplerV2(mode=backend).run([bell], shots=40_000)
    emu.advance(QUEUE_WAIT + qpu_time(100) + qpu_time(40_000) + EPS)
    assert small.usage() == pytest.approx(qpu_time(100))
    assert large.usage() == pytest.approx(qpu_time(40_000))
    _, start, end = ran(large)
    assert end - start == pytest.approx(OVERHEAD + 10.0)


def test_circuits_multiply_the_qpu_time(emu, backend, bell):
    job = SamplerV2(mode=backend).run([bell, bell, bell], shots=1000)
    emu.advance(QUEUE_WAIT + qpu_time(1000, circuits=3) + EPS)
    assert job.usage() == pytest.approx(qpu_time(1000, circuits=3))
    assert job.metrics()["num_circuits"] == 3


def test_metrics_report_timestamps_and_usage(emu, backend, bell):
    job = SamplerV2(mode=backend).run([bell], shots=10)
    assert job.metrics()["usage"]["quantum_seconds"] == 0
    assert job.metrics()["timestamps"]["running"] is None
    emu.advance(QUEUE_WAIT + JOB + EPS)
    metrics = job.metrics()
    created, running, finished = ran(job)
    assert running - created == pytest.approx(QUEUE_WAIT)
    assert finished - running == pytest.approx(JOB)
    assert metrics["usage"]["quantum_seconds"] == pytest.approx(JOB)
    assert job.usage() == pytest.approx(JOB)


def test_queued_job_can_be_cancelled(emu, backend, bell):
    job = SamplerV2(mode=backend).run([bell], shots=10)
    job.cancel()
    assert job.status() == "CANCELLED"
    emu.advance(QUEUE_WAIT + JOB)
    assert job.status() == "CANCELLED"
    assert job.usage() == 0


def test_queue_position_counts_jobs_ahead(emu, backend, bell, rest):
    jobs = [SamplerV2(mode=backend).run([bell], shots=10) for _ in range(3)]
    positions = [rest("GET", f"/jobs/{job.job_id()}").json()["queue_position"] for job in jobs]
    assert positions == [1, 2, 3]
    assert backend.status().pending_jobs == 3


def test_every_fake_backend_is_served(service):
    served = {b.name for b in service.backends()}
    fakes = {backend.name for backend in fake_provider.FakeProviderForBackendV2().backends()}
    assert len(fakes) > 50
    assert fakes <= served
    assert "fake_manila" in served and "fake_brisbane" in served


def test_transpiling_against_a_served_backend_matches_the_fake(service):
    served = service.backend("fake_brisbane")
    fake = fake_provider.FakeBrisbane()
    assert served.num_qubits == fake.num_qubits == 127
    assert set(served.operation_names) == set(fake.operation_names)
    assert served.target.qubit_properties[0].t1 == pytest.approx(fake.target.qubit_properties[0].t1)
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.cx(1, 2)
    isa = generate_preset_pass_manager(optimization_level=1, backend=served).run(qc)
    assert set(isa.count_ops()) <= set(fake.operation_names)


def test_tags_logs_and_delete(emu, service, backend, bell):
    job = SamplerV2(mode=backend).run([bell], shots=10)
    job.update_tags(["vqe", "iteration-1"])
    assert set(service.job(job.job_id()).tags) == {"vqe", "iteration-1"}
    assert [j.job_id() for j in service.jobs(job_tags=["vqe"])] == [job.job_id()]
    assert "Queued" in job.logs()
    emu.advance(QUEUE_WAIT + JOB + EPS)
    assert "Completed" in job.logs()
    service.delete_job(job.job_id())
    assert service.jobs() == []


def test_least_busy_picks_a_backend_without_a_queue(emu, service, backend, bell):
    SamplerV2(mode=backend).run([bell], shots=10)
    chosen = service.least_busy(min_num_qubits=5)
    assert chosen.name != "fake_manila"
    assert chosen.status().pending_jobs == 0


# ----------------------------------------------------------------- REST rules of today's service
def test_jobs_are_listed_by_creation_time(emu, service, backend, bell, rest):
    """``GET /jobs`` takes ``created_after`` and ``created_before`` (ISO 8601; the client sends
    UTC), both bounds included (https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/jobs;
    the client documents "greater than or equal to" and "less than or equal to")."""
    jobs = []
    for _ in range(3):
        jobs.append(SamplerV2(mode=backend).run([bell], shots=10))
        emu.advance(10)
    created = [datetime.fromtimestamp(ran(job)[0], tz=timezone.utc) for job in jobs]
    middle = service.jobs(created_after=created[1], created_before=created[1])
    assert [job.job_id() for job in middle] == [jobs[1].job_id()]
    later = service.jobs(created_after=created[1] + timedelta(seconds=1))
    assert [job.job_id() for job in later] == [jobs[2].job_id()]
    stamp = created[0].isoformat().replace("+00:00", "Z")
    body = rest("GET", "/jobs", params={"created_before": stamp}).json()
    assert [job["id"] for job in body["jobs"]] == [jobs[0].job_id()] and body["count"] == 1


def test_deleting_a_queued_job_removes_it_from_the_queue(emu, service, backend, bell):
    """``DELETE /jobs/{id}`` deletes a job that has not finished: qiskit-ibm-runtime's
    integration tests, run against the service, delete a queued job and expect it gone
    (``test_delete_job_queued``; https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/jobs)."""
    first, second = (SamplerV2(mode=backend).run([bell], shots=10) for _ in range(2))
    service.delete_job(first.job_id())
    with pytest.raises(RuntimeJobNotFound):
        service.job(first.job_id())
    assert backend.status().pending_jobs == 1
    assert [job.job_id() for job in service.jobs()] == [second.job_id()]
    emu.advance(QUEUE_WAIT + JOB + EPS)
    assert second.status() == "DONE"


@pytest.mark.emulator(execution_lanes=1)
def test_deleting_a_running_job_frees_its_lane(emu, service, backend, bell):
    running = SamplerV2(mode=backend).run([bell], shots=100_000)
    waiting = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + 1)
    assert (running.status(), waiting.status()) == ("RUNNING", "QUEUED")
    service.delete_job(running.job_id())
    emu.advance(EPS)
    assert waiting.status() == "RUNNING"


def test_a_private_job_hides_its_params_and_its_results_are_read_once(
    emu, service, backend, bell, rest
):
    """``options.environment.private`` makes the client send ``"private": true``: "input
    parameters are not returned, and the results can only be read once". As in the client's
    integration test ``test_private_option``, the second read returns nothing (no error)."""
    sampler = SamplerV2(mode=backend)
    sampler.options.environment.private = True
    job = sampler.run([bell], shots=10)
    assert not job.inputs
    raw = rest("GET", f"/jobs/{job.job_id()}").json()
    assert raw["private"] is True and "params" not in raw
    emu.advance(QUEUE_WAIT + JOB + EPS)
    assert job.result()[0].data.meas.num_shots == 10
    assert not job.result()
    assert service.job(job.job_id()).private
    public = SamplerV2(mode=backend).run([bell], shots=10)
    assert "private" not in rest("GET", f"/jobs/{public.job_id()}").json()  # only when true


def test_an_estimator_pub_without_a_sweep_returns_0d_arrays(emu, backend, zz_pub):
    """``evs`` and ``stds`` come in the PUB's shape ("stds ... in the same shape as above",
    https://quantum.cloud.ibm.com/docs/guides/estimator-input-output): for a PUB without a
    sweep, 0-d arrays (``np.ndarray(<shape=(), dtype=float64>)``), not floats."""
    job = EstimatorV2(mode=backend).run([zz_pub])
    emu.advance(QUEUE_WAIT + qpu_time(4096) + EPS)
    data = job.result()[0].data
    for name in ("evs", "stds"):
        value = getattr(data, name)
        assert isinstance(value, np.ndarray) and value.shape == (), (name, type(value))
