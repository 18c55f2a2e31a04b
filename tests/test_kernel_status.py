"""The cell status and the magic's words, in real kernels: the status is displayed when a
``%%qsession`` cell starts (before its body runs and before any job queues) and updated when
it ends; what a notebook saves is a readable line; outside a lab server one follower per
kernel keeps it current from the service."""

from __future__ import annotations

import html
import os
import queue
import time

import pytest

from jupyter_qsession.kernel.status import STATUS_MIME

SETUP = """
%load_ext jupyter_qsession
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime.executor_sampler import Sampler
"""

# On the lab's manual clock the job stays queued: the cell ends while it waits.
SUBMIT = """%%qsession {options}
print("BODY")
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
job = Sampler().run([isa], shots=10)
print("JOB", job.job_id())
"""


async def messages(lab, kernel_id: str, code: str) -> list[dict]:
    """Run ``code`` as a cell; its iopub output messages in order, as the frontend gets them."""
    client = lab.serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    seen: list[dict] = []
    kinds = ("stream", "display_data", "update_display_data", "execute_result", "error")
    try:
        await client.wait_for_ready(timeout=60)
        await client.execute_interactive(
            code,
            output_hook=lambda msg: seen.append(msg) if msg["msg_type"] in kinds else None,
            timeout=120,
        )
    finally:
        client.stop_channels()
    return seen


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    async def start():
        kernel_id = await lab.start_kernel()
        status, text = await lab.execute(kernel_id, SETUP)
        assert status == "ok", text
        return kernel_id

    return jp_asyncio_loop.run_until_complete(start())


async def test_the_status_is_shown_before_the_body_runs_and_lists_the_queued_job(lab, kernel):
    seen = await messages(lab, kernel, SUBMIT.format(options="--backend fake_manila"))
    kinds = [msg["msg_type"] for msg in seen]
    assert kinds[0] == "display_data", kinds  # before the body's first print
    assert seen[1]["content"]["text"].startswith("BODY")
    shown = seen[0]["content"]
    status = shown["data"][STATUS_MIME]
    session_id = status["session_id"]
    assert status["backend"] == "fake_manila" and status["mode"] == "session"
    assert status["jobs"] is None and status["after_job"] is None  # the cell is running
    assert status["provider"] == "emulator" and status["started"].endswith("Z")
    assert shown["data"]["text/plain"] == f"fake_manila · session {session_id} · no job yet"
    # The session is registered before the display, so the sidebar's store has it to draw.
    assert (await lab.api(f"sessions/{session_id}"))[0] == 200

    printed = "".join(msg["content"].get("text", "") for msg in seen)
    job_id = printed.split("JOB ")[1].split()[0]
    [update] = [msg["content"] for msg in seen if msg["msg_type"] == "update_display_data"]
    assert update["transient"]["display_id"] == shown["transient"]["display_id"]
    assert update["data"][STATUS_MIME]["jobs"] == [job_id]
    line = update["data"]["text/plain"]
    assert line.startswith(f"fake_manila · session {session_id} · pending")
    assert line.endswith("jobs of this cell: 1 executor QUEUED")
    # What a notebook saves, readable without the extension.
    assert update["data"]["text/html"] == (
        f'<pre class="qsession-cell-status">{html.escape(line)}</pre>'
    )
    await lab.sync()
    body = (await lab.api(f"sessions/{session_id}"))[1]
    assert [(job["id"], job["status"]) for job in body["jobs"]] == [(job_id, "QUEUED")]

    # The next cell's jobs are the ones newer than this cell's.
    seen = await messages(lab, kernel, "%%qsession\nprint('NEXT')")
    assert seen[0]["content"]["data"][STATUS_MIME]["after_job"] == job_id
    final = seen[-1]["content"]["data"]
    assert final[STATUS_MIME]["jobs"] == [] and final["text/plain"].endswith("no job in this cell")


