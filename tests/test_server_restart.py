"""A lab server killed with SIGKILL and started again still knows its sessions.

These tests run ``jupyter server`` as a real process (the only way to SIGKILL it). Sessions on
a service that outlives the server — IBM's, a standalone emulator through the ``ibm``
provider, or the lab's own emulator process — are reattached; their kernel died with the
server, so the kernel policy closes them (queued jobs still run).
"""

from __future__ import annotations

import json
import os
import signal

import pytest
import requests
from processes import TOKEN, LabProcess, remote_account_only, run_in_kernel, wait_for
from qiskit_ibm_runtime import Session

from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock, runtime_service


def wait_until_closed(lab: LabProcess, session_id: str) -> dict:
    """The session as the lab lists it once it is closed."""
    return wait_for(
        lambda: (body := lab.get(f"sessions/{session_id}").json())["state"] == "closed" and body
    )


@pytest.fixture
def remote_emulator():
    emulator = EmulatorThread(
        Emulator(clock=WallClock(), queue_wait=0.2, job_overhead=0.05, api_key="remote-key")
    )
    emulator.start()
    yield emulator
    emulator.stop()


def test_a_killed_server_reattaches_to_sessions_that_outlived_it(tmp_path, remote_emulator):
    options = (
        *remote_account_only(tmp_path / "qiskit-ibm.json", remote_emulator.url, "remote-key"),
        "--RuntimeServiceProvider.refresh_interval=0.1",
    )
    lab = LabProcess(tmp_path, *options).start()
    try:
        kernel_id, token = lab.start_kernel()
        service = runtime_service(remote_emulator.url, "remote-key")
        session = Session(backend=service.backend("fake_manila"))
        assert lab.register(kernel_id, token, session.session_id).status_code == 200
        listed = lab.get(f"sessions/{session.session_id}").json()
        assert listed["kernel_id"] == kernel_id and listed["account"]["name"] == "remote"
        assert listed["accepting_jobs"] is True

        lab.kill()
        lab.start()
        # Still known; its kernel is gone, so the default policy closed it on the service.
        ended = wait_until_closed(lab, session.session_id)
        assert ended["kernel_id"] == kernel_id and ended["ended_reason"] == "kernel_died"
        assert session.details()["state"] == "closed"
    finally:
        lab.stop()


OPEN_AND_SUBMIT = """
from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.kernel.bridge import BridgeClient
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session
backend = runtime_service().backend("fake_manila")
qc = QuantumCircuit(1)
qc.x(0)
qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
session = Session(backend=backend)
BridgeClient.from_kernel().register(session.session_id)
jobs = [SamplerV2(mode=session).run([isa], shots=10).job_id() for _ in range(3)]
print(session.session_id)
"""


def test_a_killed_lab_finds_its_emulator_still_running_the_session(tmp_path):
    """kill -9 of the lab: the emulator is its own process and keeps the session and its
    queued jobs; the lab started again reattaches (nothing is "provider_lost"), the queued
    jobs finish, and the kernel policy closes the session whose kernel died with the lab."""
    lab = LabProcess(tmp_path, "--QSessionEmulator.queue_wait=3").start()
    info = tmp_path / "emulator" / "emulator.json"
    try:
        kernel_id, _ = lab.start_kernel()
        session_id = run_in_kernel(tmp_path, kernel_id, OPEN_AND_SUBMIT)
        listed = lab.get(f"sessions/{session_id}").json()
        assert [job["status"] for job in listed["jobs"]] == ["QUEUED"] * 3
        emulator_pid = json.loads(info.read_text())["pid"]

        lab.kill()
        lab.start()
        assert json.loads(info.read_text())["pid"] == emulator_pid  # the same emulator
        ended = wait_until_closed(lab, session_id)
        assert ended["ended_reason"] == "kernel_died" and ended["kernel_id"] == kernel_id
        assert [job["status"] for job in ended["jobs"]] == ["DONE"] * 3
    finally:
        lab.stop()
        wait_for(lambda: not info.exists())  # the last lab to stop stops the emulator


def test_an_unreachable_service_is_a_424_and_loses_nothing(tmp_path, remote_emulator):
    lab = LabProcess(
        tmp_path,
        *remote_account_only(tmp_path / "qiskit-ibm.json", remote_emulator.url, "remote-key"),
    ).start()
    try:
        kernel_id, token = lab.start_kernel()
        service = runtime_service(remote_emulator.url, "remote-key")
        session = Session(backend=service.backend("fake_manila"))
        lab.register(kernel_id, token, session.session_id)
        remote_emulator.stop()

        reply = requests.post(
            f"{lab.url}/qsession/api/sessions/{session.session_id}/close",
            headers={"Authorization": f"token {TOKEN}"},
            timeout=60,
        )
        assert reply.status_code == 424 and "unreachable" in reply.json()["message"]
        still = lab.get(f"sessions/{session.session_id}").json()
        assert still["state"] == "open" and still["accepting_jobs"] is True
    finally:
        lab.stop()


def test_a_session_keeps_its_notebooks_name_across_a_server_restart(tmp_path, remote_emulator):
    lab = LabProcess(
        tmp_path,
        *remote_account_only(tmp_path / "qiskit-ibm.json", remote_emulator.url, "remote-key"),
        "--RuntimeServiceProvider.refresh_interval=0.1",
    ).start()
    (tmp_path / "work").mkdir()
    try:
        kernel_id, token = lab.start_notebook_kernel("work/vqe.ipynb")
        service = runtime_service(remote_emulator.url, "remote-key")
        session = Session(backend=service.backend("fake_manila"))
        assert lab.register(kernel_id, token, session.session_id).ok
        assert lab.get(f"sessions/{session.session_id}").json()["notebook"] == "work/vqe.ipynb"

        lab.kill()
        lab.start()
        ended = wait_until_closed(lab, session.session_id)
        # The kernel died with the server; the notebook's name did not.
        assert ended["ended_reason"] == "kernel_died"
        assert ended["notebook"] == "work/vqe.ipynb"
    finally:
        lab.stop()


def test_jobs_of_a_session_the_service_lost_are_unknown_not_queued_forever(tmp_path):
    """The lab and its emulator both die, and the emulator's state with them: the lab started
    again ends the session as provider_lost, and its unfinished jobs say UNKNOWN (no service
    will ever finish them), while the notebook's name stays."""
    lab = LabProcess(tmp_path, "--QSessionEmulator.queue_wait=3600").start()
    info = tmp_path / "emulator" / "emulator.json"
    try:
        kernel_id, _ = lab.start_notebook_kernel("lost.ipynb")
        session_id = run_in_kernel(tmp_path, kernel_id, OPEN_AND_SUBMIT)
        listed = lab.get(f"sessions/{session_id}").json()
        assert [job["status"] for job in listed["jobs"]] == ["QUEUED"] * 3

        lab.kill()
        os.kill(json.loads(info.read_text())["pid"], signal.SIGKILL)
        for name in ("emulator.json", "emulator.sqlite", "emulator.sqlite-wal"):
            (tmp_path / "emulator" / name).unlink(missing_ok=True)
        lab.start()

        lost = lab.get(f"sessions/{session_id}").json()
        assert lost["state"] == "closed" and lost["ended_reason"] == "provider_lost"
        assert [job["status"] for job in lost["jobs"]] == ["UNKNOWN"] * 3
        assert all(job["queue_position"] is None for job in lost["jobs"])
        assert lost["notebook"] == "lost.ipynb"
    finally:
        lab.stop()
