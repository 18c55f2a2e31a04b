"""Nothing the emulator acknowledged is lost, and nothing it did not acknowledge is kept twice:
a change is committed before it is answered. Real emulator processes killed by their
failpoints (emulator/failpoints.py) between commit and answer, and right after the answer."""

from __future__ import annotations

import pytest
import requests
from emulator_process import EmulatorProcess, job_body, post
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from conftest import EPS, JOB, QUEUE_WAIT
from jupyter_qsession.emulator import runtime_service

SIGKILL = -9


@pytest.fixture
def emulator(tmp_path):
    process = EmulatorProcess(tmp_path / "state.sqlite")
    yield process
    process.kill()


@pytest.mark.parametrize("mode", ["dedicated", "batch"])
def test_a_session_or_batch_acknowledged_is_there_after_a_kill_right_after_the_answer(
    emulator, mode
):
    emulator.start(failpoint="after-response:/sessions")
    answer = post(emulator.rest(), "/sessions", {"backend": "fake_manila", "mode": mode})
    assert answer.status_code == 200
    assert emulator.died() == SIGKILL
    emulator.start()
    again = emulator.rest()("GET", f"/sessions/{answer.json()['id']}")
    assert again.status_code == 200
    assert (again.json()["mode"], again.json()["state"]) == (mode, "open")


def test_a_job_acknowledged_runs_after_a_kill_right_after_the_answer(emulator, bell):
    emulator.start()
    batch = post(emulator.rest(), "/sessions", {"backend": "fake_manila", "mode": "batch"})
    emulator.kill()
    emulator.start(failpoint="after-response:/jobs")
    answer = post(emulator.rest(), "/jobs", job_body(bell, batch.json()["id"]))
    assert answer.status_code == 200
    job_id = answer.json()["id"]
    assert emulator.died() == SIGKILL

    emulator.start()
    emulator.advance(QUEUE_WAIT + JOB + EPS)
    job = runtime_service(emulator.url, "operator-key").job(job_id)
    assert job.status() == "DONE"
    assert sum(job.result()[0].data.meas.get_counts().values()) == 10


def test_a_job_committed_but_never_answered_is_there_once_and_the_client_got_no_id(emulator, bell):
    emulator.start(failpoint="after-commit:/jobs")
    rest = emulator.rest()
    with pytest.raises(requests.ConnectionError):
        post(rest, "/jobs", job_body(bell))
    assert emulator.died() == SIGKILL

    emulator.start()
    jobs = emulator.rest()("GET", "/jobs").json()
    assert jobs["count"] == 1
    assert jobs["jobs"][0]["status"] == "Queued"


def test_a_job_submitted_by_the_client_before_a_kill_is_there_after_it(emulator, bell):
    """The unmodified client: every job id it was handed survives the emulator's kill -9."""
    emulator.start()
    service = runtime_service(emulator.url, "operator-key")
    sampler = SamplerV2(mode=service.backend("fake_manila"))
    ids = [sampler.run([bell], shots=10).job_id() for _ in range(3)]
    emulator.kill()
    emulator.start()
    listed = emulator.rest()("GET", "/jobs").json()
    assert sorted(job["id"] for job in listed["jobs"]) == sorted(ids)


def test_the_client_whose_submit_was_committed_but_never_answered_gets_no_id_and_one_job_runs(
    emulator, bell
):
    """The unmodified client does not send a POST again after a dropped answer (it retries a
    POST only on a 5xx), so a job committed before the kill is never made twice."""
    emulator.start()
    service = runtime_service(emulator.url, "operator-key")
    sampler = SamplerV2(mode=service.backend("fake_manila"))
    emulator.kill()
    emulator.start(failpoint="after-commit:/jobs")
    with pytest.raises(IBMRuntimeError, match="Remote end closed connection"):
        sampler.run([bell], shots=10)
    assert emulator.died() == SIGKILL

    emulator.start()
    (job,) = service.jobs()
    emulator.advance(QUEUE_WAIT + JOB + EPS)
    assert job.status() == "DONE"
