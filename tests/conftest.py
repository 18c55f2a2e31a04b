"""Fixtures: a real emulator on a free loopback port, driven by a manual clock, and the
unmodified qiskit-ibm-runtime client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager

from jupyter_qsession.emulator import Emulator, EmulatorThread, ManualClock, runtime_service
from lab import Lab, server_config

pytest_plugins = ["pytest_jupyter.jupyter_server"]

QUEUE_WAIT = 30.0
OVERHEAD = 5.0
INTERACTIVE_TTL = 60
MANILA_REP_DELAY = 250e-6


def qpu_time(shots: int, circuits: int = 1) -> float:
    """A job's emulated QPU time on fake_manila: overhead + shots x circuits x rep delay."""
    return OVERHEAD + shots * circuits * MANILA_REP_DELAY


JOB = qpu_time(10)  # the 10-shot jobs most tests run
EPS = 1e-3  # slack for float sums of emulated times when a test waits for "done"


def start_emulator(**overrides) -> EmulatorThread:
    options = dict(
        clock=ManualClock(),
        queue_wait=QUEUE_WAIT,
        job_overhead=OVERHEAD,
        interactive_ttl=INTERACTIVE_TTL,
        api_key="test-key",
    )
    options.update(overrides)
    emu = EmulatorThread(Emulator(**options))
    emu.start()
    return emu


@pytest.fixture
def emu(request) -> Iterator[EmulatorThread]:
    """``@pytest.mark.emulator(execution_lanes=1, ...)`` passes arguments to ``Emulator``."""
    marker = request.node.get_closest_marker("emulator")
    emu = start_emulator(**(marker.kwargs if marker else {}))
    yield emu
    emu.stop()


@pytest.fixture
def service(emu):
    return runtime_service(emu.url, emu.emulator.api_key)


@pytest.fixture
def backend(service):
    return service.backend("fake_manila")


@pytest.fixture
def bell(backend):
    """A Bell-state circuit transpiled for the backend (an ISA circuit, as the service needs)."""
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)


@pytest.fixture
def zz_pub(backend):
    """An Estimator PUB: <ZZ> on a Bell state, laid out for the backend."""
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    return (isa, SparsePauliOp("ZZ").apply_layout(isa.layout))


class Rest:
    """Raw, authenticated HTTP against the emulator, for what the client never sends."""

    def __init__(self, url: str, api_key: str) -> None:
        self.base = f"{url}/api/v1"
        token = requests.post(
            f"{url}/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": api_key},
            timeout=10,
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method, f"{self.base}{path}", headers=self.headers, timeout=30, **kwargs
        )


@pytest.fixture
def rest(emu) -> Rest:
    return Rest(emu.url, emu.emulator.api_key)


# ----------------------------------------------------------------- a lab server under test
@pytest.fixture
def lab_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def jp_server_config(request, tmp_path, lab_clock):
    """``@pytest.mark.qsession(on_kernel_shutdown="cancel", ...)`` sets c.QSessionApp traits."""
    marker = request.node.get_closest_marker("qsession")
    config = server_config(tmp_path, lab_clock, **(marker.kwargs if marker else {}))
    emulator = request.node.get_closest_marker("emulator")
    config["QSessionEmulator"].update(emulator.kwargs if emulator else {})
    if request.node.get_closest_marker("single_user"):  # jupyter-server's own identities
        del config["ServerApp"]["identity_provider_class"], config["ServerApp"]["authorizer_class"]
    return config


@pytest.fixture
def lab(jp_serverapp, jp_fetch, jp_ws_fetch, jp_asyncio_loop):
    """The running server, its users, kernels and emulator clock (see tests/lab.py)."""
    lab = jp_asyncio_loop.run_until_complete(Lab(jp_serverapp, jp_fetch, jp_ws_fetch).ready())
    yield lab
    jp_asyncio_loop.run_until_complete(lab.shutdown_kernels())
