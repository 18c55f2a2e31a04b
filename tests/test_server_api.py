"""The REST API: a kernel registers the sessions it opens; users list, close and cancel them."""

from __future__ import annotations

import pytest

from lab import INTERACTIVE_TTL, QUEUE_WAIT


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    return jp_asyncio_loop.run_until_complete(lab.start_kernel())


async def test_a_registered_session_is_listed_under_its_kernel(lab, kernel):
    session = await lab.open_session(max_time=600)
    status, body = await lab.register(kernel, session.session_id)
    assert status == 200, body
    assert body["kernel_id"] == kernel and body["owner"] == "alice"
    assert (body["state"], body["mode"], body["backend"]) == ("open", "dedicated", "fake_manila")
    assert body["max_time"] == 600 and body["accepting_jobs"] is True

    status, listing = await lab.api("sessions")
    assert status == 200
    assert [s["id"] for s in listing["sessions"]] == [session.session_id]
    status, one = await lab.api(f"sessions/{session.session_id}")
    assert status == 200 and one == listing["sessions"][0]


async def test_jobs_and_ttls_follow_the_service(lab, kernel):
    session = await lab.open_session()
    await lab.register(kernel, session.session_id)
    first = await lab.submit(session)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert [(j["id"], j["status"], j["queue_position"]) for j in body["jobs"]] == [
        (first, "QUEUED", 1)
    ]
    assert body["jobs"][0]["primitive"] == "sampler"

    await lab.advance(QUEUE_WAIT)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert body["state"] == "active" and body["jobs"][0]["status"] == "RUNNING"
    assert body["expires_at"] is not None and body["interactive_expires_at"] is None

    await lab.advance(60)
    second = await lab.submit(session)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert [j["id"] for j in body["jobs"]] == [second, first]  # newest first
    assert body["jobs"][1]["status"] == "DONE" and body["usage_seconds"] > 0


async def test_registering_is_idempotent_for_the_same_kernel(lab, kernel):
    session = await lab.open_session()
    first = await lab.register(kernel, session.session_id)
    again = await lab.register(kernel, session.session_id)
    assert first == again
    _, listing = await lab.api("sessions")
    assert len(listing["sessions"]) == 1


async def test_close_lets_queued_jobs_finish(lab, kernel):
    session = await lab.open_session()
    await lab.register(kernel, session.session_id)
    job = await lab.submit(session)
    status, body = await lab.api(f"sessions/{session.session_id}/close", "POST")
    assert status == 200 and body["accepting_jobs"] is False and body["state"] == "open"
    assert body["jobs"][0]["status"] == "QUEUED"

    await lab.advance(QUEUE_WAIT + 60)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert body["state"] == "closed" and body["ended_reason"] == "closed"
    assert [(j["id"], j["status"]) for j in body["jobs"]] == [(job, "DONE")]


async def test_cancel_cancels_queued_jobs_and_ends_the_session(lab, kernel):
    session = await lab.open_session()
    await lab.register(kernel, session.session_id)
    await lab.submit(session)
    status, body = await lab.api(f"sessions/{session.session_id}/cancel", "POST")
    assert status == 200
    assert body["state"] == "closed" and body["ended_reason"] == "cancelled"
    assert body["jobs"][0]["status"] == "CANCELLED"


async def test_cancel_one_job(lab, kernel):
    session = await lab.open_session()
    await lab.register(kernel, session.session_id)
    keep = await lab.submit(session)
    drop = await lab.submit(session)
    status, body = await lab.api(f"jobs/{drop}/cancel", "POST")
    assert status == 200 and body["state"] == "open"
    assert {j["id"]: j["status"] for j in body["jobs"]} == {drop: "CANCELLED", keep: "QUEUED"}


async def test_max_ttl_ends_the_session_and_says_why(lab, kernel):
    session = await lab.open_session(max_time=100)
    await lab.register(kernel, session.session_id)
    await lab.submit(session)
    await lab.advance(QUEUE_WAIT + 100)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert body["state"] == "closed" and body["ended_reason"] == "max_ttl"


async def test_batch_sessions_are_registered_with_their_mode(lab, kernel):
    batch = await lab.open_session(mode="batch")
    _, body = await lab.register(kernel, batch.session_id)
    # Batches have the interactive TTL too: "1 minute for all plans"
    # (https://quantum.cloud.ibm.com/docs/guides/run-jobs-batch, Batch length).
    assert body["mode"] == "batch" and body["interactive_timeout"] == INTERACTIVE_TTL
