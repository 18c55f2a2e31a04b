"""The server extension runs the emulator as its own process beside the lab, and the kernels
that server starts reach it — and the bridge — with no configuration."""

from __future__ import annotations

import json
import os

import pytest

from lab import server_config

QUEUE_WAIT = 0.5


@pytest.fixture
def jp_server_config(tmp_path):
    config = server_config(tmp_path, clock=None)  # wall time: a real kernel waits for real
    config["QSessionEmulator"].update(queue_wait=QUEUE_WAIT, job_overhead=0.05)
    return config


async def test_kernels_inherit_the_emulator_and_the_bridge(lab):
    assert os.environ["QSESSION_EMULATOR_URL"] == lab.emulator.url
    assert lab.emulator.url.startswith("http://127.0.0.1:")
    assert os.environ["QSESSION_EMULATOR_TOKEN"] == lab.emulator.api_key
    assert os.environ["QSESSION_BRIDGE_URL"] == lab.serverapp.connection_url
    assert os.environ["QSESSION_PROVIDER"] == "emulator"
    # The emulator is its own process, configured from c.QSessionEmulator.
    info = json.loads((lab.emulator.process.info_file).read_text())
    assert info["url"] == lab.emulator.url and info["pid"] != os.getpid()
    assert f"--queue-wait {QUEUE_WAIT}" in " ".join(lab.emulator.process.options)


README_EXAMPLE = """
from datetime import datetime
from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.kernel.bridge import BridgeClient
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session

service = runtime_service()
backend = service.backend("fake_manila")
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)

with Session(backend=backend) as session:
    print("REGISTERED", BridgeClient.from_kernel().register(session.session_id)["kernel_id"])
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


async def test_a_kernel_of_the_server_runs_the_readme_example(lab):
    manager = lab.serverapp.kernel_manager
    kernel_id = await lab.start_kernel()
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
    text = "".join(output)
    assert reply["content"]["status"] == "ok", text
    assert f"REGISTERED {kernel_id}" in text  # the kernel's own bridge token was accepted
    waits_line = next(line for line in text.splitlines() if line.startswith("WAITS"))
    first, second, third = eval(waits_line.split(" ", 1)[1].rsplit(" ", 1)[0])
    assert first >= QUEUE_WAIT  # the first job queued ...
    assert second == third == 0  # ... the later ones ran at once, in the session
    assert waits_line.endswith("closed")

    await lab.sync()
    _, body = await lab.api("sessions")
    [session] = body["sessions"]
    assert session["kernel_id"] == kernel_id and session["state"] == "closed"
    assert [job["status"] for job in session["jobs"]] == ["DONE"] * 3
