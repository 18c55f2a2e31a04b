"""Bad input gets a clear 4xx with a message and changes nothing; never a 500."""

from __future__ import annotations

import pytest

from lab import QUEUE_WAIT

HOSTILE_IDS = ["..%2F..%2Fetc", "%00", "x" * 5000, "%3Cscript%3E", "'%20OR%201=1", "%25s%25d"]


@pytest.fixture
def registered(lab, jp_asyncio_loop):
    """A kernel and an open session registered under it, with one queued job."""
    return jp_asyncio_loop.run_until_complete(lab.kernel_with_a_queued_job())


async def unchanged(lab, session_id: str, before: dict) -> None:
    _, after = await lab.api(f"sessions/{session_id}")
    assert after == before


@pytest.mark.parametrize(
    "body",
    ["{not json", "[]", "{}", '{"session_id": 42}', '{"session_id": "a/b"}', '{"x": 1}', ""],
)
async def test_a_malformed_registration_is_a_400_with_a_message(lab, body):
    kernel = await lab.start_kernel()
    status, reply = await lab.api(
        f"kernels/{kernel}/sessions",
        "POST",
        body,
        user=None,
        headers={"X-QSession-Kernel-Token": lab.token(kernel)},
    )
    assert status == 400 and "session_id" in reply["message"]
    _, listing = await lab.api("sessions")
    assert listing["sessions"] == []


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_unknown_and_hostile_ids_are_404s(lab, registered, hostile):
    _, session, _ = registered
    _, before = await lab.api(f"sessions/{session.session_id}")
    for method, template in [
        ("GET", "sessions/{}"),
        ("POST", "sessions/{}/close"),
        ("POST", "sessions/{}/cancel"),
        ("POST", "jobs/{}/cancel"),
    ]:
        status, reply = await lab.api(template.format(hostile), method)
        assert status == 404 and "registered on this server" in reply["message"], template
    await unchanged(lab, session.session_id, before)


async def test_registering_a_session_the_service_does_not_know_is_a_404(lab):
    kernel = await lab.start_kernel()
    status, reply = await lab.register(kernel, "nosuchsession")
    assert status == 404 and "nosuchsession" in reply["message"]


async def test_acting_on_an_ended_session_is_a_409_that_says_so(lab, registered):
    kernel, session, job = registered
    await lab.api(f"sessions/{session.session_id}/cancel", "POST")
    _, before = await lab.api(f"sessions/{session.session_id}")
    for action in ("close", "cancel"):
        status, reply = await lab.api(f"sessions/{session.session_id}/{action}", "POST")
        assert status == 409 and "already ended (cancelled)" in reply["message"]
    status, reply = await lab.api(f"jobs/{job}/cancel", "POST")
    assert status == 409 and "already ended" in reply["message"]
    await unchanged(lab, session.session_id, before)


async def test_closing_twice_is_a_409_and_the_queued_job_still_runs(lab, registered):
    _, session, job = registered
    await lab.api(f"sessions/{session.session_id}/close", "POST")
    status, reply = await lab.api(f"sessions/{session.session_id}/close", "POST")
    assert status == 409 and "already closing" in reply["message"]
    await lab.advance(QUEUE_WAIT + 60)
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert body["jobs"][0]["status"] == "DONE"


async def test_registering_an_ended_session_is_a_409(lab):
    kernel = await lab.start_kernel()
    session = await lab.open_session()
    await lab.submit(session)
    await lab.service_call("DELETE", f"/api/v1/sessions/{session.session_id}/close")
    status, reply = await lab.register(kernel, session.session_id)
    assert status == 409 and "open a new one" in reply["message"]


async def test_a_session_belongs_to_the_first_kernel_that_registers_it(lab, registered):
    kernel, session, _ = registered
    other = await lab.start_kernel()
    status, reply = await lab.register(other, session.session_id)
    assert status == 409 and "another kernel" in reply["message"]
    _, body = await lab.api(f"sessions/{session.session_id}")
    assert body["kernel_id"] == kernel
