"""``jupyter qsession list|close|cancel --account NAME`` (issue 19): the real command in its own
process against a real lab serving three accounts (its emulator and two standalone emulators
saved in its account file the way a user saves an account), and straight against a saved
account when no lab runs (the account file in ``$HOME``, as the client finds it)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from qiskit_ibm_runtime import Session
from test_cli_sessions import _session_with_a_done_job, run, run_json

from conftest import start_emulator
from jupyter_qsession.client.account_service import service_for
from jupyter_qsession.client.accounts_file import read_account_file, save_account
from jupyter_qsession.emulator.clock import WallClock
from jupyter_qsession.emulator.instance import INSTANCE_CRN
from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from lab import TOKENS, server_config

TEAMS = ("team-a", "team-b")
KEYS = {"team-a": "key-a", "team-b": "key-b"}


@pytest.fixture
def team_emulators():
    """Two standalone emulators, the user's two 'IBM' services, by account name."""
    emulators = {
        name: start_emulator(clock=WallClock(), queue_wait=0.05, job_overhead=0.05, api_key=key)
        for name, key in KEYS.items()
    }
    yield emulators
    for emulator in emulators.values():
        emulator.stop()


def save_teams(path, team_emulators) -> None:
    for name, emulator in team_emulators.items():
        save_account(name, url=emulator.url, token=KEYS[name], instance=INSTANCE_CRN, path=path)


@pytest.fixture
def account_file(tmp_path, team_emulators):
    path = tmp_path / "qiskit-ibm.json"
    save_teams(path, team_emulators)
    return path


@pytest.fixture
def jp_server_config(tmp_path, lab_clock, account_file):
    """A lab reading that account file; its runtime file carries alice's token."""
    config = server_config(
        tmp_path, lab_clock, account_file=str(account_file), account_refresh_interval=0.1
    )
    config["RuntimeServiceProvider"] = {"refresh_interval": 0.1}
    config["IdentityProvider"] = {"token": TOKENS["alice"]}
    return config


async def served(lab, timeout: float = 30.0) -> None:
    """Wait until the lab serves every account, each reachable."""

    async def poll():
        while True:
            _, body = await lab.api("accounts")
            states = {a["name"]: a["state"] for a in body["accounts"]}
            if states == dict.fromkeys(("emulator", *TEAMS), "reachable"):
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


async def open_on(account_file, name: str) -> Session:
    """A session opened by the plain client on the saved account ``name``'s service."""
    (spec,) = [s for s in read_account_file(account_file).specs if s.name == name]
    service = await asyncio.to_thread(service_for, spec, "emulator")
    return await asyncio.to_thread(Session, backend=service.backend("fake_manila"))


async def open_everywhere(lab, account_file) -> dict[str, Session]:
    """A kernel's session on each account: {account name: Session}."""
    await served(lab)
    kernel = await lab.start_kernel()
    opened = {"emulator": await lab.open_session()}
    for name in TEAMS:
        opened[name] = await open_on(account_file, name)
    for name, session in opened.items():
        status, body = await lab.register(kernel, session.session_id, account=name)
        assert status == 200, body
    return opened


# ----------------------------------------------------------------- through the lab server
async def test_list_account_shows_only_that_accounts_sessions_and_without_it_every_accounts(
    lab, account_file
):
    sessions = await open_everywhere(lab, account_file)
    every = (await run_json("list"))["sessions"]
    assert {s["id"]: s["account"]["name"] for s in every} == {
        session.session_id: name for name, session in sessions.items()
    }
    team_a = (await run_json("list", "--account", "team-a"))["sessions"]
    assert [s["id"] for s in team_a] == [sessions["team-a"].session_id]
    assert team_a[0]["account"] == {
        "name": "team-a",
        "channel": "ibm_quantum_platform",
        "instance": INSTANCE_CRN,
    }

    # Several accounts in the table: an account column after the session's id.
    status, table, notes = await run("list")
    assert status == 0, notes
    header, *rows = table.splitlines()
    assert header.split()[:3] == ["session", "account", "backend"]
    assert sorted(row.split()[1] for row in rows) == ["emulator", "team-a", "team-b"]
    # One account: the table as it was, with no account column.
    status, table, notes = await run("list", "--account", "team-b")
    assert status == 0, notes
    header, *rows = table.splitlines()
    assert "account" not in header.split()
    assert [row.split()[0] for row in rows] == [sessions["team-b"].session_id]


async def test_close_account_closes_on_that_accounts_service_and_refuses_another_accounts(
    lab, account_file
):
    sessions = await open_everywhere(lab, account_file)
    team_a = sessions["team-a"]
    status, _, err = await run("close", "--account", "team-b", team_a.session_id)
    assert status == 3 and "on account team-a, not team-b" in err, err
    assert (await asyncio.to_thread(team_a.details))["accepting_jobs"] is True  # untouched

    status, out, err = await run("close", "--account", "team-a", team_a.session_id)
    assert status == 0, err
    assert out.strip() == f"Session {team_a.session_id} closed: queued jobs still run."
    assert (await asyncio.to_thread(team_a.details))["accepting_jobs"] is False  # team-a's own

    team_b = sessions["team-b"]
    status, _, err = await run("cancel", "--account", "team-b", team_b.session_id)
    assert status == 0, err
    assert (await asyncio.to_thread(team_b.details))["state"] == "closed"


async def test_an_account_the_lab_does_not_serve_is_a_one_line_error_naming_its_accounts(
    lab, account_file
):
    sessions = await open_everywhere(lab, account_file)
    for command in (["list"], ["close", sessions["team-a"].session_id]):
        status, out, err = await run(*command, "--account", "team-c")
        assert status == 3 and out == "", err
        (line,) = err.strip().splitlines()
        assert "'team-c'" in line and "emulator, team-a, team-b" in line, line
    assert (await asyncio.to_thread(sessions["team-a"].details))["accepting_jobs"] is True


# ----------------------------------------------------------------- straight to the service
async def test_without_a_lab_account_picks_that_saved_account_and_says_so_in_json(
    team_emulators, tmp_path
):
    """No lab server anywhere; the accounts are saved in $HOME's account file, the client's."""
    home = tmp_path / "home"
    save_teams(home / ".qiskit" / "qiskit-ibm.json", team_emulators)
    env = {k: v for k, v in os.environ.items() if k not in (EMULATOR_URL_ENV, EMULATOR_TOKEN_ENV)}
    env.update(
        HOME=str(home),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
    )
    b_id = await asyncio.to_thread(
        _session_with_a_done_job, team_emulators["team-b"].url, KEYS["team-b"]
    )

    status, out, err = await run("list", "--account", "team-b", "--json", env=env)
    assert status == 0 and "account team-b" in err, err

    listed = json.loads(out)["sessions"]
    assert [s["id"] for s in listed] == [b_id]
    assert listed[0]["account"] == {
        "name": "team-b",
        "channel": "ibm_quantum_platform",
        "instance": INSTANCE_CRN,
    }
    assert "key-b" not in out and "key-a" not in out  # never a token
    assert (await run_json("list", "--account", "team-a", env=env))["sessions"] == []

    closed = await run_json("close", "--account", "team-b", b_id, env=env)
    assert closed["id"] == b_id and closed["accepting_jobs"] is False
    assert closed["account"]["name"] == "team-b"
    scheduler = team_emulators["team-b"].emulator.scheduler
    assert scheduler.sessions[b_id].accepting_jobs is False  # on team-b's own service

    status, _, err = await run("list", "--account", "nope", env=env)
    assert status == 3 and "'nope'" in err and "team-a, team-b" in err, err
