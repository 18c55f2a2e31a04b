"""Every way of stopping a lab is a clean stop (issue 18, item 5).

A real ``jupyter server`` process without a terminal (as under JupyterHub's spawners, process
managers and scripts), with a kernel whose session on the lab's own emulator has run a job, is
stopped by SIGINT, SIGTERM, SIGHUP, ``POST /api/shutdown`` or ``jupyter server stop``. Each
time the kernel policy ran (the registry row says closed, ``kernel_shutdown``, from the
service's answer), and nothing the lab started is left: the kernel, the emulator, its
simulation workers. One lab whose emulator another live lab still holds shows the close on the
service itself; one at a terminal keeps jupyter-server's Ctrl-C prompt; one whose emulator does
not answer ends at ``c.QSessionApp.stop_timeout``, a second signal notwithstanding.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from processes import LabProcess, alive, descendants, wait_for
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session

from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.server.models import SessionModel
from jupyter_qsession.server.registry import SessionRegistry
from jupyter_qsession.timing import to_iso
from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV

READ_ENV = f"import os; print(os.environ[{EMULATOR_URL_ENV!r}], os.environ[{EMULATOR_TOKEN_ENV!r}])"


@dataclass
class Running:
    """A lab with one kernel whose session on the lab's emulator ran a job."""

    lab: LabProcess
    kernel_id: str
    session: Session
    url: str  # the emulator's
    key: str  # the kernel owner's API key on it
    processes: list[int]  # everything below the lab: kernel, emulator, workers

    def registry_row(self) -> SessionModel:
        registry = SessionRegistry(self.lab.root / "sessions.sqlite")
        try:
            sessions = registry.load(now=to_iso(time.time())).sessions
        finally:
            registry.close()
        return next(s for s in sessions if s.id == self.session.session_id)


def running_lab(root: Path, *options: str, stdin: int | None = None) -> Running:
    lab = LabProcess(root, *options)
    if stdin is not None:
        lab.stdin = stdin
    lab.start()
    kernel_id, token = lab.start_kernel()
    url, key = lab.run(kernel_id, READ_ENV).split()
    backend = runtime_service(url, key).backend("fake_manila")
    session = Session(backend=backend)
    assert lab.register(kernel_id, token, session.session_id).status_code == 200
    circuit = QuantumCircuit(1)
    circuit.x(0)
    circuit.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
    SamplerV2(mode=session).run([isa], shots=10).result()  # a simulation worker is up
    assert lab.process is not None
    below = descendants(lab.process.pid)
    assert lab.emulator_pid() in below and len(below) >= 3, below  # kernel, emulator, worker
    return Running(lab, kernel_id, session, url, key, below)


def clean_stop(running: Running) -> None:
    """The lab exited by itself, the kernel policy closed the session, nothing is left."""
    lab = running.lab
    assert lab.process is not None
    try:
        assert lab.process.wait(timeout=60) == 0, lab.log_tail()
    finally:
        lab.stop()
    row = running.registry_row()
    assert (row.state, row.ended_reason) == ("closed", "kernel_shutdown"), lab.log_tail()
    wait_for(lambda: not [pid for pid in running.processes if alive(pid)])
    assert not (lab.emulator_dir / "labs" / str(lab.process.pid)).exists()  # its lease


def shutdown_api(lab: LabProcess) -> None:
    try:  # the server may stop before it answers
        lab.server("POST", "shutdown", timeout=60)
    except requests.ConnectionError:
        pass


def jupyter_server_stop(lab: LabProcess) -> None:
    """``jupyter server stop PORT``: it posts /api/shutdown, then polls the pid. The lab is
    reaped meanwhile (a zombie would look alive to it, and get its SIGTERM 5 s later)."""
    command = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "stop", str(lab.port)],
        env=lab.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert lab.process is not None
    lab.process.wait(timeout=60)
    output = command.communicate(timeout=60)[0].decode()
    assert command.returncode == 0, output


WAYS = {
    "SIGINT": lambda lab: lab.send_signal(signal.SIGINT),
    "SIGTERM": lambda lab: lab.send_signal(signal.SIGTERM),
    "SIGHUP": lambda lab: lab.send_signal(signal.SIGHUP),
    "POST /api/shutdown": shutdown_api,
    "jupyter server stop": jupyter_server_stop,
}


@pytest.mark.timeout(240)
@pytest.mark.parametrize("way", WAYS)
def test_every_way_of_stopping_closes_the_kernels_sessions_and_leaves_no_process(tmp_path, way):
    running = running_lab(tmp_path)
    WAYS[way](running.lab)
    clean_stop(running)


