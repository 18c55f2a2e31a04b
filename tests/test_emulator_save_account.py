"""``jupyter qsession emulator --save-account NAME``: a standalone emulator saved as a
qiskit-ibm-runtime account the way a user saves one, holding the OS user's key; the account read
back (client/accounts_file.py) is recognized (emulator_probe) and served (account_service)."""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2, Session

from conftest import Rest
from jupyter_qsession.client.account_service import service_for
from jupyter_qsession.client.accounts_file import read_account_file
from jupyter_qsession.client.emulator_probe import service_kind
from jupyter_qsession.emulator.instance import INSTANCE_CRN

OPERATOR = "save-account-operator"
ROOT = Path(__file__).parents[1]


def emulator_command(*extra: str) -> list[str]:
    return [
        sys.executable, "-m", "jupyter_qsession.cli", "emulator", "--port", "0",
        "--token", OPERATOR, "--queue-wait", "0.2", "--job-overhead", "0.05",
        "--simulation-workers", "1", *extra,
    ]  # fmt: skip


@pytest.fixture
def saved(tmp_path) -> Iterator[tuple[str, str, Path]]:
    """A standalone emulator saved as the default account 'bench-emu' in a temporary file."""
    path = tmp_path / "qiskit-ibm.json"
    proc = subprocess.Popen(
        emulator_command("--save-account", "bench-emu", "--default", "--account-file", str(path)),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip()
    said = proc.stdout.readline().strip()
    yield url, said, path
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def test_the_saved_account_is_the_emulator_with_the_os_users_key(saved):
    url, said, path = saved
    assert url.startswith("http://127.0.0.1:")
    assert (
        said == f"Saved as qiskit-ibm-runtime account 'bench-emu' (the default account) in {path}"
    )
    read = read_account_file(path)
    assert read.warnings == ()
    (spec,) = read.specs
    assert (spec.name, spec.url, spec.instance, spec.is_default) == (
        "bench-emu",
        url,
        INSTANCE_CRN,
        True,
    )
    assert spec.channel == "ibm_quantum_platform"
    # The key is the OS user's, as the operator hands it out (what the lab's kernels get).
    users_key = Rest(url, OPERATOR)("POST", f"/qsession/users/{getpass.getuser()}/key", json={})
    assert users_key.json()["api_key"] == spec.token
    # Saved by the client itself: the client finds it by name in that file.
    found = QiskitRuntimeService.saved_accounts(filename=str(path), name="bench-emu")
    assert found["bench-emu"]["url"] == url


def test_the_saved_account_serves_backends_and_sessions(saved, monkeypatch):
    url, _, path = saved
    monkeypatch.delenv("IAM_URL", raising=False)
    (spec,) = read_account_file(path).specs
    assert service_kind(spec.url) == "emulator"
    service = service_for(spec, "emulator")
    assert "IAM_URL" not in os.environ  # the next account's key is not traded at this emulator
    assert "fake_manila" in [b.name for b in service.backends()]
    backend = service.backend("fake_manila")
    qc = QuantumCircuit(1)
    qc.x(0)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    with Session(backend=backend) as session:
        details = session.details()
        assert details["id"] == session.session_id
        assert details["backend_name"] == "fake_manila"
        result = SamplerV2(mode=session).run([isa], shots=20).result()
    assert result[0].data.meas.num_shots == 20
    views = Rest(url, OPERATOR)("GET", f"/qsession/sessions/{session.session_id}").json()
    assert views["user_id"] == getpass.getuser()


def test_service_for_puts_iam_url_back_as_it_was(saved, monkeypatch):
    _, _, path = saved
    monkeypatch.setenv("IAM_URL", "https://iam.test.cloud.ibm.com")
    service_for(read_account_file(path).specs[0], "emulator")
    assert os.environ["IAM_URL"] == "https://iam.test.cloud.ibm.com"


def test_default_and_account_file_need_save_account():
    done = subprocess.run(
        emulator_command("--default"), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "--default and --account-file go with --save-account NAME" in done.stderr


def test_an_account_file_that_cannot_be_written_is_one_line_and_exit_1(tmp_path):
    folder = tmp_path / "a-folder"  # where the file should be: a folder cannot be written as one
    folder.mkdir()
    done = subprocess.run(
        emulator_command("--save-account", "x", "--account-file", str(folder)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("jupyter qsession emulator: cannot save account 'x': ")
    assert done.stderr.count("\n") == 1, done.stderr
