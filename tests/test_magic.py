"""``%%qsession`` in a real kernel started by the lab server: cells run their primitives (both
generations) in the kernel's session, reuse it, open a new one on demand, and the server sees
every one of them."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.emulator(queue_wait=0.2, job_overhead=0.05)

SETUP = """
%load_ext jupyter_qsession
from qiskit import QuantumCircuit
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import EstimatorV2, Executor, QuantumProgram, SamplerV2
from qiskit_ibm_runtime.executor_estimator import Estimator
from qiskit_ibm_runtime.executor_sampler import Sampler
"""

SAMPLE = """%%qsession {options}
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell())
counts = Sampler().run([isa], shots=20).result()[0].data.meas.get_counts()
print("SESSION", session.session_id, sum(counts.values()))
"""

BELL = """
def bell():
    qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
    return qc
"""

EVERY_PRIMITIVE = """%%qsession
pub = (isa.remove_final_measurements(inplace=False), SparsePauliOp("ZZ").apply_layout(isa.layout))
program = QuantumProgram(shots=20)
program.append_circuit_item(isa)
jobs = [
    Sampler().run([isa], shots=20),
    Estimator().run([pub]),
    Executor().run(program),
    SamplerV2().run([isa], shots=20),
    EstimatorV2().run([pub]),
]
for job in jobs:
    job.result()
    print("JOB", job.session_id, job.primitive_id)
"""


@pytest.fixture
def lab_clock():
    return None  # wall time: the kernel's client waits for real results


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    async def start():
        kernel_id = await lab.start_kernel()
        status, text = await lab.execute(kernel_id, SETUP + BELL)
        assert status == "ok", text
        return kernel_id

    return jp_asyncio_loop.run_until_complete(start())


async def sample(lab, kernel: str, options: str = "") -> tuple[str, str]:
    status, text = await lab.execute(kernel, SAMPLE.format(options=options))
    assert status == "ok", text
    line = next(line for line in text.splitlines() if line.startswith("SESSION"))
    _, session_id, shots = line.split()
    assert shots == "20"
    return session_id, text


def listing(text: str) -> list[list[str]]:
    """``%qsession list``'s table: its header row, then one row per session."""
    return [re.split(r"\s{2,}", line.strip()) for line in text.strip().splitlines()]


async def listed(lab, session_id: str) -> dict:
    await lab.sync()
    status, body = await lab.api(f"sessions/{session_id}")
    assert status == 200, body
    return body


async def test_a_cell_runs_its_primitives_in_a_session_the_server_lists(lab, kernel):
    session_id, text = await sample(lab, kernel, "--backend fake_manila")
    body = await listed(lab, session_id)
    assert body["kernel_id"] == kernel and body["backend"] == "fake_manila"
    assert body["mode"] == "dedicated" and body["state"] == "active"
    assert [(job["primitive"], job["status"]) for job in body["jobs"]] == [("executor", "DONE")]
    assert f"session {session_id} · active" in text  # the cell's status line
    assert "jobs of this cell: 1 executor DONE" in text


async def test_both_generations_of_primitives_run_in_the_cells_session(lab, kernel):
    """Created without a mode inside the cell, the client-side Sampler, Estimator and Executor
    and the deprecated SamplerV2 and EstimatorV2 all pick up the cell's session."""
    session_id, _ = await sample(lab, kernel, "--backend fake_manila")
    status, outputs = await lab.outputs(kernel, EVERY_PRIMITIVE)
    text = "".join(text for _, text in outputs)
    assert status == "ok", text
    # On stderr only the cell's own use of the deprecated classes: two warnings, each followed
    # by the line of the cell it names; nothing from the magic or about the session context.
    stderr = "".join(text for kind, text in outputs if kind == "stderr").splitlines()
    assert len(stderr) == 4, stderr
    warned = [line.split(": ", 2)[1:] for line in stderr[::2]]
    assert [(category, message.split()[1]) for category, message in warned] == [
        ("DeprecationWarning", "SamplerV2"),
        ("DeprecationWarning", "EstimatorV2"),
    ]
    jobs = [line.split()[1:] for line in text.splitlines() if line.startswith("JOB")]
    assert jobs == [
        [session_id, "executor"],  # Sampler
        [session_id, "executor"],  # Estimator
        [session_id, "executor"],  # Executor
        [session_id, "sampler"],  # SamplerV2
        [session_id, "estimator"],  # EstimatorV2
    ]
    assert "jobs of this cell: 3 executor DONE, 1 sampler DONE, 1 estimator DONE" in text
    status, text = await lab.execute(kernel, "%qsession list")
    assert listing(text)[1][3:] == ["active", "4 executor DONE, 1 sampler DONE, 1 estimator DONE"]
    primitives = [job["primitive"] for job in (await listed(lab, session_id))["jobs"]]
    assert primitives == ["estimator", "sampler", "executor", "executor", "executor", "executor"]


