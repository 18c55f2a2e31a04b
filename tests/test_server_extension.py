"""The server extension starts the emulator inside the Jupyter server process, and the
kernels that server starts reach it with no configuration."""

from __future__ import annotations

import asyncio
import os

import pytest
import requests

pytest_plugins = ["pytest_jupyter.jupyter_server"]

QUEUE_WAIT = 0.5


@pytest.fixture
def jp_server_config():
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_qsession": True}},
        "QSessionEmulator": {"queue_wait": QUEUE_WAIT, "job_overhead": 0.05},
    }


async def test_server_starts_the_emulator_with_its_config(jp_serverapp):
    emulator = jp_serverapp.web_app.settings["qsession_emulator"]
    url = os.environ["QSESSION_EMULATOR_URL"]
    key = os.environ["QSESSION_EMULATOR_TOKEN"]
    assert url == emulator.url and url.startswith("http://127.0.0.1:")
    assert emulator.scheduler.queue_wait == QUEUE_WAIT

    def list_backends() -> list[str]:
        token = requests.post(
            f"{url}/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": key},
            timeout=10,
        ).json()["access_token"]
        response = requests.get(
            f"{url}/api/v1/backends", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        return [device["name"] for device in response.json()["devices"]]

    # The emulator runs on the server's own loop: call it from a thread, as a kernel would.
    assert "fake_manila" in await asyncio.to_thread(list_backends)


README_EXAMPLE = """
from datetime import datetime
from jupyter_qsession.emulator import runtime_service
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session

service = runtime_service()
backend = service.backend("fake_manila")
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)

with Session(backend=backend) as session:
    sampler = SamplerV2(mode=session)
    jobs = []
    for _ in range(3):  # iterative, as an optimizer loop submits them
        jobs.append(sampler.run([isa], shots=100))
        jobs[-1].result()

def wait(job):
    stamps = job.metrics()["timestamps"]
    running, created = (datetime.fromisoformat(stamps[k]) for k in ("running", "created"))
    return (running - created).total_seconds()

print("WAITS", [round(wait(job), 2) for job in jobs], session.details()["state"])
"""


async def test_a_kernel_of_the_server_runs_the_readme_example(jp_serverapp):
    manager = jp_serverapp.kernel_manager
    kernel_id = await manager.start_kernel()
    client = manager.get_kernel(kernel_id).client()
    client.start_channels()
    output: list[str] = []

    def collect(msg) -> None:
        if msg["msg_type"] == "stream":
            output.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            output.append("\n".join(msg["content"]["traceback"]))

    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(README_EXAMPLE, output_hook=collect, timeout=120)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(kernel_id)
    text = "".join(output)
    assert reply["content"]["status"] == "ok", text
    waits_line = next(line for line in text.splitlines() if line.startswith("WAITS"))
    first, second, third = eval(waits_line.split(" ", 1)[1].rsplit(" ", 1)[0])
    assert first >= QUEUE_WAIT  # the first job queued ...
    assert second == third == 0  # ... the later ones ran at once, in the session
    assert waits_line.endswith("closed")
