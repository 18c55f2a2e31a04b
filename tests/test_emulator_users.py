"""API keys belong to users, as on the service: a key sees and acts on its own sessions and
jobs only; someone else's are "not found", exactly as unknown ones; the operator key (the lab
server's) sees all."""

from __future__ import annotations

import pytest
from qiskit_ibm_runtime import SamplerV2, Session

from conftest import Rest
from jupyter_qsession.emulator import runtime_service


@pytest.fixture
def keys(emu):
    return {user: emu.call(emu.emulator.tokens.key_for, user) for user in ("alice", "bob")}


def test_session_details_carry_the_user_id(emu, keys):
    alice = runtime_service(emu.url, keys["alice"])
    session = Session(backend=alice.backend("fake_manila"))
    details = Rest(emu.url, keys["alice"])("GET", f"/sessions/{session.session_id}").json()
    assert details["user_id"] == "alice"


def test_someone_elses_session_and_job_look_unknown(emu, keys, bell):
    alice = runtime_service(emu.url, keys["alice"])
    session = Session(backend=alice.backend("fake_manila"))
    job = SamplerV2(mode=session).run([bell], shots=10)
    bob = Rest(emu.url, keys["bob"])
    for path, unknown in [
        (f"/sessions/{session.session_id}", "/sessions/aaaaaaaaaaaaaaaaaaaa"),
        (f"/jobs/{job.job_id()}", "/jobs/aaaaaaaaaaaaaaaaaaaa"),
    ]:
        theirs, none = bob("GET", path), bob("GET", unknown)
        assert theirs.status_code == none.status_code == 404
        assert theirs.json()["message"].replace(path.split("/")[-1], "ID") == none.json()[
            "message"
        ].replace(unknown.split("/")[-1], "ID")
    for method, path in [
        ("POST", f"/jobs/{job.job_id()}/cancel"),
        ("DELETE", f"/sessions/{session.session_id}/close"),
        ("PATCH", f"/sessions/{session.session_id}"),
        ("DELETE", f"/jobs/{job.job_id()}"),
    ]:
        assert bob(method, path, json={"accepting_jobs": False}).status_code == 404
    assert bob("GET", "/jobs").json()["jobs"] == []
    assert job.status() == "QUEUED"  # nothing bob did reached it


def test_a_job_cannot_join_someone_elses_session(emu, keys, bell):
    alice = runtime_service(emu.url, keys["alice"])
    session = Session(backend=alice.backend("fake_manila"))
    bob = Rest(emu.url, keys["bob"])
    reply = bob("POST", "/jobs", json={
        "program_id": "sampler", "backend": "fake_manila", "session_id": session.session_id,
        "params": {"pubs": []},
    })  # fmt: skip
    assert reply.status_code == 404


def test_the_operator_sees_every_users_jobs(emu, keys, bell, rest):
    alice = runtime_service(emu.url, keys["alice"])
    job = SamplerV2(mode=alice.backend("fake_manila")).run([bell], shots=10)
    listed = [j["id"] for j in rest("GET", "/jobs").json()["jobs"]]
    assert job.job_id() in listed


def test_only_the_operator_hands_out_keys(emu, keys):
    bob = Rest(emu.url, keys["bob"])
    assert bob("POST", "/qsession/users/bob/key").status_code == 403
