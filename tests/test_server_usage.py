"""Each account's QPU usage for the period, as its service reports it: in ``GET
/qsession/api/accounts`` and an ``account`` event on the WebSocket when it changes (issues
13 and 19).

IBM reports an instance's usage at ``GET /instances/usage`` (``usage_consumed_seconds``,
``usage_limit_reached``, and with an allocation ``usage_allocation_seconds``; the client's
``service.usage()`` adds ``usage_remaining_seconds``):
https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/instances
"""

from __future__ import annotations

import asyncio
import json

import pytest

from conftest import EPS, JOB
from jupyter_qsession.emulator import runtime_service
from lab import QUEUE_WAIT

ALLOCATION = 600.0


async def run_one_job_to_the_end(lab) -> None:
    batch = await lab.open_session("batch")
    await lab.submit(batch)
    await lab.advance(QUEUE_WAIT + JOB + EPS)


async def next_usage(socket) -> dict:
    while True:
        event = json.loads(await socket.read_message())
        account = event.get("account") or {}
        if event["type"] == "account" and account.get("usage") is not None:
            return account["usage"]


async def read_usage(lab, user: str = "alice") -> tuple[int, dict]:
    """The lab's emulator account's usage, asked of the service now."""
    status, body = await lab.api("accounts?refresh=1", user=user)
    (emulator,) = [a for a in body["accounts"] if a["name"] == "emulator"]
    return status, emulator["usage"]


@pytest.mark.emulator(allocation=ALLOCATION)
@pytest.mark.qsession(usage_refresh_interval=0)
async def test_the_usage_route_says_what_the_accounts_client_reads(lab):
    await run_one_job_to_the_end(lab)
    status, usage = await read_usage(lab)

    client = runtime_service(lab.emulator.url, lab.emulator.api_key)
    reported = await asyncio.to_thread(client.usage)
    assert status == 200
    assert usage["used_seconds"] == reported["usage_consumed_seconds"] == pytest.approx(JOB)
    assert usage["limit_seconds"] == ALLOCATION
    assert usage["remaining_seconds"] == pytest.approx(reported["usage_remaining_seconds"])
    assert usage["limit_reached"] is False
    assert usage["read_at"]


@pytest.mark.qsession(usage_refresh_interval=0)
async def test_without_an_allocation_there_is_no_limit_nor_remaining_time(lab):
    _, usage = await read_usage(lab, user="reader")  # reading needs read only
    assert (usage["limit_seconds"], usage["remaining_seconds"]) == (None, None)


@pytest.mark.qsession(usage_refresh_interval=0)
async def test_a_change_of_usage_is_pushed_and_new_snapshots_carry_the_last(lab):
    socket = await lab.socket()
    first = json.loads(await socket.read_message())
    assert first["accounts"][0]["usage"] is None  # not read yet

    await read_usage(lab)
    assert (await next_usage(socket))["used_seconds"] == 0
    await run_one_job_to_the_end(lab)
    await lab.manager.provider.refresh_all(usage=True)  # what each refresh does
    assert (await next_usage(socket))["used_seconds"] == pytest.approx(JOB)

    later = await lab.socket("bob")
    snapshot = json.loads(await later.read_message())
    assert snapshot["accounts"][0]["usage"]["used_seconds"] == pytest.approx(JOB)
    socket.close()
    later.close()


@pytest.mark.qsession(usage_refresh_interval=0)
async def test_a_read_that_changes_nothing_pushes_nothing(lab):
    told = []
    await lab.manager.provider.refresh_all()  # its backends, read once
    lab.manager.provider.listeners.append(lambda account, name: told.append(account))
    await read_usage(lab)
    await read_usage(lab)  # a new read_at alone is no change
    assert len(told) == 1
    await run_one_job_to_the_end(lab)
    await read_usage(lab)
    assert len(told) == 2


@pytest.mark.qsession(usage_refresh_interval=0.05)
async def test_the_lab_reads_the_usage_every_refresh_interval_by_itself(lab):
    socket = await lab.socket()  # its snapshot may carry the first read already
    await run_one_job_to_the_end(lab)
    while (usage := await next_usage(socket))["used_seconds"] == 0:
        pass  # the first read, if it came after the snapshot
    assert usage["used_seconds"] == pytest.approx(JOB)
    socket.close()


@pytest.mark.qsession(usage_refresh_interval=3600)
async def test_a_sessions_usage_changing_has_the_accounts_read_again_without_waiting(lab):
    """The header must not lag the rows by a whole refresh interval: a session whose usage
    moved has the account's usage read again within a second (once per burst)."""
    socket = await lab.socket()
    await run_one_job_to_the_end(lab)

    async def used() -> float:
        while (usage := await next_usage(socket))["used_seconds"] == 0:
            pass  # the read at start, if it came after the snapshot
        return usage["used_seconds"]

    # Bounded so that a lab that waits for its hour fails here rather than hanging.
    assert await asyncio.wait_for(used(), timeout=30) == pytest.approx(JOB)
    socket.close()
