"""Execution lanes: how many jobs a backend runs at once, and who may take a free lane.

IBM: "The number of jobs running in parallel is based on the degree of parallelism configured
for the backend, which is five for most backends today"; that degree is "also called
'execution lanes'" (https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq). An active
session has "dedicated and exclusive access to the QPU ... no other users' or QPU jobs can
run" (https://quantum.cloud.ibm.com/docs/guides/execution-modes): it holds every lane.
"""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Batch, SamplerV2, Session

from conftest import EPS, JOB, QUEUE_WAIT, qpu_time
from jupyter_qsession.emulator.settings import QSessionEmulator
from timeline import epoch, queue_wait, ran

LONG = qpu_time(100_000)  # 30 s of QPU


def test_five_jobs_run_at_once_and_a_sixth_waits_for_a_lane(emu, backend, bell):
    """Five lanes by default: the sixth job starts when the first lane frees up."""
    assert QSessionEmulator().execution_lanes == 5
    jobs = [SamplerV2(mode=backend).run([bell], shots=10 * (i + 1)) for i in range(6)]
    emu.advance(QUEUE_WAIT)
    assert [job.status() for job in jobs] == ["RUNNING"] * 5 + ["QUEUED"]
    emu.advance(JOB)
    assert jobs[5].status() == "RUNNING"
    assert ran(jobs[5])[1] == ran(jobs[0])[2]  # the shortest job's lane, as soon as it is free


@pytest.mark.emulator(execution_lanes=2)
def test_the_number_of_lanes_is_a_setting(emu, backend, bell):
    jobs = [SamplerV2(mode=backend).run([bell], shots=10) for _ in range(3)]
    emu.advance(QUEUE_WAIT)
    assert [job.status() for job in jobs] == ["RUNNING", "RUNNING", "QUEUED"]


def test_session_jobs_submitted_together_run_in_parallel(emu, backend, bell):
    """ "Do I get the same parallelism in session mode that I get with batch mode? Yes. If you
    submit multiple jobs simultaneously in a session, these jobs will run in parallel."
    (https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq)"""
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB)
    later = [sampler.run([bell], shots=10) for _ in range(3)]
    emu.advance(EPS)
    assert [job.status() for job in later] == ["RUNNING"] * 3
    assert len({ran(job)[1] for job in later}) == 1  # side by side, not one after another
    assert all(queue_wait(job) == pytest.approx(0) for job in later)


def test_an_active_session_holds_every_lane(emu, backend, bell):
    """While a session is active no one else's job starts, though four lanes stand idle; they
    start when the session turns inactive (its interactive TTL after its last job)."""
    session = Session(backend=backend)
    SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(1)
    others = [SamplerV2(mode=backend).run([bell], shots=10) for _ in range(3)]
    emu.advance(QUEUE_WAIT)  # the session's job started at 30 s; the others could from 31 s
    assert [job.status() for job in others] == ["QUEUED"] * 3
    emu.advance(JOB + 60)
    details = session.details()
    assert details["state"] == "inactive"
    assert [job.status() for job in others] == ["RUNNING"] * 3
    assert {ran(job)[1] for job in others} == {epoch(details["last_job_completed"]) + 60}


def test_jobs_already_running_when_a_session_turns_active_finish(emu, backend, bell):
    """The session reserves the lanes from the moment it is active: an earlier job of another
    user keeps its lane until it ends, but no further job of others starts."""
    first = SamplerV2(mode=backend).run([bell], shots=100_000)
    session = Session(backend=backend)
    mine = SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(1)
    later = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT)
    assert (first.status(), mine.status()) == ("RUNNING", "RUNNING")
    assert session.details()["state"] == "active"
    assert later.status() == "QUEUED"
    emu.advance(LONG)
    assert first.status() == "DONE" and ran(first)[2] - ran(first)[1] == pytest.approx(LONG)
    assert later.status() == "QUEUED"  # the session is still within its interactive TTL


def test_a_batch_fills_the_free_lanes_and_leaves_the_rest_to_the_queue(emu, backend, bell):
    """The FAQ's example: five lanes, two taken by other users' jobs, a batch of six next in
    line. "The scheduler starts three of your six batch jobs. It continues to start jobs in
    your batch as jobs finish and execution lanes become available. If a lane becomes
    available and there are no more jobs in your batch, the scheduler starts the next job in
    line." Once a batch job runs, "all the other jobs in that batch essentially jump to the
    front of the queue" (https://quantum.cloud.ibm.com/docs/guides/execution-modes-faq)."""
    others = [SamplerV2(mode=backend).run([bell], shots=100_000) for _ in range(2)]
    batch = Batch(backend=backend)
    sampler = SamplerV2(mode=batch)
    jobs = [sampler.run([bell], shots=10) for _ in range(6)]
    next_in_line = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT)
    assert [job.status() for job in others] == ["RUNNING"] * 2
    assert [job.status() for job in jobs] == ["RUNNING"] * 3 + ["QUEUED"] * 3
    assert next_in_line.status() == "QUEUED"
    emu.advance(JOB)
    assert [job.status() for job in jobs] == ["DONE"] * 3 + ["RUNNING"] * 3
    assert next_in_line.status() == "QUEUED"  # the batch's jobs went first
    emu.advance(JOB)
    assert [job.status() for job in jobs] == ["DONE"] * 6
    assert ran(next_in_line)[1] == max(ran(job)[2] for job in jobs)