async def test_a_fresh_kernels_first_cell_prints_no_warning(lab):
    """Nothing on stderr: not the client's notice about the emulator's token, which the magic
    passes on purpose, nor any warning about the session context."""
    kernel = await lab.start_kernel()
    status, outputs = await lab.outputs(kernel, SETUP + BELL)
    assert status == "ok" and outputs == [], outputs
    status, outputs = await lab.outputs(kernel, SAMPLE.format(options="--backend fake_manila"))
    assert status == "ok", outputs
    printed = [(kind, text.split()[0]) for kind, text in outputs if kind != "display"]
    assert printed == [("stdout", "SESSION")], outputs  # the cell's own print, nothing else


async def test_the_next_cell_reuses_the_session(lab, kernel):
    first, _ = await sample(lab, kernel, "--backend fake_manila")
    second, _ = await sample(lab, kernel)
    estimate = """%%qsession
pub = (isa.remove_final_measurements(inplace=False), SparsePauliOp("ZZ").apply_layout(isa.layout))
print("EV", round(float(Estimator().run([pub]).result()[0].data.evs), 1))
"""
    status, text = await lab.execute(kernel, estimate)
    assert status == "ok" and ("EV 1.0" in text or "EV 0.9" in text), text
    assert first == second
    assert len((await listed(lab, first))["jobs"]) == 3


async def test_new_closes_the_old_session_and_opens_another(lab, kernel):
    first, _ = await sample(lab, kernel, "--backend fake_manila")
    second, _ = await sample(lab, kernel, "--new")
    assert second != first
    assert (await listed(lab, first))["accepting_jobs"] is False
    assert (await listed(lab, second))["accepting_jobs"] is True


async def test_close_ends_the_session_with_the_cell(lab, kernel):
    session_id, text = await sample(lab, kernel, "--backend fake_manila --close")
    assert (await listed(lab, session_id))["state"] == "closed"
    status, text = await lab.execute(kernel, "%qsession status")
    assert "No session is open in this kernel." in text


async def test_batch_mode_and_max_time(lab, kernel):
    session_id, _ = await sample(lab, kernel, "--backend fake_manila --mode batch --max-time 2m")
    body = await listed(lab, session_id)
    assert body["mode"] == "batch" and body["max_time"] == 120


async def test_shutting_the_kernel_down_closes_its_session(lab, kernel):
    session_id, _ = await sample(lab, kernel, "--backend fake_manila")
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel)
    await lab.serverapp.event_logger.gather_listeners()
    body = await listed(lab, session_id)
    assert body["state"] == "closed" and body["ended_reason"] == "kernel_shutdown"


async def test_line_magics(lab, kernel):
    session_id, _ = await sample(lab, kernel, "--backend fake_manila")
    status, text = await lab.execute(kernel, "%qsession list")
    assert listing(text) == [
        ["session", "backend", "mode", "state", "jobs"],
        [session_id, "fake_manila", "session", "active", "1 executor DONE"],
    ]
    status, text = await lab.execute(kernel, "%qsession")
    assert f"session {session_id} · active" in text
    status, text = await lab.execute(kernel, "%qsession cancel")
    assert f"Session {session_id} cancelled: queued jobs are cancelled." in text
    assert (await listed(lab, session_id))["ended_reason"] == "cancelled"
    status, text = await lab.execute(kernel, "%qsession frobnicate")
    assert "Usage: %qsession" in text and "Traceback" not in text


async def test_list_all_adds_the_accounts_other_open_sessions(lab, kernel):
    mine, _ = await sample(lab, kernel, "--backend fake_manila")
    theirs = await lab.open_session()  # e.g. a script's, with a job of its own
    await lab.submit(theirs)
    status, text = await lab.execute(kernel, "%qsession list --all")
    assert status == "ok", text
    header, *rows = listing(text)
    assert header == ["session", "backend", "mode", "state", "origin", "TTL left", "jobs"]
    by_id = {row[0]: row for row in rows}
    assert by_id[mine][1:5] == ["fake_manila", "session", "active", "this kernel"]
    assert by_id[mine][6] == "1 executor DONE"
    assert by_id[theirs.session_id][4] == "elsewhere"
    assert by_id[theirs.session_id][6] in ("1 sampler QUEUED", "1 sampler RUNNING",
                                           "1 sampler DONE")  # fmt: skip
    status, text = await lab.execute(kernel, "%qsession list")  # as before: this kernel's
    assert [row[0] for row in listing(text)[1:]] == [mine]


