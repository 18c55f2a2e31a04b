"""Lab servers beside each other, as real processes: one sharing another's registry leaves the
other's live sessions alone at its start, and one started after a session was opened on the
account finds it (the emulator's feed does not replay it) within one refresh (issue 13)."""

from __future__ import annotations

import os
import subprocess
import sys

from test_server_restart import OPEN_AND_SUBMIT, LabProcess, run_in_kernel, wait_for

from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV

# A script beside the lab: a session with one job (discovery finds sessions by their jobs; one
# without any cannot be found on IBM's service either: jupyter_qsession/client/discovery.py).
SCRIPT = """
from jupyter_qsession.emulator import runtime_service
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session
backend = runtime_service().backend("fake_manila")
qc = QuantumCircuit(1)
qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
session = Session(backend=backend)
SamplerV2(mode=session).run([isa], shots=10).result()
print(session.session_id)
"""
ACCOUNT = f"import os; print(os.environ['{EMULATOR_URL_ENV}'], os.environ['{EMULATOR_TOKEN_ENV}'])"


def test_a_second_lab_sharing_the_registry_leaves_the_first_labs_live_sessions_alone(tmp_path):
    first = LabProcess(tmp_path).start()
    second = LabProcess(tmp_path)  # the same registry file and the same emulator
    try:
        kernel_id, _ = first.start_kernel()
        session_id = run_in_kernel(tmp_path, kernel_id, OPEN_AND_SUBMIT)
        second.start()  # answers once its start-up policies ran

        for lab in (second, first):
            seen = lab.get(f"sessions/{session_id}").json()
            assert (seen["kernel_id"], seen["origin"]) == (kernel_id, "kernel")
            assert (seen["state"], seen["accepting_jobs"]) != ("closed", False)
            assert seen["accepting_jobs"] is True and seen["ended_reason"] is None
            assert seen["lab_pid"] == first.process.pid
    finally:
        second.stop()
        first.stop()


def test_a_lab_started_later_finds_the_accounts_open_sessions_within_one_refresh(tmp_path):
    first = LabProcess(tmp_path).start()
    # Its own registry, the first lab's emulator (the folder it keeps its state and URL in).
    (tmp_path / "later").mkdir()
    (tmp_path / "later" / "emulator").symlink_to(tmp_path / "emulator")
    later = LabProcess(tmp_path / "later", "--EmulatorProvider.refresh_interval=0.2")
    try:
        kernel_id, _ = first.start_kernel()
        url, key = run_in_kernel(tmp_path, kernel_id, ACCOUNT).split()
        env = dict(os.environ, **{EMULATOR_URL_ENV: url, EMULATOR_TOKEN_ENV: key})
        script = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
        )
        assert script.returncode == 0, script.stderr
        session_id = script.stdout.strip()

        later.start()
        found = wait_for(
            lambda: [s for s in later.get("sessions?origin=elsewhere").json()["sessions"]]
        )
        assert [s["id"] for s in found] == [session_id]
        assert found[0]["kernel_id"] is None and found[0]["state"] != "closed"
        # The first lab heard of it on the feed as it was opened.
        assert first.get(f"sessions/{session_id}").json()["origin"] == "elsewhere"
    finally:
        later.stop()
        first.stop()