async def test_close_on_an_ended_session_says_it_had_ended(lab, kernel):
    status, text = await lab.execute(kernel, "%%qsession --backend fake_manila\nprint('IN')")
    session_id = text.split("session ")[1].split()[0]
    await lab.api(f"sessions/{session_id}/cancel", "POST")
    status, text = await lab.execute(kernel, "%qsession close")
    assert f"Session {session_id} had already ended: cancelled. Nothing to close." in text, text
    assert "closed: queued jobs still run" not in text


async def test_new_after_a_cancel_reuses_the_backend(lab, kernel):
    status, text = await lab.execute(kernel, "%%qsession --backend fake_manila\npass")
    status, text = await lab.execute(kernel, "%qsession cancel")
    assert "cancelled: queued jobs are cancelled" in text
    status, text = await lab.execute(kernel, "%%qsession --new\nprint('IN', backend.name)")
    assert status == "ok" and "IN fake_manila" in text and "name a backend" not in text, text


async def test_a_backend_typo_with_a_session_open_points_at_the_typo(lab, kernel):
    status, text = await lab.execute(kernel, "%%qsession --backend fake_manila\npass")
    status, text = await lab.execute(kernel, "%%qsession --backend fake_manla\nprint('IN')")
    assert "Unknown backend 'fake_manla'. Did you mean fake_manila" in text, text
    assert "--new" not in text and "IN" not in text


async def test_status_and_list_read_naturally(lab, kernel):
    status, text = await lab.execute(kernel, "%qsession list")
    assert text.strip() == "No session registered under this kernel."
    status, text = await lab.execute(kernel, "%%qsession --backend fake_manila --mode batch\npass")
    session_id = text.split("batch ")[1].split()[0]
    status, text = await lab.execute(kernel, "%qsession status")
    assert f"fake_manila · batch {session_id} · pending · TTL starts with the first job" in text
    assert "jobs" not in text  # a status of no cell counts no cell's jobs
    status, text = await lab.execute(kernel, "%qsession list")
    header, row = text.strip().splitlines()
    assert header.split() == ["session", "backend", "mode", "state", "jobs"]
    assert row.split() == [session_id, "fake_manila", "batch", "pending", "no", "jobs"]
    assert header.index("backend") == row.index("fake_manila")  # aligned columns


def test_outside_a_lab_one_follower_keeps_the_status_current(monkeypatch):
    """A plain kernel (VS Code, nbclient) against a standalone emulator: when the session is
    cancelled elsewhere, the cell's displayed status is updated to say so."""
    from jupyter_client.manager import start_new_kernel

    from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock, runtime_service

    with EmulatorThread(
        Emulator(clock=WallClock(), queue_wait=0.2, job_overhead=0.05, api_key="nb-key")
    ) as emulator:
        env = {**os.environ, "QSESSION_EMULATOR_URL": emulator.url}
        env.update(QSESSION_EMULATOR_TOKEN="nb-key")
        env.pop("QSESSION_BRIDGE_URL", None)
        env.pop("PYTHONSTARTUP", None)
        manager, client = start_new_kernel(kernel_name="python3", env=env)
        try:
            reply = client.execute_interactive(SETUP, timeout=120)
            assert reply["content"]["status"] == "ok"
            shown: list[dict] = []
            client.execute_interactive(
                "%%qsession --backend fake_manila\npass",
                timeout=120,
                output_hook=lambda msg: (
                    shown.append(msg["content"]) if msg["msg_type"] == "display_data" else None
                ),
            )
            session_id = shown[0]["data"][STATUS_MIME]["session_id"]
            display_id = shown[0]["transient"]["display_id"]
            service = runtime_service(emulator.url, "nb-key")
            from qiskit_ibm_runtime import Session

            Session.from_id(session_id, service).cancel()
            deadline = time.monotonic() + 60
            line = ""
            while "ended" not in line:
                msg = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
                if msg["msg_type"] == "update_display_data":
                    assert msg["content"]["transient"]["display_id"] == display_id
                    line = msg["content"]["data"]["text/plain"]
            assert (
                line
                == f"fake_manila · session {session_id} · ended: cancelled · no job in this cell"
            )
        except queue.Empty:
            pytest.fail("the status of a cancelled session was never updated")
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
