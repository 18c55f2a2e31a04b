"""``/qsession/api/events``: a snapshot on connect, then every change in the order it happened,
pushed by the emulator (no polling) to every connected browser."""

from __future__ import annotations

import asyncio
import json

import pytest

from lab import INTERACTIVE_TTL, QUEUE_WAIT


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    return jp_asyncio_loop.run_until_complete(lab.start_kernel())


async def receive(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.read_message(), timeout=10))


def summary(event: dict) -> tuple:
    session = event["session"]
    return session["state"], tuple(job["status"] for job in session["jobs"])


def changed(before: dict, after: dict) -> set[str]:
    """The fields of a session that differ between two of its messages (the server sends the
    session whole; the browser replaces its row)."""
    return {name for name in after if after[name] != before.get(name)}


async def test_a_socket_gets_a_snapshot_then_each_change_in_order(lab, kernel):
    session = await lab.open_session()
    await lab.register(kernel, session.session_id)
    browsers = [await lab.socket(), await lab.socket()]  # many browsers at once
    before = {}
    for browser in browsers:
        snapshot = await receive(browser)
        assert snapshot["type"] == "snapshot"
        assert [s["id"] for s in snapshot["sessions"]] == [session.session_id]
        before[browser] = snapshot["sessions"][0]

    await lab.submit(session)
    await lab.advance(QUEUE_WAIT)  # the job starts: the session turns active
    await lab.advance(60)  # it finishes: the interactive TTL starts counting
    await lab.advance(INTERACTIVE_TTL)  # nothing more comes: the session turns inactive

    # A state change also adds to the session's transitions (the service's own history).
    entered = {"state", "transitions"}
    expected = [
        (("open", ("QUEUED",)), {"jobs"}),
        (("active", ("RUNNING",)), entered | {"activated_at", "started_at", "expires_at", "jobs"}),
        # Session usage is wall-clock time while active, idle time included, read at each push
        # (https://quantum.cloud.ibm.com/docs/guides/estimate-job-run-time).
        (("active", ("DONE",)), {"jobs", "interactive_expires_at", "usage_seconds"}),
        (("inactive", ("DONE",)), entered | {"interactive_expires_at", "usage_seconds"}),
    ]
    for browser in browsers:
        seen = []
        for _ in expected:
            event = await receive(browser)
            assert event["type"] == "session" and event["session"]["id"] == session.session_id
            seen.append((summary(event), changed(before[browser], event["session"])))
            before[browser] = event["session"]
        assert seen == expected
        browser.close()


async def test_activity_resets_the_interactive_ttl(lab, kernel):
    session = await lab.open_session()
    await lab.register(kernel, session.session_id)
    await lab.submit(session)
    await lab.advance(QUEUE_WAIT + 10)  # the job ran its ~5 s and the session is idle
    _, first = await lab.api(f"sessions/{session.session_id}")
    assert first["state"] == "active" and first["interactive_expires_at"] is not None
    socket = await lab.socket()
    await receive(socket)  # snapshot

    await lab.advance(30)  # half the interactive TTL
    await lab.submit(session)  # runs at once, with the session's priority
    await lab.advance(10)
    events = [await receive(socket), await receive(socket)]
    assert [summary(e) for e in events] == [
        ("active", ("RUNNING", "DONE")),
        ("active", ("DONE", "DONE")),
    ]
    assert events[0]["session"]["interactive_expires_at"] is None  # a job is running
    reset = events[1]["session"]["interactive_expires_at"]
    assert "interactive_expires_at" in changed(events[0]["session"], events[1]["session"])
    assert reset > first["interactive_expires_at"]  # ISO strings in UTC sort by time
    socket.close()


async def test_new_registrations_and_user_actions_are_pushed_too(lab, kernel):
    socket = await lab.socket()
    assert (await receive(socket))["sessions"] == []
    session = await lab.open_session()
    # Opened with the account's key: on the feed at once, as found elsewhere on the account,
    # until its kernel registers it (issue 13).
    found = await receive(socket)
    assert (found["type"], found["session"]["origin"]) == ("session", "elsewhere")
    await lab.register(kernel, session.session_id)
    registered = await receive(socket)
    assert registered["type"] == "session"  # new: the snapshot had no session
    assert registered["session"]["kernel_id"] == kernel

    await lab.api(f"sessions/{session.session_id}/cancel", "POST")
    cancelled = await receive(socket)
    assert cancelled["session"]["state"] == "closed"
    assert cancelled["session"]["ended_reason"] == "cancelled"
    assert {"state", "accepting_jobs", "closed_at", "ended_reason"} <= changed(
        registered["session"], cancelled["session"]
    )
    socket.close()


async def test_the_embedded_emulator_pushes_so_nothing_polls(lab):
    emulator = lab.manager.provider.emulator
    assert emulator.pushes and not hasattr(emulator, "_poller")


async def test_sessions_queued_behind_hear_that_the_queue_moved(lab, kernel):
    first, second = await lab.open_session(), await lab.open_session()
    await lab.register(kernel, first.session_id)
    await lab.register(kernel, second.session_id)
    await lab.submit(first)
    behind = await lab.submit(second)
    _, body = await lab.api(f"sessions/{second.session_id}")
    assert body["jobs"][0]["queue_position"] == 2
    socket = await lab.socket()
    await receive(socket)  # snapshot

    await lab.advance(QUEUE_WAIT)  # the first session's job starts: the queue moves
    events = {}
    for _ in range(2):
        event = await receive(socket)
        events[event["session"]["id"]] = event
    moved = events[second.session_id]["session"]["jobs"][0]
    assert (moved["id"], moved["status"], moved["queue_position"]) == (behind, "QUEUED", 1)
    socket.close()
