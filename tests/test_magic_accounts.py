"""The magic finds the account (issue 19): a lab serving its emulator, two standalone emulators
saved as accounts in the client's own account file (the kernel reads the same file: it lives
in the HOME the kernels get), and a saved account whose URL refuses connections.

``--backend`` opens on the account that has the backend (the default among several),
``--account`` on the one named; the status names the account; ``%qsession accounts`` lists
them with their state; a name no account knows is a one-line error; a close from the magic
reaches the account's own service.
"""

from __future__ import annotations

import asyncio
import re
import socket

import pytest

from conftest import start_emulator
from jupyter_qsession.client.account_lookup import local_accounts
from jupyter_qsession.client.accounts_file import save_account
from jupyter_qsession.emulator.clock import WallClock
from jupyter_qsession.emulator.instance import INSTANCE_CRN
from jupyter_qsession.errors import NotFound
from jupyter_qsession.kernel.accounts import KernelAccounts
from jupyter_qsession.kernel.accounts_view import accounts_table
from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from lab import server_config

pytestmark = pytest.mark.emulator(queue_wait=0.2, job_overhead=0.05)

SETUP = """
%load_ext jupyter_qsession
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.executor_sampler import Sampler
def bell():
    qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
    return qc
"""

SAMPLE = """%%qsession {options}
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell())
Sampler().run([isa], shots=20).result()
print("SESSION", session.session_id)
"""


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"  # closed once the block ends


@pytest.fixture
def lab_clock():
    return None  # wall time: the kernel's client waits for real results


@pytest.fixture
def team_emulators():
    """Two standalone emulators, the user's two 'IBM' services, by account name."""
    emulators = {
        name: start_emulator(clock=WallClock(), queue_wait=0.05, job_overhead=0.05, api_key=key)
        for name, key in (("team-a", "key-a"), ("team-b", "key-b"))
    }
    yield emulators
    for emulator in emulators.values():
        emulator.stop()


@pytest.fixture
def account_file(jp_home_dir, team_emulators):
    """Saved in the client's own file of the HOME the lab's kernels get; team-b the default."""
    path = jp_home_dir / ".qiskit" / "qiskit-ibm.json"
    save_account("team-x", url=refused_url(), token="key-x", instance=INSTANCE_CRN, path=path)
    for name, emulator in team_emulators.items():
        save_account(name, url=emulator.url, token=emulator.emulator.api_key,
                     instance=INSTANCE_CRN, path=path, default=name == "team-b")  # fmt: skip
    return path


@pytest.fixture
def jp_server_config(request, tmp_path, lab_clock, account_file):
    config = server_config(
        tmp_path, lab_clock, account_file=str(account_file), account_refresh_interval=0.1
    )
    config["QSessionEmulator"].update(request.node.get_closest_marker("emulator").kwargs)
    config["RuntimeServiceProvider"] = {"refresh_interval": 0.1}
    return config


async def served(lab) -> dict[str, dict]:
    """The lab's accounts once each is settled: three reachable with backends, team-x not."""

    async def settled():
        _, body = await lab.api("accounts")
        found = {account["name"]: account for account in body["accounts"]}
        ready = all(
            found.get(name, {}).get("state") == "reachable" and found[name]["backends"]
            for name in ("emulator", "team-a", "team-b")
        )
        return found if ready and found.get("team-x", {}).get("state") == "unreachable" else None

    async def poll():
        while not (found := await settled()):
            await asyncio.sleep(0.05)
        return found

    return await asyncio.wait_for(poll(), 60)


async def kernel_in(lab) -> str:
    kernel = await lab.start_kernel()
    status, text = await lab.execute(kernel, SETUP)
    assert status == "ok", text
    return kernel


async def sample(lab, kernel: str, options: str) -> tuple[str, str]:
    status, text = await lab.execute(kernel, SAMPLE.format(options=options))
    assert status == "ok", text
    line = next(line for line in text.splitlines() if line.startswith("SESSION"))
    return line.split()[1], text


async def listed_account(lab, session_id: str) -> str:
    await lab.sync()
    status, body = await lab.api(f"sessions/{session_id}")
    assert status == 200, body
    return body["account"]["name"]


def on_emulator(emulator, session_id: str):
    """The session as the account's own service holds it."""
    return emulator.call(lambda: emulator.emulator.scheduler.session(session_id))