@pytest.mark.timeout(240)
def test_a_lab_stopped_by_sigint_without_a_terminal_closes_its_session_on_the_service(
    tmp_path,
):
    """Another live lab (here: this test's process) holds a lease on the emulator, so the
    stopping lab releases it without stopping it, and the service itself says closed."""
    running = running_lab(tmp_path)
    other_lab = running.lab.emulator_dir / "labs" / str(os.getpid())
    other_lab.touch()
    emulator_pid = running.lab.emulator_pid()
    try:
        running.lab.send_signal(signal.SIGINT)
        assert running.lab.process.wait(timeout=60) == 0, running.lab.log_tail()
        assert alive(emulator_pid)  # still serving the other lab
        service = runtime_service(running.url, running.key)
        details = Session.from_id(running.session.session_id, service).details()
        assert details["state"] == "closed" and details["accepting_jobs"] is False
    finally:
        other_lab.unlink()
        running.lab.stop()
        if alive(emulator_pid):
            os.kill(emulator_pid, signal.SIGTERM)
        wait_for(lambda: not alive(emulator_pid))


@pytest.mark.timeout(240)
def test_at_a_terminal_ctrl_c_asks_first_and_y_stops_cleanly(tmp_path):
    """jupyter-server's own prompt is kept: 'n' goes on serving, 'y' is the clean stop."""
    terminal, stdin = pty.openpty()
    try:
        running = running_lab(tmp_path, stdin=stdin)
        lab = running.lab
        for answer in ("n", "y"):
            asked = lab.log_tail(100_000).count("Shut down this Jupyter server")
            lab.send_signal(signal.SIGINT)
            wait_for(
                lambda n=asked: lab.log_tail(100_000).count("Shut down this Jupyter server") > n
            )
            os.write(terminal, f"{answer}\n".encode())
            if answer == "n":
                wait_for(lambda: "resuming operation" in lab.log_tail())
                # It puts its prompt back through the IO loop: let the loop turn (twice).
                for _ in range(2):
                    assert lab.get("sessions").status_code == 200
        clean_stop(running)
    finally:
        os.close(terminal)
        os.close(stdin)


def test_a_lab_started_under_nohup_still_ignores_sighup(tmp_path):
    """An ignored SIGHUP (nohup) is inherited across exec and stays ignored. Python runs
    pending signal handlers in signal-number order, so once SIGUSR1's (jupyter-server's info)
    has logged, a handled SIGHUP would have been acted on."""
    lab = LabProcess(tmp_path)
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        lab.spawn()
    finally:
        signal.signal(signal.SIGHUP, previous)
    try:
        lab.wait_until(lambda: lab.get("sessions").status_code == 200)
        lab.send_signal(signal.SIGHUP)
        lab.send_signal(signal.SIGUSR1)
        lab.wait_until(lambda: "active kernel" in lab.log_tail())
        assert "received signal" not in lab.log_tail(100_000)
        assert lab.get("sessions").status_code == 200
    finally:
        lab.stop()


@pytest.mark.timeout(240)
def test_a_stop_that_hangs_ends_within_stop_timeout_despite_a_second_signal(tmp_path):
    """The emulator does not answer (SIGSTOP): the session cannot be closed. The lab still
    ends, with status 1, saying what it left, and kills what it started."""
    running = running_lab(tmp_path, "--QSessionApp.stop_timeout=3")
    lab = running.lab
    emulator_pid = lab.emulator_pid()
    os.kill(emulator_pid, signal.SIGSTOP)
    try:
        lab.send_signal(signal.SIGTERM)
        wait_for(lambda: "closing session" in lab.log_tail())
        lab.send_signal(signal.SIGINT)
        lab.send_signal(signal.SIGTERM)
        assert lab.process.wait(timeout=60) == 1, lab.log_tail()
        log = lab.log_tail(100_000)
        assert "SIGINT during the stop: the stop goes on" in log
        assert "SIGTERM during the stop: the stop goes on" in log
        assert len(re.findall(r"Shutting down \d+ extensions", log)) == 1  # one cleanup
        assert "the stop did not finish within 3 s" in log
        assert f"session {running.session.session_id} of kernel {running.kernel_id}" in log
        wait_for(lambda: not [pid for pid in running.processes if alive(pid)])
    finally:
        lab.stop()
        if alive(emulator_pid):
            os.kill(emulator_pid, signal.SIGKILL)