async def test_use_attaches_to_a_session_opened_elsewhere(lab, kernel):
    other = await lab.start_kernel()
    status, text = await lab.execute(other, SETUP + BELL)
    theirs, _ = await sample(lab, other, "--backend fake_manila")
    status, text = await lab.execute(kernel, f"%qsession use {theirs}")
    assert f"This kernel now uses session {theirs} on fake_manila." in text
    assert "another kernel" in text  # the server keeps it under the kernel that opened it
    mine, _ = await sample(lab, kernel)
    assert mine == theirs


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--backend fake_manla", "Unknown backend 'fake_manla'. Did you mean fake_manila"),
        ("--backend fake_manila --max-time 15x", "Bad duration '15x'"),
        ("--backend fake_manila --mode turbo", "argument --mode: invalid choice"),
        ("", "No session is open in this kernel: name a backend"),
    ],
)
async def test_errors_are_one_short_message(lab, kernel, options, message):
    status, text = await lab.execute(kernel, SAMPLE.format(options=options))
    assert message in text and "Traceback" not in text, text
    assert "SESSION" not in text  # the cell did not run


async def test_an_ended_session_says_to_use_new(lab, kernel):
    session_id, _ = await sample(lab, kernel, "--backend fake_manila")
    await lab.api(f"sessions/{session_id}/cancel", "POST")
    status, text = await lab.execute(kernel, SAMPLE.format(options=""))
    assert f"Session {session_id} has ended (cancelled)" in text and "--new" in text
    assert "Traceback" not in text
    again, _ = await sample(lab, kernel, "--new")
    assert again != session_id


async def test_an_unreachable_service_is_one_message(lab):
    kernel = await lab.start_kernel()
    status, text = await lab.execute(
        kernel, "%env QSESSION_EMULATOR_URL=http://127.0.0.1:9\n" + SETUP + BELL
    )
    status, text = await lab.execute(kernel, SAMPLE.format(options="--backend fake_manila"))
    assert "is unreachable" in text and "Traceback" not in text, text


@pytest.mark.emulator(plan="open", queue_wait=0.2, job_overhead=0.05)
async def test_the_open_plan_says_jobs_run_in_job_mode_and_runs_them(lab, kernel):
    session_id, text = await sample(lab, kernel, "--backend fake_manila")
    assert "Open plan: sessions are not available" in text
    assert [job["status"] for job in (await listed(lab, session_id))["jobs"]] == ["DONE"]


def test_outside_a_lab_server_it_works_and_says_nothing_will_close_it(monkeypatch):
    """nbclient (as papermill or a CI job would run a notebook) against a standalone emulator."""
    import nbformat
    from nbclient import NotebookClient

    from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock

    with EmulatorThread(
        Emulator(clock=WallClock(), queue_wait=0.2, job_overhead=0.05, api_key="nb-key")
    ) as emulator:
        monkeypatch.delenv("QSESSION_BRIDGE_URL", raising=False)
        monkeypatch.setenv("QSESSION_EMULATOR_URL", emulator.url)
        monkeypatch.setenv("QSESSION_EMULATOR_TOKEN", "nb-key")
        notebook = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_code_cell(SETUP + BELL),
                nbformat.v4.new_code_cell(SAMPLE.format(options="--backend fake_manila")),
                nbformat.v4.new_code_cell("%qsession list"),
                nbformat.v4.new_code_cell(SAMPLE.format(options="--close")),
            ]
        )
        NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
        texts = [
            "".join(out.get("text", "") + out.get("data", {}).get("text/plain", "") for out in
                    cell.outputs)
            for cell in notebook.cells
        ]  # fmt: skip
        first = texts[1].split("SESSION ")[1].split()[0]
        second = texts[3].split("SESSION ")[1].split()[0]
        assert "Not in a JupyterLab kernel: nothing will close session" in texts[1]
        assert f"{first} on fake_manila  jobs: 1 executor DONE" in texts[2]
        assert first == second
        assert emulator.call(lambda: emulator.emulator.scheduler.session(first).state) == "closed"


@pytest.mark.qsession(load_magic_in_kernels=True)
async def test_the_server_can_load_the_magic_in_every_kernel(lab):
    kernel = await lab.start_kernel()
    await lab.serverapp.event_logger.gather_listeners()
    status, text = await lab.execute(
        kernel, "%%qsession --backend fake_manila\nprint('IN', session.session_id)"
    )
    assert status == "ok" and "IN " in text, text


async def test_by_default_the_magic_is_loaded_by_the_notebook(lab):
    kernel = await lab.start_kernel()
    await lab.serverapp.event_logger.gather_listeners()
    status, text = await lab.execute(kernel, "%%qsession --backend fake_manila\nprint('IN')")
    assert "Cell magic `%%qsession` not found" in text
