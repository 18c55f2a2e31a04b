"""The emulator's state is durable: a new emulator process on the same state file continues
where the old one stopped — sessions keep their TTLs, queued jobs run, a job that was running
is simulated again."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
from qiskit_ibm_runtime import SamplerV2, Session

from conftest import EPS, JOB, QUEUE_WAIT, Rest, start_emulator
from jupyter_qsession.emulator import ManualClock, runtime_service


def reopen(emu, path):
    """Drop an emulator as a kill would, start another on its state. Its store is closed first
    and nothing is saved after that (a killed process's file lock goes with it, and so does
    what it had not committed); only one emulator may hold a state file at a time."""
    emu.call(emu.emulator.store.close)
    emu.stop()
    clock = ManualClock()
    return start_emulator(state_path=str(path), clock=clock)


def test_a_restarted_emulator_runs_the_queued_jobs_of_its_sessions(tmp_path, bell):
    state = tmp_path / "emulator.sqlite"
    emu = start_emulator(state_path=str(state))
    service = runtime_service(emu.url, "test-key")
    backend = service.backend("fake_manila")
    session = Session(backend=backend)
    jobs = [SamplerV2(mode=session).run([bell], shots=10) for _ in range(3)]
    emu.advance(QUEUE_WAIT + JOB / 2)  # the session is active, its jobs running (lanes)
    assert {j.status() for j in jobs} == {"RUNNING"}
    before = Rest(emu.url, "test-key")("GET", f"/sessions/{session.session_id}").json()

    emu = reopen(emu, state)
    try:
        service = runtime_service(emu.url, "test-key")
        details = Rest(emu.url, "test-key")("GET", f"/sessions/{session.session_id}").json()
        for field in ("created_at", "started_at", "activated_at", "state", "max_ttl"):
            assert details[field] == before[field]
        assert details["state"] == "active"
        emu.advance(3 * JOB + EPS)
        for job in jobs:
            again = service.job(job.job_id())
            assert again.status() == "DONE"
            assert sum(again.result()[0].data.meas.get_counts().values()) == 10
    finally:
        emu.stop()


def test_a_restarted_emulator_keeps_closed_sessions_and_their_reason(tmp_path, bell):
    state = tmp_path / "emulator.sqlite"
    emu = start_emulator(state_path=str(state))
    service = runtime_service(emu.url, "test-key")
    session = Session(backend=service.backend("fake_manila"))
    SamplerV2(mode=session).run([bell], shots=10)
    session.cancel()
    emu = reopen(emu, state)
    try:
        details = Rest(emu.url, "test-key")("GET", f"/sessions/{session.session_id}").json()
        assert details["state"] == "closed"
        assert details["timestamps"][-1]["reason"] == "cancelled"
    finally:
        emu.stop()


def test_users_keys_survive_a_restart(tmp_path):
    state = tmp_path / "emulator.sqlite"
    emu = start_emulator(state_path=str(state))
    key = emu.call(emu.emulator.tokens.key_for, "alice")
    emu = reopen(emu, state)
    try:
        service = runtime_service(emu.url, key)
        assert service.backend("fake_manila").name == "fake_manila"
    finally:
        emu.stop()


@pytest.mark.parametrize("when", ["queued", "done"])
def test_job_results_and_params_survive(tmp_path, bell, when):
    state = tmp_path / "emulator.sqlite"
    emu = start_emulator(state_path=str(state))
    service = runtime_service(emu.url, "test-key")
    job = SamplerV2(mode=service.backend("fake_manila")).run([bell], shots=10)
    if when == "done":
        emu.advance(QUEUE_WAIT + JOB + EPS)
        counts = job.result()[0].data.meas.get_counts()
    emu = reopen(emu, state)
    try:
        again = runtime_service(emu.url, "test-key").job(job.job_id())
        assert len(again.inputs["pubs"]) == 1
        if when == "queued":
            emu.advance(QUEUE_WAIT + JOB + EPS)
        else:
            assert again.result()[0].data.meas.get_counts() == counts
        assert again.status() == "DONE"
    finally:
        emu.stop()


def test_a_restarted_emulator_keeps_why_its_sessions_ended(tmp_path, bell):
    """Also for a session stored before the reason was (its row has only the service's
    text): no migration is needed."""
    state = tmp_path / "emulator.sqlite"
    emu = start_emulator(state_path=str(state))
    service = runtime_service(emu.url, "test-key")
    unused = Session(backend=service.backend("fake_manila"))
    cancelled = Session(backend=service.backend("fake_manila"))
    SamplerV2(mode=cancelled).run([bell], shots=10)
    cancelled.cancel()
    emu.advance(30 * 60 + EPS)
    emu.stop()
    with closing(sqlite3.connect(state)) as db, db:  # the row as an older emulator wrote it
        row = db.execute("SELECT data FROM sessions WHERE id = ?", (unused.session_id,))
        (data,) = row.fetchone()
        fields = json.loads(data)
        del fields["ended_reason"]
        db.execute(
            "UPDATE sessions SET data = ? WHERE id = ?", (json.dumps(fields), unused.session_id)
        )
    emu = start_emulator(state_path=str(state), clock=ManualClock())  # the first one stopped
    try:
        rest = Rest(emu.url, "test-key")
        for session, reason in ((unused, "unused"), (cancelled, "cancelled")):
            view = rest("GET", f"/qsession/sessions/{session.session_id}").json()
            assert (view["state"], view["ended_reason"]) == ("closed", reason)
    finally:
        emu.stop()
