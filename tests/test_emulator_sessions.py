"""IBM's session rules, each checked through the unmodified client against the emulator."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import Batch, EstimatorV2, SamplerV2, Session
from qiskit_ibm_runtime.exceptions import IBMRuntimeError

from conftest import EPS, INTERACTIVE_TTL, JOB, QUEUE_WAIT, start_emulator
from jupyter_qsession.emulator import runtime_service
from timeline import epoch, queue_wait, ran


def test_job_mode_waits_behind_other_users_work(emu, backend, bell):
    job = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT - 1)
    assert job.status() == "QUEUED"
    emu.advance(1)
    assert job.status() == "RUNNING"
    emu.advance(JOB)
    assert job.status() == "DONE"
    assert queue_wait(job) == pytest.approx(QUEUE_WAIT)


def test_session_starts_when_its_first_job_starts(emu, backend, bell):
    session = Session(backend=backend)
    assert session.details()["state"] == "open"
    assert session.details()["started_at"] is None
    job = SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(QUEUE_WAIT)
    details = session.details()
    assert details["state"] == "active"
    assert epoch(details["started_at"]) == ran(job)[1]
    assert session.status() == "In progress, accepting new jobs"


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_session_later_jobs_skip_the_queue(emu, backend, bell):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    first = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB)
    first.result()
    later = [sampler.run([bell], shots=10) for _ in range(3)]
    emu.advance(3 * JOB + EPS)
    assert queue_wait(first) == pytest.approx(QUEUE_WAIT)
    assert [job.status() for job in later] == ["DONE"] * 3
    assert queue_wait(later[0]) == 0
    # Back to back: each later job starts when the one before it ends.
    assert ran(later[1])[1] == ran(later[0])[2]
    assert ran(later[2])[1] == ran(later[1])[2]


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_jobs_queued_before_the_session_starts_run_with_priority_once_it_does(emu, backend, bell):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    first = sampler.run([bell], shots=10)
    emu.advance(1)
    second = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT - 1)  # first starts now; second would still have 1 s to wait
    emu.advance(JOB)
    assert ran(second)[1] == ran(first)[2]


def test_active_session_holds_the_qpu_against_other_jobs(emu, backend, bell):
    session = Session(backend=backend)
    SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB)
    outsider = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT)
    assert outsider.status() == "QUEUED"  # its queue wait is over but the QPU is reserved
    emu.advance(INTERACTIVE_TTL)
    details = session.details()
    assert details["state"] == "inactive"
    assert ran(outsider)[1] == epoch(details["last_job_completed"]) + INTERACTIVE_TTL


def test_interactive_ttl_makes_session_inactive(emu, backend, bell):
    session = Session(backend=backend)
    SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL - 1)
    assert session.details()["state"] == "active"
    emu.advance(1)
    assert session.details()["state"] == "inactive"
    assert session.status() == "Pending"


def test_activity_resets_the_interactive_ttl(emu, backend, bell):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL - 10)
    sampler.run([bell], shots=10)
    emu.advance(JOB + INTERACTIVE_TTL - 1)
    assert session.details()["state"] == "active"
    emu.advance(1)
    assert session.details()["state"] == "inactive"


def test_inactive_session_job_queues_again(emu, backend, bell):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL)
    assert session.details()["state"] == "inactive"
    job = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB)
    assert queue_wait(job) == pytest.approx(QUEUE_WAIT)
    details = session.details()
    assert details["state"] == "active"
    assert epoch(details["activated_at"]) == ran(job)[1]


def test_max_ttl_counts_from_session_start(emu, backend, bell):
    session = Session(backend=backend, max_time=100)
    SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(QUEUE_WAIT)  # the session starts only now
    started = epoch(session.details()["started_at"])
    emu.advance(100 - 1)
    assert session.details()["state"] != "closed"
    emu.advance(1)
    details = session.details()
    assert details["state"] == "closed"
    assert epoch(details["closed_at"]) == started + 100


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_max_ttl_cancels_queued_jobs_and_lets_the_running_one_finish(emu, backend, bell):
    session = Session(backend=backend, max_time=20)
    sampler = SamplerV2(mode=session)
    long_job = sampler.run([bell], shots=100_000)  # 5 s + 100k shots x 250 us = 30 s of QPU
    queued = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + 20)
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert details["timestamps"][-1]["reason"] == "max TTL reached"
    assert queued.status() == "CANCELLED"
    assert long_job.status() == "RUNNING"
    emu.advance(10 + EPS)
    assert long_job.status() == "DONE"
    assert long_job.result()[0].data.meas.num_shots == 100_000


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_cancel_cancels_queued_jobs_and_closes(emu, backend, bell):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    running = sampler.run([bell], shots=100_000)
    queued = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + 1)
    session.cancel()
    assert queued.status() == "CANCELLED"
    assert running.status() == "RUNNING"
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert details["timestamps"][-1]["reason"] == "cancelled"  # not "closed": it was cancelled
    emu.advance(60)
    assert running.status() == "DONE"


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_close_lets_queued_jobs_finish(emu, backend, bell, rest):
    session = Session(backend=backend)
    sampler = SamplerV2(mode=session)
    jobs = [sampler.run([bell], shots=10) for _ in range(3)]
    session.close()
    details = session.details()
    assert details["accepting_jobs"] is False and details["state"] == "open"
    emu.advance(QUEUE_WAIT + JOB)
    assert session.status() == "In progress, not accepting new jobs"
    emu.advance(2 * JOB + EPS)
    assert [job.status() for job in jobs] == ["DONE"] * 3
    details = session.details()
    assert details["state"] == "closed"
    assert epoch(details["closed_at"]) == ran(jobs[-1])[2]


def test_a_job_to_a_closed_session_is_refused(emu, backend, bell, rest):
    session = Session(backend=backend)
    session.close()
    # The client refuses locally after close(); a second client that kept the id is refused
    # by the service itself.
    other = Session.from_id(session.session_id, runtime_service(emu.url, "test-key"))
    other._active = True
    with pytest.raises(IBMRuntimeError, match="409"):
        SamplerV2(mode=other).run([bell], shots=10)


def test_session_context_manager_closes_on_exit(emu, backend, bell):
    with Session(backend=backend) as session:
        job = SamplerV2().run([bell], shots=10)  # no mode: the session of the context
        emu.advance(QUEUE_WAIT + JOB)
        assert job.session_id == session.session_id
    assert session.details()["accepting_jobs"] is False
    assert session.details()["state"] == "closed"


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_batch_jobs_share_one_queue_wait(emu, backend, bell):
    batch = Batch(backend=backend)
    sampler = SamplerV2(mode=batch)
    jobs = [sampler.run([bell], shots=10) for _ in range(3)]
    emu.advance(QUEUE_WAIT + 3 * JOB + EPS)
    assert [job.status() for job in jobs] == ["DONE"] * 3
    starts = [ran(job)[1] for job in jobs]
    assert starts[0] - ran(jobs[0])[0] == pytest.approx(QUEUE_WAIT)
    assert starts[1] == ran(jobs[0])[2] and starts[2] == ran(jobs[1])[2]
    assert batch.details()["mode"] == "batch"


# One execution lane: the jobs of this test run one after another (IBM runs up to five at once).
@pytest.mark.emulator(execution_lanes=1)
def test_batch_jobs_submitted_later_join_the_queued_block(emu, backend, bell):
    batch = Batch(backend=backend)
    sampler = SamplerV2(mode=batch)
    first = sampler.run([bell], shots=10)
    emu.advance(10)
    later = sampler.run([bell], shots=10)  # its own queue wait would end at 40 s
    emu.advance(QUEUE_WAIT + 2 * JOB + EPS)
    assert ran(later)[1] == ran(first)[2]  # it ran right behind the first, at ~35 s


def test_batch_does_not_hold_the_qpu(emu, backend, bell):
    """An active batch reserves nothing: others' jobs run as soon as their queue wait is over
    (https://quantum.cloud.ibm.com/docs/guides/execution-modes#batch-mode)."""
    batch = Batch(backend=backend)
    SamplerV2(mode=batch).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB)
    outsider = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT)
    assert batch.details()["state"] == "active"
    assert outsider.status() in ("RUNNING", "DONE")  # no reservation


