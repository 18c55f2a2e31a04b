"""``jupyter qsession list|close|cancel`` as a user runs it in a terminal: the real command in
its own process, against a real lab server (found in the runtime dir, as ``jupyter server
list`` finds it) and straight against an emulator; its exit status and ``--json``."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys

import pytest
from qiskit_ibm_runtime import SamplerV2, Session

from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock, runtime_service
from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from lab import TOKENS

pytestmark = pytest.mark.emulator(queue_wait=0.2, job_overhead=0.05)

# A plain Python process (not a kernel of the lab) that leaves an idle session open: one job
# run to the end, then it exits without closing the session.
SCRIPT = """
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session
from jupyter_qsession.emulator import runtime_service

service = runtime_service()  # $QSESSION_EMULATOR_URL and $QSESSION_EMULATOR_TOKEN
backend = service.backend("fake_manila")
qc = QuantumCircuit(1)
qc.x(0)
qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
session = Session(backend=backend)
SamplerV2(mode=session).run([isa], shots=10).result()
print(session.session_id)
"""


@pytest.fixture
def lab_clock():
    return None  # wall time: the script's job runs to the end by itself


@pytest.fixture
def jp_server_config(jp_server_config):
    """The server's runtime file carries alice's token, as a lab started by alice would."""
    jp_server_config["IdentityProvider"] = {"token": TOKENS["alice"]}
    return jp_server_config


async def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``python -m jupyter_qsession.cli ARGS`` without a terminal: (status, stdout, stderr).
    Awaited, so the lab server (on this test's loop) answers it meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jupyter_qsession.cli", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 180)
    return process.returncode, out.decode(), err.decode()


async def run_json(*args: str, env: dict[str, str] | None = None):
    status, out, err = await run(*args, "--json", env=env)
    assert status == 0, err
    return json.loads(out)


async def script_session(env: dict[str, str] | None = None) -> str:
    """The id of the idle session a separate Python process left open."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode == 0, err.decode()
    return out.decode().split()[-1]


# ----------------------------------------------------------------- through the lab server
async def test_list_shows_the_kernels_sessions_and_with_all_the_accounts(lab):
    kernel = await lab.start_kernel()
    ours = await lab.open_session()
    await lab.register(kernel, ours.session_id)
    theirs = await script_session()
    await lab.sync()

    listed = await run_json("list")
    assert [s["id"] for s in listed["sessions"]] == [ours.session_id]
    every = {s["id"]: s for s in (await run_json("list", "--all"))["sessions"]}
    assert every[ours.session_id]["origin"] == "kernel"
    assert every[ours.session_id]["kernel_id"] == kernel
    assert every[theirs]["origin"] == "elsewhere"

    status, table, notes = await run("list", "--all")
    assert status == 0, notes
    header, *rows = table.splitlines()
    assert header.split() == ["session", "backend", "mode", "state", "origin", "TTL", "left",
                              "jobs"]  # fmt: skip
    row = next(row for row in rows if row.startswith(theirs)).split()
    # session, backend, mode, state (its job ran: active), origin, max TTL left, its job
    assert row[1:5] == ["fake_manila", "session", "active", "elsewhere"]
    assert row[-3:] == ["1", "sampler", "DONE"]


async def test_close_idle_asks_then_closes_an_idle_session_a_script_left_open(lab):
    forgotten = await script_session()
    await lab.sync()

    # No terminal to ask in and no --yes: a usage error, and nothing is closed.
    status, out, err = await run("close", "--idle")
    assert status == 2 and "--yes" in err and forgotten in err, err
    assert (await lab.api(f"sessions/{forgotten}"))[1]["accepting_jobs"] is True

    result = await run_json("close", "--idle", "--yes")
    assert [s["id"] for s in result["closed"]] == [forgotten]
    assert result["skipped"] == []
    await lab.sync()
    _, body = await lab.api(f"sessions/{forgotten}")
    assert body["accepting_jobs"] is False and body["origin"] == "elsewhere"

    status, out, _ = await run("close", "--idle", "--yes")
    assert (status, out.strip()) == (0, "No idle session: nothing to close.")


async def test_close_and_cancel_by_id_and_what_their_exit_status_says(lab):
    session = await lab.open_session()
    await lab.register(await lab.start_kernel(), session.session_id)

    status, out, err = await run("close", session.session_id)
    assert status == 0, err
    assert out.strip() == f"Session {session.session_id} closed: queued jobs still run."
    await lab.sync()
    assert (await lab.api(f"sessions/{session.session_id}"))[1]["accepting_jobs"] is False

    status, _, err = await run("close", session.session_id)  # nothing left to do
    assert status == 3 and "already" in err, err
    status, _, err = await run("cancel", "no-such-session")
    assert status == 3, err
    status, _, err = await run("close")  # neither an id nor --idle
    assert status == 2 and "SESSION_ID or --idle" in err
    status, _, err = await run("list", "--server", lab.serverapp.connection_url,
                               "--token", "not-a-token")  # fmt: skip
    assert status == 1, err
    status, _, err = await run("list", "--server", "http://127.0.0.1:9")
    assert status == 1 and "did not answer" in err, err