async def test_a_backend_opens_on_the_default_account_and_account_on_the_one_named(
    lab, team_emulators
):
    accounts = await served(lab)
    (default,) = [name for name, account in accounts.items() if account["is_default"]]
    assert default == "team-b"  # saved as the default: the client's default is the lab's
    other = "team-a"

    kernel = await kernel_in(lab)
    by_backend, text = await sample(lab, kernel, "--backend fake_manila")
    assert await listed_account(lab, by_backend) == default
    assert on_emulator(team_emulators[default], by_backend).backend == "fake_manila"
    assert f"fake_manila on {default} · session {by_backend}" in text  # the status names it

    second = await kernel_in(lab)
    named, text = await sample(lab, second, f"--account {other} --backend fake_manila")
    assert await listed_account(lab, named) == other
    assert on_emulator(team_emulators[other], named).accepting_jobs
    assert f"fake_manila on {other} · session {named}" in text

    status, text = await lab.execute(second, "%qsession status")
    assert f"fake_manila on {other} · session {named}" in text, text
    status, text = await lab.execute(second, "%qsession list")
    header, row = [re.split(r"\s{2,}", line.strip()) for line in text.strip().splitlines()]
    assert header[:3] == ["session", "account", "backend"] and row[:3] == [
        named,
        other,
        "fake_manila",
    ]

    status, text = await lab.execute(second, "%qsession close")
    assert f"Session {named} on {other} closed" in text, text
    assert not on_emulator(team_emulators[other], named).accepting_jobs  # on its own service


async def test_service_is_the_cells_account_and_a_plain_session_on_it_is_found(lab, team_emulators):
    """``service`` in the cell is the account's; a Session opened with it without the magic
    is registered with no account named, and the lab finds the account that knows it."""
    await served(lab)
    kernel = await kernel_in(lab)
    await sample(lab, kernel, "--account team-a --backend fake_manila")
    status, text = await lab.execute(
        kernel, "plain = Session(backend=service.backend('fake_manila'))\nprint(plain.session_id)"
    )
    assert status == "ok", text
    plain = text.strip().splitlines()[-1]
    on_emulator(team_emulators["team-a"], plain)  # raises if team-a's service lacks it
    assert await listed_account(lab, plain) == "team-a"


async def test_accounts_lists_every_account_with_its_state(lab):
    accounts = await served(lab)
    kernel = await kernel_in(lab)
    status, text = await lab.execute(kernel, "%qsession accounts")
    assert status == "ok", text
    lines = text.strip().splitlines()
    rows = {re.split(r"\s{2,}", line)[0].rstrip(" *"): line for line in lines[1:-1]}
    assert list(rows) == ["emulator", "team-a", "team-b", "team-x"], text
    for name in ("emulator", "team-a", "team-b"):
        cells = re.split(r"\s{2,}", rows[name])
        assert cells[-1] == "reachable" and cells[-2] == str(len(accounts[name]["backends"]))
    assert re.search(r"unreachable since \d\d:\d\d:\d\d: \S", rows["team-x"]), rows["team-x"]
    (default,) = [name for name, account in accounts.items() if account["is_default"]]
    assert [name for name, line in rows.items() if line.split()[1] == "*"] == [default]
    assert "key-a" not in text and "key-x" not in text  # never a token


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (
            "--account nobody --backend fake_manila",
            ["No account named 'nobody' (accounts: emulator, team-a, team-b, team-x)."],
        ),
        (
            "--backend fake_manla",
            [
                "Unknown backend 'fake_manla' on every account; did you mean fake_manila",
                "? team-x is unreachable: ",
            ],
        ),
    ],
)
async def test_an_unknown_account_or_backend_is_one_line(lab, options, words):
    await served(lab)
    kernel = await kernel_in(lab)
    status, text = await lab.execute(kernel, SAMPLE.format(options=options))
    (line,) = [line for line in text.splitlines() if words[0].split()[0] in line]
    assert all(part in line for part in words) and "Traceback" not in text, text
    assert "SESSION" not in text  # the cell did not run


def test_outside_a_lab_a_backends_owner_is_asked_and_the_default_wins(
    tmp_path, monkeypatch, team_emulators
):
    """No bridge: the local accounts (the lab emulator's variables, the account file), their
    state unknown; a backend every account has goes to the default account."""
    path = tmp_path / ".qiskit" / "qiskit-ibm.json"
    for name, emulator in team_emulators.items():
        save_account(name, url=emulator.url, token=emulator.emulator.api_key,
                     instance=INSTANCE_CRN, path=path, default=name == "team-a")  # fmt: skip
    lab_emulator = start_emulator(clock=WallClock(), api_key="lab-key")
    try:
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv(EMULATOR_URL_ENV, lab_emulator.url)
        monkeypatch.setenv(EMULATOR_TOKEN_ENV, "lab-key")
        accounts = KernelAccounts(bridge=lambda: None)
        listing = accounts.listing()
        assert [a.name for a in listing] == ["emulator", "team-a", "team-b"]
        assert [a.name for a in listing if a.is_default] == ["team-a"]
        table = accounts_table(listing)
        assert [line.split()[-1] for line in table.splitlines()[1:-1]] == ["unknown"] * 3
        assert accounts.choose(None, "fake_manila", None).name == "team-a"
        assert accounts.choose("team-b", "fake_manila", None).name == "team-b"
        with pytest.raises(NotFound, match="on every account; did you mean fake_manila"):
            accounts.choose(None, "fake_manla", None)
        assert [s.name for s in local_accounts()] == ["emulator", "team-a", "team-b"]
    finally:
        lab_emulator.stop()