def test_open_plan_sessions_fall_back_to_job_mode():
    emu = start_emulator(plan="open")
    try:
        service = runtime_service(emu.url, "test-key")
        backend = service.backend("fake_manila")
        from qiskit import QuantumCircuit
        from qiskit.transpiler import generate_preset_pass_manager

        qc = QuantumCircuit(1)
        qc.measure_all()
        isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
        session = Session(backend=backend)
        sampler = SamplerV2(mode=session)
        sampler.run([isa], shots=10)
        emu.advance(QUEUE_WAIT + JOB)
        later = sampler.run([isa], shots=10)
        emu.advance(QUEUE_WAIT + JOB)
        assert queue_wait(later) == pytest.approx(QUEUE_WAIT)  # no priority on the open plan
    finally:
        emu.stop()


def test_session_from_id_and_jobs_by_session(emu, service, backend, zz_pub):
    session = Session(backend=backend)
    estimator = EstimatorV2(mode=session)
    jobs = [estimator.run([zz_pub]) for _ in range(2)]
    emu.advance(QUEUE_WAIT + 2 * (JOB + 5))
    again = Session.from_id(session.session_id, service)
    assert again.session_id == session.session_id
    listed = {job.job_id() for job in service.jobs(session_id=session.session_id)}
    assert listed == {job.job_id() for job in jobs}
    # Still active: its usage is the wall-clock time since it started, not its jobs' QPU time.
    started = epoch(session.details()["started_at"])
    assert session.usage() == pytest.approx(emu.emulator.clock.now() - started)


