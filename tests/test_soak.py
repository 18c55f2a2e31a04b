"""The chaos soak, short (issue 18): a few hundred jobs from client processes through the
unmodified client while the emulator is killed with SIGKILL once from outside and once by itself
between committing a job and answering it, a simulation worker is killed once, and the
emulator's state refuses writes for a while (skipped, saying why, where a tmpfs cannot be mounted).
The same code as ``bench/soak.py`` (tests/soak_chaos.py); the bench runs thousands of jobs.
"""

from __future__ import annotations

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
