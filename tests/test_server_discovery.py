"""Every open session of the account, not only this server's kernels' (issue 13): sessions a
script, another server or a colleague opened with the account's key are listed as found
elsewhere, can be closed from the lab by those the authorizer lets act on the account, are
never touched by kernel policies, and become a kernel's when that kernel registers them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from qiskit_ibm_runtime import Session

from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from lab import QUEUE_WAIT

# A plain client in its own process, as a script beside the lab would be: it opens a session
# with the account's key, prints its id and exits (the session stays open on the service).
SCRIPT = """
from jupyter_qsession.emulator import runtime_service
from qiskit_ibm_runtime import Session
session = Session(backend=runtime_service().backend("fake_manila"))
print(session.session_id)
"""


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    return jp_asyncio_loop.run_until_complete(lab.start_kernel())


async def receive(socket) -> dict:
    return json.loads(await socket.read_message())


async def until_session(socket, session_id: str) -> dict:
    """The next event about ``session_id`` (other sessions' events are skipped)."""
    while True:
        event = await receive(socket)
        if event["type"] == "session" and event["session"]["id"] == session_id:
            return event["session"]


def run_script(lab) -> str:
    env = dict(
        os.environ, **{EMULATOR_URL_ENV: lab.emulator.url, EMULATOR_TOKEN_ENV: lab.emulator.api_key}
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_a_session_a_separate_python_process_opens_is_listed_as_found_elsewhere(lab):
    socket = await lab.socket()
    assert (await receive(socket))["sessions"] == []

    session_id = await asyncio.to_thread(run_script, lab)
    pushed = await until_session(socket, session_id)

    assert (pushed["origin"], pushed["kernel_id"], pushed["lab_pid"]) == ("elsewhere", None, None)
    assert pushed["owner"] == "alice"  # the account's user on this lab (default_owner)
    _, listed = await lab.api("sessions?origin=elsewhere")
    assert [s["id"] for s in listed["sessions"]] == [session_id]
    _, kernels = await lab.api("sessions?origin=kernel")
    assert kernels["sessions"] == []
    socket.close()


async def test_only_the_accounts_sessions_are_adopted_not_other_users_on_the_emulator(lab):
    other_key = (await lab.service_call("POST", "/api/v1/qsession/users/mallory/key", {}))[
        "api_key"
    ]

    def open_as_mallory() -> str:
        service = runtime_service(lab.emulator.url, other_key)
        return Session(backend=service.backend("fake_manila")).session_id

    theirs = await asyncio.to_thread(open_as_mallory)
    ours = await lab.open_session()
    await lab.sync()
    await lab.manager.discover()
    _, listed = await lab.api("sessions", user="admin")
    assert [s["id"] for s in listed["sessions"]] == [ours.session_id]
    assert theirs not in lab.manager.sessions


async def test_a_session_found_elsewhere_can_be_closed_from_the_lab(lab):
    session = await lab.open_session()
    await lab.sync()
    status, closed = await lab.api(f"sessions/{session.session_id}/close", "POST")
    assert status == 200
    assert (closed["origin"], closed["state"]) == ("elsewhere", "closed")
    # The service agrees: the script's own client sees its session closed.
    details = await asyncio.to_thread(session.details)
    assert (details["state"], details["accepting_jobs"]) == ("closed", False)


async def test_close_idle_closes_only_the_idle_ones_and_skips_one_that_got_a_job(lab):
    quiet, busy_later = await lab.open_session(), await lab.open_session()
    busy = await lab.open_session()
    await lab.submit(busy)
    _, idle = await lab.api("sessions?idle=true")
    assert {s["id"] for s in idle["sessions"]} == {quiet.session_id, busy_later.session_id}

    # What a confirmation listed; a job arrives before the user clicks.
    await lab.submit(busy_later)
    asked = [quiet.session_id, busy_later.session_id, "no-such-session"]
    status, result = await lab.api("sessions/close-idle", "POST", {"session_ids": asked})

    assert status == 200
    assert [s["id"] for s in result["closed"]] == [quiet.session_id]
    skipped = {s["id"]: s["reason"] for s in result["skipped"]}
    assert set(skipped) == {busy_later.session_id, "no-such-session"}
    assert "job" in skipped[busy_later.session_id]
    for session in (busy, busy_later):
        _, body = await lab.api(f"sessions/{session.session_id}")
        assert body["accepting_jobs"] is True


async def test_close_idle_without_a_list_closes_every_idle_session_of_the_caller(lab, kernel):
    found, registered = await lab.open_session(), await lab.open_session()
    await lab.register(kernel, registered.session_id)
    status, result = await lab.api("sessions/close-idle", "POST", {})
    assert status == 200 and result["skipped"] == []
    assert {s["id"] for s in result["closed"]} == {found.session_id, registered.session_id}


async def test_close_idle_never_tells_whether_someone_elses_session_exists(lab):
    alices = await lab.open_session()
    await lab.sync()
    _, result = await lab.api(
        "sessions/close-idle", "POST", {"session_ids": [alices.session_id]}, user="bob"
    )
    _, unknown = await lab.api("sessions/close-idle", "POST", {"session_ids": ["x"]}, user="bob")
    assert result["closed"] == [] and unknown["closed"] == []
    reason = result["skipped"][0]["reason"]
    assert reason == unknown["skipped"][0]["reason"].replace("'x'", repr(alices.session_id))
    _, body = await lab.api(f"sessions/{alices.session_id}")
    assert body["accepting_jobs"] is True


async def test_a_malformed_close_idle_body_is_a_400_that_says_what_was_expected(lab):
    for body in ("[1, 2]", '{"session_ids": "abc"}', '{"ids": []}', "not json"):
        status, reply = await lab.api("sessions/close-idle", "POST", body)
        assert status == 400, body
        assert "session_ids" in reply["message"]


async def test_origin_and_idle_filters_refuse_unknown_words(lab):
    for query in ("sessions?origin=mine", "sessions?idle=yes"):
        status, reply = await lab.api(query)
        assert status == 400 and reply["message"]


async def test_without_read_on_the_account_sessions_found_elsewhere_are_unknown(lab, kernel):
    found, registered = await lab.open_session(), await lab.open_session()
    await lab.register(kernel, registered.session_id)
    socket = await lab.socket("ops")  # may act on every kernel's session, not on the account
    snapshot = await receive(socket)
    assert [s["id"] for s in snapshot["sessions"]] == [registered.session_id]

    _, listed = await lab.api("sessions", user="ops")
    assert [s["id"] for s in listed["sessions"]] == [registered.session_id]
    missing = await lab.raw(f"sessions/{found.session_id}", user="ops")
    unknown = await lab.raw("sessions/no-such-session", user="ops")
    assert missing[0] == unknown[0] == 404
    assert missing[1] == unknown[1].replace(b"no-such-session", found.session_id.encode())
    status, _ = await lab.api(f"sessions/{found.session_id}/close", "POST", user="ops")
    assert status == 404
    _, info = await lab.api("info", user="ops")
    assert (info["can_see_account"], info["can_act_on_account"]) == (False, False)

    # Its changes are not pushed to them either; the kernel's session's are.
    await lab.submit(found)
    await lab.submit(registered)
    assert (await receive(socket))["session"]["id"] == registered.session_id
    socket.close()


async def test_without_write_on_the_account_sessions_found_elsewhere_are_read_only(lab):
    found = await lab.open_session()
    await lab.sync()
    _, listed = await lab.api("sessions?origin=elsewhere", user="auditor")
    assert [s["id"] for s in listed["sessions"]] == [found.session_id]
    status, reply = await lab.api(f"sessions/{found.session_id}/cancel", "POST", user="auditor")
    assert status == 403 and "may not change it" in reply["message"]
    _, info = await lab.api("info", user="auditor")
    assert (info["can_see_account"], info["can_act_on_account"]) == (True, False)
    _, info = await lab.api("info")
    assert (info["can_see_account"], info["can_act_on_account"]) == (True, True)


async def test_kernel_policies_leave_sessions_found_elsewhere_alone(lab, kernel):
    found, registered = await lab.open_session(), await lab.open_session()
    await lab.register(kernel, registered.session_id)
    await lab.app.lifecycle.kernel_restarted(kernel)
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel, now=True)
    await lab.sync()
    _, ended = await lab.api(f"sessions/{registered.session_id}")
    _, left = await lab.api(f"sessions/{found.session_id}")
    assert (ended["state"], ended["ended_reason"]) == ("closed", "kernel_restart")
    assert (left["state"], left["accepting_jobs"], left["origin"]) == ("open", True, "elsewhere")


async def test_a_kernel_registering_a_session_found_elsewhere_makes_it_its_own(lab, kernel):
    session = await lab.open_session()
    await lab.sync()
    _, found = await lab.api(f"sessions/{session.session_id}")
    status, adopted = await lab.register(kernel, session.session_id)
    assert status == 200
    assert (adopted["origin"], adopted["kernel_id"]) == ("kernel", kernel)
    assert adopted["lab_pid"] == os.getpid()  # this test's process runs the lab server
    assert adopted["registered_at"] == found["registered_at"]  # when it was first seen
    # From now on the kernel's policies apply to it.
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel, now=True)
    await lab.sync()
    _, ended = await lab.api(f"sessions/{session.session_id}")
    assert ended["ended_reason"] == "kernel_shutdown"


async def test_a_session_found_elsewhere_follows_the_service_like_a_kernels(lab):
    session = await lab.open_session()
    job = await lab.submit(session)
    await lab.advance(QUEUE_WAIT)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert body["origin"] == "elsewhere"
    assert [(j["id"], j["status"]) for j in body["jobs"]] == [(job, "RUNNING")]


async def test_a_closed_session_of_the_accounts_history_is_not_imported(lab):
    session = await lab.open_session()
    await asyncio.to_thread(session.cancel)
    await lab.sync()
    lab.manager.provider.held.clear()  # as if this lab never saw it
    del lab.manager.sessions[session.session_id]
    await lab.manager.discover()
    assert session.session_id not in lab.manager.sessions