# ----------------------------------------------------------------- batches (today's guides)
def test_batch_goes_inactive_after_the_interactive_ttl(emu, backend, bell):
    """ "There is also an interactive time to live (interactive TTL) value that cannot be
    configured (1 minute for all plans). If no batch jobs are queued within that window, the
    batch is temporarily deactivated." (https://quantum.cloud.ibm.com/docs/guides/run-jobs-batch,
    Batch length)"""
    batch = Batch(backend=backend)
    assert batch.details()["interactive_timeout"] == INTERACTIVE_TTL
    SamplerV2(mode=batch).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL - 1)
    assert batch.details()["state"] == "active"
    emu.advance(1)
    details = batch.details()
    assert details["state"] == "inactive" and details["accepting_jobs"] is True
    assert epoch(details["timestamps"][-1]["timestamp"]) == pytest.approx(
        epoch(details["last_job_completed"]) + INTERACTIVE_TTL
    )


def test_inactive_batch_is_reactivated_by_a_job_that_queues_again(emu, backend, bell):
    """A deactivated batch "can be reactivated at any time until it reaches its maximum TTL";
    "the job must go through the normal queue to reactivate the workload"
    (https://quantum.cloud.ibm.com/docs/guides/max-execution-time#batch-max-time,
    https://quantum.cloud.ibm.com/docs/guides/execution-modes)."""
    batch = Batch(backend=backend)
    sampler = SamplerV2(mode=batch)
    sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL)
    assert batch.details()["state"] == "inactive"
    job = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB)
    assert queue_wait(job) == pytest.approx(QUEUE_WAIT)
    details = batch.details()
    assert details["state"] == "active" and epoch(details["activated_at"]) == ran(job)[1]


def test_closed_batch_closes_when_its_last_job_ends(emu, backend, bell):
    """ "When a batch is closed with batch.close(), it no longer accepts new jobs, but the
    already submitted jobs will still run until completion ... After all jobs are completed,
    the batch is immediately closed." (https://quantum.cloud.ibm.com/docs/guides/run-jobs-batch,
    Close a batch)"""
    batch = Batch(backend=backend)
    sampler = SamplerV2(mode=batch)
    jobs = [sampler.run([bell], shots=10 * (i + 1)) for i in range(3)]
    batch.close()
    emu.advance(QUEUE_WAIT + 1)
    assert batch.status() == "In progress, not accepting new jobs"
    emu.advance(JOB)
    assert [job.status() for job in jobs] == ["DONE"] * 3
    details = batch.details()
    assert details["state"] == "closed"
    assert epoch(details["closed_at"]) == max(ran(job)[2] for job in jobs)


@pytest.mark.emulator(execution_lanes=1)  # one lane, so that a job is still queued at max TTL
def test_batch_max_ttl_closes_it_and_fails_its_queued_jobs(emu, backend, bell):
    """ "This timer starts when the batch starts. When the value is reached, the batch is
    closed. Any jobs that are running will finish, but jobs still queued are failed."
    (https://quantum.cloud.ibm.com/docs/guides/run-jobs-batch, Batch length)"""
    batch = Batch(backend=backend, max_time=20)
    sampler = SamplerV2(mode=batch)
    long_job = sampler.run([bell], shots=100_000)  # 30 s of QPU
    queued = sampler.run([bell], shots=10)
    emu.advance(QUEUE_WAIT + 20)
    assert batch.details()["state"] == "closed"
    assert queued.status() == "CANCELLED" and long_job.status() == "RUNNING"
    emu.advance(10 + EPS)
    assert long_job.status() == "DONE"


# ----------------------------------------------------------------- sessions nobody uses
def test_a_session_without_jobs_closes_after_30_minutes(emu, backend):
    """ "If you open a session but do not submit any jobs to it for 30 minutes, the session
    automatically closes." (https://quantum.cloud.ibm.com/docs/guides/run-jobs-session,
    Open a session). 30 minutes is the emulator's default."""
    session = Session(backend=backend)
    emu.advance(30 * 60 - 1)
    assert session.details()["state"] == "open"
    emu.advance(1)
    details = session.details()
    assert details["state"] == "closed" and details["accepting_jobs"] is False
    assert epoch(details["closed_at"]) == epoch(details["timestamps"][0]["timestamp"]) + 30 * 60
    assert details["timestamps"][-1]["reason"] == "no job submitted"


@pytest.mark.emulator(empty_session_timeout=120)
def test_the_unused_session_timeout_is_a_setting(emu, backend, bell):
    """The 30 minutes are ``empty_session_timeout``; a session that got a job stays open."""
    unused, used = Session(backend=backend), Session(backend=backend)
    SamplerV2(mode=used).run([bell], shots=10)
    emu.advance(120)
    assert unused.details()["state"] == "closed"
    assert used.details()["state"] != "closed"
    emu.advance(10 * 60)
    assert used.details()["state"] == "inactive"  # only the interactive TTL applies to it


def test_an_unused_batch_is_not_closed_by_the_session_rule(emu, backend):
    """The 30-minute rule is documented for sessions only; the batch guide has none
    (https://quantum.cloud.ibm.com/docs/guides/run-jobs-batch)."""
    batch = Batch(backend=backend)
    emu.advance(60 * 60)
    assert batch.details()["state"] == "open"
