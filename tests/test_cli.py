"""``jupyter qsession emulator`` runs the emulator standalone on wall time."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session

from jupyter_qsession.emulator import runtime_service


@pytest.fixture
def cli_emulator():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_qsession.cli",
            "emulator",
            "--port",
            "0",
            "--queue-wait",
            "0.2",
            "--job-overhead",
            "0.05",
            "--interactive-timeout",
            "5",
            "--token",
            "cli-key",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = proc.stdout.readline().strip()
    yield proc, url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


def test_cli_prints_its_url_and_serves_the_client(cli_emulator):
    proc, url = cli_emulator
    assert url.startswith("http://127.0.0.1:")
    backend = runtime_service(url, "cli-key").backend("fake_manila")
    qc = QuantumCircuit(1)
    qc.x(0)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    with Session(backend=backend) as session:
        sampler = SamplerV2(mode=session)
        first = sampler.run([isa], shots=50).result()
        second = sampler.run([isa], shots=50).result()
        assert session.details()["state"] == "active"
    assert first[0].data.meas.num_shots == second[0].data.meas.num_shots == 50
    assert proc.poll() is None


def test_cli_stops_cleanly_on_sigterm(cli_emulator):
    proc, _ = cli_emulator
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


@pytest.mark.parametrize(
    "args", [["--plan", "free"], ["--queue-wait", "-1"], ["--interactive-timeout", "soon"]]
)
def test_cli_rejects_bad_options(args):
    # Through the installed ``jupyter qsession`` entry point, as users type it.
    done = subprocess.run(
        ["jupyter", "qsession", "emulator", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "error" in done.stderr


def test_an_emulator_whose_labs_all_died_exits(tmp_path):
    """A lab killed with SIGKILL leaves its emulator running for the next lab; if none comes
    within the grace period, the emulator exits instead of running forever."""
    leases = tmp_path / "labs"
    leases.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (leases / str(dead.pid)).touch()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_qsession.cli", "emulator", "--token", "k",
         "--lease-dir", str(leases), "--orphan-grace", "1",
         "--state", str(tmp_path / "state.sqlite")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout.readline().startswith("http://127.0.0.1:")
    assert proc.wait(timeout=30) == 0
