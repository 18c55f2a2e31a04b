"""The chaos soak, short (issue 18): a few hundred jobs from client processes through the
unmodified client while the emulator is killed with SIGKILL once from outside and once by itself
between committing a job and answering it, a simulation worker is killed once, and the
emulator's state refuses writes for a while (skipped, saying why, where a tmpfs cannot be mounted).
The same code as ``bench/soak.py`` (tests/soak_chaos.py); the bench runs thousands of jobs.
"""

from __future__ import annotations

import json

from emulator_process import KEY, EmulatorProcess, job_body, post
from qiskit import QuantumCircuit
from soak_audit import Findings, audit
from soak_chaos import Plan, run_soak

from jupyter_qsession.vocabulary import JobStatus


def test_through_kills_and_an_unwritable_state_no_acknowledged_job_is_lost_stuck_or_duplicated_and_no_client_meets_a_5xx_or_a_401(  # noqa: E501
    tmp_path,
):
    plan = Plan(
        clients=3, jobs=240, emulator_kills=1, worker_kills=1, unwritable=2.0,
        job_deadline=60.0, settle=20.0,
    )  # fmt: skip
    findings = run_soak(plan, tmp_path)
    told = "\n".join(findings.report() + findings.events)
    assert findings.problems() == [], told
    # The chaos happened: the emulator answered again after each kill, a worker was found and
    # killed, and the state refused writes (the clients met the documented 503) unless skipped.
    assert sum("answered again" in event for event in findings.events) == 2, told
    assert any(event.startswith("worker ") for event in findings.events), told
    assert plan.unwritable == 0 or findings.wire["503"] > 0, told
    assert findings.statuses[JobStatus.DONE] > plan.jobs // 2, told


def test_the_soak_counts_an_unknown_id_as_lost_a_queued_job_as_stuck_and_a_tag_twice_as_duplicated(
    tmp_path,
):
    """The audit can fail: an emulator on a manual clock (its jobs stay queued) holds what a
    soak must report, and a client's findings name a job id the service never had."""
    emulator = EmulatorProcess(tmp_path / "state.sqlite")
    emulator.start()
    try:
        rest = emulator.rest()
        circuit = QuantumCircuit(1)
        circuit.measure_all()

        def submit(tag: str) -> str:
            answer = post(rest, "/jobs", {**job_body(circuit), "tags": [tag]})
            assert answer.status_code == 200, answer.text
            return answer.json()["id"]

        queued = submit("soak-0-0")
        submit("soak-0-1")
        submit("soak-0-1")  # one submission, two jobs
        submit("soak-0-2")  # never acknowledged to the client
        acked = {"soak-0-0": queued, "soak-0-1": "0" * 20, "soak-0-9": "1" * 20}
        seen = {"acked": acked, "refused": {}, "wire": {"401": 1}, "errors": {}}
        (tmp_path / "client-0.json").write_text(json.dumps(seen))
        findings = Findings(plan_jobs=3)
        audit(emulator.url, KEY, tmp_path, Plan(settle=0.1), findings)
    finally:
        emulator.stop()
    assert findings.lost == ["0" * 20, "1" * 20]
    assert findings.stuck == [queued]
    assert findings.duplicated == 1
    assert findings.kept_unacknowledged == 1
    assert len(findings.problems()) == 4, findings.problems()  # lost, stuck, duplicated, 401
