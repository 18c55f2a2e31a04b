"""A kernel takes its sessions with it: shutdown, restart and death apply the configured policy
(close by default), and the session says why it ended."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from lab import QUEUE_WAIT


async def eventually(check, timeout: float = 15.0):
    """Wait for a condition the server reaches on its own (a kernel event, a restart)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the server never got there")
        await asyncio.sleep(0.02)


@pytest.fixture
def opened(lab, jp_asyncio_loop):
    """A kernel with a registered session holding one queued job."""
    kernel, session, job = jp_asyncio_loop.run_until_complete(lab.kernel_with_a_queued_job())
    return kernel, session.session_id, job


def state(lab, session_id):
    return lab.manager.get(session_id)


async def test_shutting_a_kernel_down_closes_its_sessions(lab, opened):
    kernel, session_id, job = opened
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel)
    await eventually(lambda: not state(lab, session_id).accepting_jobs)
    closing = state(lab, session_id)
    assert closing.state == "open" and closing.jobs[0].status == "QUEUED"  # it still runs

    await lab.advance(QUEUE_WAIT + 60)
    ended = state(lab, session_id)
    assert (ended.state, ended.ended_reason, ended.jobs[0].status) == (
        "closed",
        "kernel_shutdown",
        "DONE",
    )
    on_service = await lab.service_call("GET", f"/api/v1/sessions/{session_id}")
    assert on_service["state"] == "closed"  # on the service too


@pytest.mark.qsession(on_kernel_shutdown="cancel")
async def test_the_cancel_policy_cancels_queued_jobs(lab, opened):
    kernel, session_id, _ = opened
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel)
    await eventually(lambda: state(lab, session_id).state == "closed")
    ended = state(lab, session_id)
    assert ended.ended_reason == "kernel_shutdown" and ended.jobs[0].status == "CANCELLED"


@pytest.mark.qsession(on_kernel_shutdown="keep")
async def test_the_keep_policy_leaves_the_session_open(lab, opened):
    kernel, session_id, _ = opened
    other = await lab.start_kernel()
    other_session = await lab.open_session()
    await lab.register(other, other_session.session_id)
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel)
    await lab.serverapp.kernel_manager.shutdown_kernel(other)
    await lab.serverapp.event_logger.gather_listeners()  # the policy has run
    assert state(lab, session_id).accepting_jobs is True
    assert state(lab, other_session.session_id).accepting_jobs is True


async def test_restarting_a_kernel_closes_its_sessions(lab, opened):
    kernel, session_id, _ = opened
    await lab.serverapp.kernel_manager.restart_kernel(kernel)
    await eventually(lambda: not state(lab, session_id).accepting_jobs)
    await lab.advance(QUEUE_WAIT + 60)
    assert state(lab, session_id).ended_reason == "kernel_restart"


@pytest.mark.qsession(on_kernel_restart="keep")
async def test_the_restart_policy_is_its_own(lab, opened):
    kernel, session_id, _ = opened
    await lab.serverapp.kernel_manager.restart_kernel(kernel)
    await lab.serverapp.event_logger.gather_listeners()
    assert state(lab, session_id).accepting_jobs is True


async def test_a_kernel_that_dies_takes_its_sessions_with_it(lab, opened):
    kernel, session_id, _ = opened
    os.kill(lab.serverapp.kernel_manager.get_kernel(kernel).provisioner.pid, signal.SIGKILL)
    # The kernel's restarter notices (within its time_to_dead) and restarts it.
    await eventually(lambda: not state(lab, session_id).accepting_jobs)
    await lab.advance(QUEUE_WAIT + 60)
    assert state(lab, session_id).ended_reason == "kernel_died"
