"""A kernel that dies for good (its restarter gives up) takes its sessions with it."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from lab import QUEUE_WAIT, server_config


@pytest.fixture
def jp_server_config(tmp_path, lab_clock):
    config = server_config(tmp_path, lab_clock)
    config["KernelRestarter"] = {"restart_limit": 0, "time_to_dead": 0.2}  # no restarts
    return config


async def test_a_kernel_that_dies_for_good_closes_its_sessions(lab):
    kernel, session, _ = await lab.kernel_with_a_queued_job()
    os.kill(lab.serverapp.kernel_manager.get_kernel(kernel).provisioner.pid, signal.SIGKILL)
    for _ in range(500):  # the restarter polls every time_to_dead
        if not lab.manager.get(session.session_id).accepting_jobs:
            break
        await asyncio.sleep(0.02)
    await lab.advance(QUEUE_WAIT + 60)
    ended = lab.manager.get(session.session_id)
    assert (ended.state, ended.ended_reason) == ("closed", "kernel_died")
    assert kernel not in lab.serverapp.kernel_manager  # jupyter-server dropped it too