async def test_server_and_token_choose_the_lab_server(lab, tmp_path):
    session = await lab.open_session()
    await lab.register(await lab.start_kernel(), session.session_id)
    # No runtime file to find it by: the URL and token given are enough.
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "elsewhere")}
    url = lab.serverapp.connection_url
    listed = await run_json("list", "--server", url, "--token", TOKENS["alice"], env=env)
    assert [s["id"] for s in listed["sessions"]] == [session.session_id]


# ----------------------------------------------------------------- straight to the service
@pytest.fixture
def standalone():
    """An emulator on wall time with no lab server anywhere (an empty runtime dir)."""
    with EmulatorThread(
        Emulator(clock=WallClock(), queue_wait=0.2, job_overhead=0.05, api_key="cli-key")
    ) as emulator:
        yield emulator


async def test_without_a_lab_server_it_asks_the_emulator(standalone, tmp_path):
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        EMULATOR_URL_ENV: standalone.url,
        EMULATOR_TOKEN_ENV: "cli-key",
    }
    forgotten = await script_session(env)
    status, table, notes = await run("list", env=env)
    assert status == 0 and f"asking the emulator at {standalone.url}" in notes, notes
    assert [line.split()[:5] for line in table.splitlines()[1:]] == [
        [forgotten, "fake_manila", "session", "active", "elsewhere"]
    ]
    result = await run_json("close", "--idle", "--yes", env=env)
    assert [s["id"] for s in result["closed"]] == [forgotten]
    assert (await run_json("list", env=env))["sessions"] == []
    status, _, err = await run("cancel", forgotten, env=env)
    assert status == 3 and "already ended" in err, err
    status, _, err = await run("close", "nothing-like-it", env=env)
    assert status == 3 and "No session nothing-like-it" in err, err


async def test_close_idle_at_a_terminal_lists_and_asks_first(standalone, tmp_path):
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        EMULATOR_URL_ENV: standalone.url,
        EMULATOR_TOKEN_ENV: "cli-key",
    }
    forgotten = await script_session(env)
    status, out, _ = await at_a_terminal("n\n", "close", "--idle", env=env)
    assert status == 3 and forgotten in out and "Close these 1 idle session(s)?" in out, out
    assert [s["id"] for s in (await run_json("list", env=env))["sessions"]] == [forgotten]
    status, out, _ = await at_a_terminal("y\n", "close", "--idle", env=env)
    assert status == 0 and f"Closed session {forgotten} on fake_manila." in out, out


async def at_a_terminal(answer: str, *args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """As :func:`run`, with a terminal as stdin on which ``answer`` is typed."""
    typist, terminal = os.openpty()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "jupyter_qsession.cli", *args, stdin=terminal,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        os.write(typist, answer.encode())  # the terminal keeps the line until it is read
        out, err = await asyncio.wait_for(process.communicate(), 180)
    finally:
        os.close(terminal)
        os.close(typist)
    return process.returncode, out.decode(), err.decode()


async def test_direct_finds_the_emulator_a_lab_left_running_in_its_dir(lab, tmp_path):
    """--direct with the lab's emulator dir: the emulator's info file, and the OS user's key
    asked for with the lab's operator key (the OS user is a lab's default owner)."""
    user_key = (await lab.service_call("POST", f"/api/v1/qsession/users/{getpass.getuser()}/key",
                                       {}))["api_key"]  # fmt: skip
    session_id = await asyncio.to_thread(_session_with_a_done_job, lab.emulator.url, user_key)
    env = {k: v for k, v in os.environ.items() if k not in (EMULATOR_URL_ENV, EMULATOR_TOKEN_ENV)}
    emulator_dir = str(lab.emulator.process.state_dir)
    listed = await run_json("list", "--direct", "--emulator-dir", emulator_dir, env=env)
    assert [s["id"] for s in listed["sessions"]] == [session_id]
    # Named as the lab names its emulator's account, as a session read through the lab is.
    assert listed["sessions"][0]["account"] == {"name": "emulator", "channel": "local",
                                                "instance": None}  # fmt: skip


def _session_with_a_done_job(url: str, key: str) -> str:
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager

    backend = runtime_service(url, key).backend("fake_manila")
    qc = QuantumCircuit(1)
    qc.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    session = Session(backend=backend)
    SamplerV2(mode=session).run([isa], shots=10).result()
    return session.session_id
