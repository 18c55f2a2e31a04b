"""The emulator runs as its own process beside the lab: the lab answers while it simulates, and
an emulator that dies is started again on its saved state, and the lab says so."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys


async def eventually(check, timeout: float = 60.0):
    for _ in range(int(timeout / 0.1)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("never happened")


async def test_a_dead_emulator_is_restarted_on_its_state_and_the_lab_says_so(lab):
    kernel, session, job_id = await lab.kernel_with_a_queued_job()
    info = lab.emulator.process.info_file
    old = json.loads(info.read_text())
    old_pid = old["pid"]
    os.kill(old_pid, signal.SIGKILL)

    async def restarted():
        try:
            pid = json.loads(info.read_text())["pid"]
        except (OSError, ValueError):
            return False
        return pid != old_pid

    await eventually(restarted)
    assert json.loads(info.read_text())["url"] == old["url"]  # kernels still reach it
    _, body = await lab.api("info")
    assert any("restarted" in warning for warning in body["warnings"])
    # Its state was kept: the session and its queued job are still there, on the new process.
    await lab.advance(0)
    _, listed = await lab.api(f"sessions/{session.session_id}")
    assert listed["state"] == "open" and listed["jobs"][0]["id"] == job_id
    await lab.advance(3600)
    _, listed = await lab.api(f"sessions/{session.session_id}")
    assert listed["jobs"][0]["status"] == "DONE"


def test_the_server_extension_imports_no_qiskit():
    """Simulation and the client live in the emulator process and the kernels: loading the
    server extension costs the lab no qiskit, Aer or qiskit-ibm-runtime."""
    code = (
        "import sys, jupyter_qsession, jupyter_qsession.server.app; "
        "print(sorted(m for m in ('qiskit', 'qiskit_aer', 'qiskit_ibm_runtime') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
