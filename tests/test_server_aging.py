"""Ended sessions age out of the live view (the listing, the WebSocket snapshot) after
``c.QSessionApp.ended_sessions_visible_for`` seconds, stay in the registry and the filtered
listing; and a snapshot is built once per view and change, not once per socket."""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_qsession.timing import from_iso
from lab import TOKENS

VISIBLE_FOR = 600

pytestmark = pytest.mark.qsession(ended_sessions_visible_for=VISIBLE_FOR)


class Clock:
    """The lab manager's injected clock, set by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    return jp_asyncio_loop.run_until_complete(lab.start_kernel())


async def receive(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.read_message(), timeout=10))


@pytest.fixture
def listing(jp_fetch):
    """``GET /qsession/api/sessions`` as alice with query ``params``: (status, body)."""

    async def get(**params: str) -> tuple[int, dict]:
        headers = {"Authorization": f"token {TOKENS['alice']}"}
        try:
            reply = await jp_fetch("qsession", "api", "sessions", headers=headers, params=params)
        except HTTPClientError as error:
            reply = error.response
        return reply.code, json.loads(reply.body)

    return get


async def listed(listing, **params: str) -> list[str]:
    status, body = await listing(**params)
    assert status == 200, body
    return [s["id"] for s in body["sessions"]]


async def open_and_end_one(lab, kernel) -> tuple[str, str, Clock]:
    """Two sessions of the kernel, the older one cancelled; the manager's clock at its end."""
    ended = await lab.open_session()
    await lab.register(kernel, ended.session_id)
    live = await lab.open_session()
    await lab.register(kernel, live.session_id)
    status, body = await lab.api(f"sessions/{ended.session_id}/cancel", "POST")
    assert status == 200 and body["state"] == "closed", body
    clock = Clock(from_iso(body["closed_at"]))
    lab.manager.clock = clock
    return ended.session_id, live.session_id, clock


async def test_an_ended_session_leaves_the_listing_once_the_setting_passed(lab, kernel, listing):
    ended, live, clock = await open_and_end_one(lab, kernel)

    clock.now += VISIBLE_FOR - 1
    assert await listed(listing) == [live, ended]

    clock.now += 1
    assert await listed(listing) == [live]
    status, body = await lab.api(f"sessions/{ended}")  # still known, by id
    assert status == 200 and body["state"] == "closed"


async def test_the_filter_reaches_ended_sessions_kept_in_the_registry(lab, kernel, listing):
    ended, live, clock = await open_and_end_one(lab, kernel)
    clock.now += 10 * VISIBLE_FOR

    assert await listed(listing) == [live]
    assert await listed(listing, ended="all") == [live, ended]
    assert await listed(listing, ended_within=str(11 * VISIBLE_FOR)) == [live, ended]
    assert await listed(listing, ended_within=str(9 * VISIBLE_FOR)) == [live]


@pytest.mark.parametrize(
    "params",
    [
        {"ended": "some"},
        {"ended_within": "-1"},
        {"ended_within": "soon"},
        {"ended_within": "inf"},
        {"ended": "all", "ended_within": "1"},
    ],
)
async def test_a_bad_filter_is_a_400_that_says_why(lab, listing, params):
    status, body = await listing(**params)
    assert status == 400
    assert "ended" in body["message"]


async def test_the_sidebar_learns_the_setting_from_info(lab):
    status, body = await lab.api("info")
    assert status == 200 and body["ended_sessions_visible_for"] == VISIBLE_FOR


async def test_the_snapshot_leaves_an_aged_out_session_out(lab, kernel):
    ended, live, clock = await open_and_end_one(lab, kernel)

    clock.now += VISIBLE_FOR - 1
    socket = await lab.socket()
    assert [s["id"] for s in (await receive(socket))["sessions"]] == [live, ended]
    socket.close()

    clock.now += 1
    socket = await lab.socket()
    assert [s["id"] for s in (await receive(socket))["sessions"]] == [live]
    socket.close()


async def test_sockets_share_one_snapshot_per_view_until_something_changes(lab, kernel):
    ended, live, clock = await open_and_end_one(lab, kernel)
    hub = lab.serverapp.web_app.settings["qsession_events"]
    built = hub.snapshots_built

    sockets = [await lab.socket() for _ in range(3)]
    texts = [(await receive(socket))["sessions"] for socket in sockets]
    assert texts[0] == texts[1] == texts[2]
    assert hub.snapshots_built == built + 1  # three sockets, one join

    other = await lab.socket("bob")  # another owner's view: its own text
    assert (await receive(other))["sessions"] == []
    assert hub.snapshots_built == built + 2

    status, _ = await lab.api(f"sessions/{live}/close", "POST")  # a change: built again
    assert status == 200
    late = await lab.socket()
    snapshot = await receive(late)
    assert hub.snapshots_built == built + 3
    assert next(s for s in snapshot["sessions"] if s["id"] == live)["accepting_jobs"] is False

    clock.now += VISIBLE_FOR  # the ended one ages out: built again without it
    aged = await lab.socket()
    assert ended not in [s["id"] for s in (await receive(aged))["sessions"]]
    assert hub.snapshots_built == built + 4
    for socket in [*sockets, other, late, aged]:
        socket.close()
