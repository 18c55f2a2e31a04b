"""Usage as IBM counts it, read through the client (``usage()``, ``metrics()``).

"Session usage is measured as the elapsed time while the session remains active ... Batch
usage is measured as the cumulative time the QPU is locked to execute all jobs in the batch"
(https://quantum.cloud.ibm.com/docs/guides/estimate-job-run-time). In session mode usage
"starts when the first session job starts and ends when the session goes inactive, is closed,
or when the last job completes, whichever happens last"
(https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq).
"""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Batch, SamplerV2, Session

from conftest import EPS, INTERACTIVE_TTL, JOB, QUEUE_WAIT, qpu_time
from timeline import epoch, ran


def test_session_usage_is_wall_clock_while_active_idle_time_included(emu, backend, bell):
    session = Session(backend=backend)
    job = SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + 20)  # the job ended 20 s ago; the session is still active
    started = ran(job)[1]
    assert session.usage() == pytest.approx(emu.emulator.clock.now() - started)
    emu.advance(INTERACTIVE_TTL)
    details = session.details()
    assert details["state"] == "inactive"
    inactive_at = epoch(details["timestamps"][-1]["timestamp"])
    assert session.usage() == pytest.approx(inactive_at - started)  # JOB + the interactive TTL
    emu.advance(600)
    assert session.usage() == pytest.approx(inactive_at - started)  # inactive: not counted


def test_session_usage_adds_each_active_window_but_not_the_queueing_between(emu, backend, bell):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    first = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL)
    second = sampler.run([bell], shots=10)  # queues again behind other users' work
    session.close()  # closes as soon as the second job ends
    emu.advance(QUEUE_WAIT + JOB + EPS)
    assert session.details()["state"] == "closed"
    first_window = ran(first)[2] + INTERACTIVE_TTL - ran(first)[1]
    second_window = ran(second)[2] - ran(second)[1]
    assert session.usage() == pytest.approx(first_window + second_window)


def test_session_usage_runs_on_while_a_job_outlives_its_max_ttl(emu, backend, bell):
    """ "Usage continues to accumulate after a session ends if the QPU is still running a
    job" (https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq)."""
    session = Session(backend=backend, max_time=20)
    job = SamplerV2(mode=session).run([bell], shots=100_000)  # 30 s of QPU
    emu.advance(QUEUE_WAIT + 20)
    assert session.details()["state"] == "closed" and job.status() == "RUNNING"
    emu.advance(20)
    assert job.status() == "DONE"
    assert session.usage() == pytest.approx(qpu_time(100_000))  # until the job ended, not 20 s


def test_batch_usage_is_the_qpu_time_of_its_jobs(emu, backend, bell):
    batch = Batch(backend=backend)
    sampler = SamplerV2(mode=batch)
    jobs = [sampler.run([bell], shots=shots) for shots in (10, 1000, 4000)]
    emu.advance(QUEUE_WAIT + qpu_time(4000) + INTERACTIVE_TTL + 600)
    assert batch.details()["state"] == "inactive"
    expected = sum(qpu_time(shots) for shots in (10, 1000, 4000))
    assert batch.usage() == pytest.approx(expected)  # neither idle nor queueing time
    assert sum(job.usage() for job in jobs) == pytest.approx(expected)


def test_job_usage_is_pending_until_the_job_ends(emu, backend, bell):
    """``job.usage()`` reads ``usage.qpu_charge_time_seconds`` of the job's metrics and is 0
    while their ``status`` is ``pending``; ``usage(partial=True)`` is the time used so far."""
    job = SamplerV2(mode=backend).run([bell], shots=40_000)  # 15 s of QPU
    emu.advance(QUEUE_WAIT + 6)
    usage = job.metrics()["usage"]
    assert usage["status"] == "pending" and usage["qpu_charge_time_seconds"] == pytest.approx(6)
    assert job.usage() == 0 and job.usage(partial=True) == pytest.approx(6)
    emu.advance(qpu_time(40_000))
    usage = job.metrics()["usage"]
    assert usage["status"] == "completed"
    assert job.usage() == usage["qpu_charge_time_seconds"] == pytest.approx(qpu_time(40_000))


def test_a_job_cancelled_while_running_is_charged_until_then(emu, backend, bell):
    """ "When a user canceled a job, the reported usage is any consumption that has occurred up
    to that point" (https://quantum.cloud.ibm.com/docs/guides/estimate-job-run-time)."""
    job = SamplerV2(mode=backend).run([bell], shots=40_000)
    emu.advance(QUEUE_WAIT + 4)
    job.cancel()
    emu.advance(60)
    assert job.status() == "CANCELLED"
    assert job.usage() == pytest.approx(4)


def test_instance_usage_counts_sessions_by_wall_clock_and_jobs_by_qpu_time(
    emu, service, backend, bell
):
    session = Session(backend=backend)
    SamplerV2(mode=session).run([bell], shots=10)
    lone = SamplerV2(mode=backend).run([bell], shots=1000)
    emu.advance(QUEUE_WAIT + INTERACTIVE_TTL + 60)
    assert session.details()["state"] == "inactive"
    expected = session.usage() + lone.usage()
    assert session.usage() == pytest.approx(JOB + INTERACTIVE_TTL)
    assert service.usage()["usage_consumed_seconds"] == pytest.approx(expected)


# ----------------------------------------------------------------- the instance's allocation
# ``GET /instances/usage`` reports ``usage_consumed_seconds``, ``usage_limit_reached`` and, for an
# instance with an allocation, ``usage_allocation_seconds`` / ``usage_limit_seconds``, plus the
# ``usage_period`` (https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/instances);
# the client's ``usage()`` adds ``usage_remaining_seconds`` when there is a limit.


def test_instance_without_allocation_reports_no_limit_and_its_period(emu, service, backend, bell):
    before = service.usage()
    assert before["usage_consumed_seconds"] == 0 and before["usage_limit_reached"] is False
    assert "usage_remaining_seconds" not in before and "usage_allocation_seconds" not in before
    SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + EPS)
    after = service.usage()
    assert after["usage_consumed_seconds"] == pytest.approx(JOB)
    assert after["usage_limit_reached"] is False
    # One period, from the emulator's first use on: it does not move as usage grows.
    assert after["usage_period"] == before["usage_period"]
    assert epoch(after["usage_period"]["start_time"]) <= emu.emulator.clock.now()


@pytest.mark.emulator(allocation=2 * JOB - 1)
def test_allocation_gives_remaining_seconds_until_the_limit_is_reached(emu, service, backend, bell):
    """The allocation "set as limit" (https://quantum.cloud.ibm.com/docs/guides/allocation-limits):
    the remaining seconds count down and ``usage_limit_reached`` turns true once used up."""
    fresh = service.usage()
    assert fresh["usage_allocation_seconds"] == fresh["usage_limit_seconds"] == 2 * JOB - 1
    assert fresh["usage_remaining_seconds"] == 2 * JOB - 1
    sampler = SamplerV2(mode=backend)
    sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + EPS)
    one = service.usage()
    assert one["usage_remaining_seconds"] == pytest.approx(JOB - 1)
    assert one["usage_limit_reached"] is False
    sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + EPS)
    two = service.usage()
    assert two["usage_consumed_seconds"] == pytest.approx(2 * JOB)
    assert two["usage_remaining_seconds"] == 0  # the client never reports less than nothing
    assert two["usage_limit_reached"] is True
