"""Every account at once (issue 19): the lab's emulator and each account saved in the client's
own account file, side by side, with no configuration.

Two standalone emulators stand in for two IBM Quantum accounts, saved the way a user saves an
account (``QiskitRuntimeService.save_account(channel=..., url=..., token=..., instance=...,
name=...)``); the lab recognizes their URLs as emulators and connects as the emulator's client
does. An account whose URL refuses connections is what every IBM account is on this machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import pytest
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import QiskitRuntimeService, SamplerV2, Session

from conftest import start_emulator
from jupyter_qsession.client.account_service import service_for
from jupyter_qsession.client.accounts_file import read_account_file, save_account
from jupyter_qsession.emulator.clock import WallClock
from jupyter_qsession.emulator.instance import INSTANCE_CRN
from jupyter_qsession.server.account_health import AccountHealth
from jupyter_qsession.vocabulary import short_instance
from lab import server_config

FAST = {"RuntimeServiceProvider": {"refresh_interval": 0.1}}


@pytest.fixture
def team_emulators():
    """Two standalone emulators, the users' two 'IBM' services."""
    emulators = [
        start_emulator(clock=WallClock(), queue_wait=0.05, job_overhead=0.05, api_key=key)
        for key in ("key-a", "key-b")
    ]
    yield emulators
    for emulator in emulators:
        emulator.stop()


@pytest.fixture
def account_file(tmp_path, team_emulators):
    path = tmp_path / "qiskit-ibm.json"
    for name, emulator in zip(("team-a", "team-b"), team_emulators, strict=True):
        save_account(
            name,
            url=emulator.url,
            token=emulator.emulator.api_key,
            instance=INSTANCE_CRN,
            path=path,
        )
    return path


@pytest.fixture
def jp_server_config(tmp_path, lab_clock, account_file):
    config = server_config(
        tmp_path, lab_clock, account_file=str(account_file), account_refresh_interval=0.1
    )
    config.update(FAST)
    return config


async def accounts(lab) -> dict[str, dict]:
    _, body = await lab.api("accounts")
    return {account["name"]: account for account in body["accounts"]}


async def until(condition, what: str, timeout: float = 30.0):
    """Poll ``condition`` (async, returns a truthy value when met); fail naming ``what``."""

    async def poll():
        while not (found := await condition()):
            await asyncio.sleep(0.05)
        return found

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        pytest.fail(f"never: {what}")


def spec_of(path, name):
    (spec,) = [s for s in read_account_file(path).specs if s.name == name]
    return spec


async def test_the_lab_serves_its_emulator_and_every_saved_account(lab, account_file):
    async def all_reachable():
        found = await accounts(lab)
        return found if all(a["state"] == "reachable" for a in found.values()) else None

    found = await until(all_reachable, "three reachable accounts")
    assert list(found) == ["emulator", "team-a", "team-b"]  # the lab's own first
    assert {a["provider"] for a in found.values()} == {"emulator"}  # each URL recognized
    assert found["emulator"]["source"] == "lab" and found["team-a"]["source"] == "saved"
    assert found["team-a"]["instance"] == INSTANCE_CRN
    assert "fake_manila" in found["team-b"]["backends"]
    # None was saved as the default: the lab's emulator is (not the client's last resort, any
    # saved account, which would take the user's fake_* cells off the lab's emulator).
    assert not [s.name for s in read_account_file(account_file).specs if s.is_default]
    assert [n for n, a in found.items() if a["is_default"]] == ["emulator"]
    _, text = await lab.raw("accounts")
    assert b"key-a" not in text and b"key-b" not in text  # never a token


async def test_a_session_on_a_saved_account_shows_under_it_and_closes_on_its_service(
    lab, account_file, team_emulators
):
    kernel = await lab.start_kernel()
    service = await asyncio.to_thread(service_for, spec_of(account_file, "team-b"), "emulator")
    session = await asyncio.to_thread(Session, backend=service.backend("fake_manila"))

    status, registered = await lab.register(kernel, session.session_id, account="team-b")
    assert status == 200, registered
    assert registered["account"] == {
        "name": "team-b",
        "channel": "ibm_quantum_platform",
        "instance": INSTANCE_CRN,
    }
    assert registered["provider"] == "emulator"

    status, closed = await lab.api(f"sessions/{session.session_id}/close", "POST", {})
    assert status == 200 and closed["accepting_jobs"] is False
    details = await asyncio.to_thread(session.details)
    assert details["accepting_jobs"] is False  # on team-b's own service
    assert session.session_id not in team_emulators[0].emulator.scheduler.sessions


async def test_a_kernel_that_names_no_account_finds_the_one_that_knows_its_session(
    lab, account_file
):
    kernel = await lab.start_kernel()
    service = await asyncio.to_thread(service_for, spec_of(account_file, "team-a"), "emulator")
    session = await asyncio.to_thread(Session, backend=service.backend("fake_manila"))
    status, registered = await lab.register(kernel, session.session_id)
    assert status == 200 and registered["account"]["name"] == "team-a"


async def test_a_session_a_plain_script_opened_on_a_saved_account_is_found_under_it(
    lab, account_file
):
    """Discovery runs per account: a script's session (with a job, as IBM's listing needs)
    shows under the account it lives on, as found elsewhere."""
    service = await asyncio.to_thread(service_for, spec_of(account_file, "team-a"), "emulator")

    def script() -> str:
        backend = service.backend("fake_manila")
        circuit = QuantumCircuit(1)
        circuit.measure_all()
        isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
        session = Session(backend=backend)
        SamplerV2(mode=session).run([isa], shots=10).result()
        return session.session_id

    session_id = await asyncio.to_thread(script)

    async def found():
        status, body = await lab.api(f"sessions/{session_id}")
        return body if status == 200 else None

    session = await until(found, "the script's session found by the lab")
    assert session["account"]["name"] == "team-a" and session["origin"] == "elsewhere"


async def test_registering_on_an_account_the_lab_does_not_serve_is_a_404_naming_them(lab):
    kernel = await lab.start_kernel()
    session = await lab.open_session()
    status, body = await lab.register(kernel, session.session_id, account="nope")
    assert status == 404
    assert "nope" in body["message"] and "team-a" in body["message"]


async def test_an_account_saved_while_the_lab_runs_appears_and_goes_when_deleted(
    lab, account_file, team_emulators
):
    socket_ = await lab.socket()
    snapshot = json.loads(await socket_.read_message())
    assert "team-c" not in {a["name"] for a in snapshot["accounts"]}

    save_account(
        "team-c", url=team_emulators[0].url, token="key-a", instance=INSTANCE_CRN, path=account_file
    )
    await until(lambda: _has(lab, "team-c"), "team-c served")
    QiskitRuntimeService.delete_account(filename=str(account_file), name="team-c")
    await until(lambda: _has(lab, "team-c", present=False), "team-c gone")

    events = []
    while not any(e.get("gone_account") == "team-c" for e in events):
        events.append(json.loads(await asyncio.wait_for(socket_.read_message(), 30)))
    assert any((e.get("account") or {}).get("name") == "team-c" for e in events)
    socket_.close()


async def _has(lab, name: str, present: bool = True) -> bool:
    return (name in await accounts(lab)) == present


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_account_whose_url_refuses_connections_is_unreachable_and_the_rest_works(
    lab, account_file
):
    url = f"http://127.0.0.1:{closed_port()}"
    save_account("gone", url=url, token="k", instance=INSTANCE_CRN, path=account_file)

    async def unreachable():
        account = (await accounts(lab)).get("gone")
        return account if account and account["state"] == "unreachable" else None

    gone = await until(unreachable, "the refusing account shown unreachable")
    assert url in gone["problem"]
    assert gone["last_try"] and gone["next_try"] and gone["next_try"] > gone["last_try"]
    # The lab's emulator goes on: a session registers and lists.
    kernel = await lab.start_kernel()
    session = await lab.open_session()
    status, registered = await lab.register(kernel, session.session_id, account="emulator")
    assert status == 200 and registered["account"]["name"] == "emulator"


async def test_a_bad_account_file_is_a_warning_naming_it_and_the_lab_goes_on(lab, account_file):
    account_file.write_text("{ not json")
    await until(lambda: _has(lab, "team-a", present=False), "the unreadable file's accounts go")
    _, info = await lab.api("info")
    assert any(str(account_file) in w for w in info["warnings"])
    assert "emulator" in await accounts(lab)


def test_an_unreachable_account_is_asked_again_ever_later_and_logged_once(caplog):
    now = [1000.0]
    health = AccountHealth("gone", retry_after=1.0, retry_max=8.0, clock=lambda: now[0])
    waits = []
    with caplog.at_level(logging.INFO, logger="jupyter_qsession"):
        for _ in range(6):
            assert health.due()
            health.failed("connection refused")
            waits.append(health.next_try - now[0])
            assert not health.due()
            now[0] = health.next_try
        health.succeeded()
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    lines = [r.getMessage() for r in caplog.records if "gone" in r.getMessage()]
    assert len(lines) == 2  # unreachable once, reachable again once
    assert health.due() and health.state == "reachable"


def test_an_instance_reads_short_where_a_view_is_narrow():
    """One rule (vocabulary.short_instance), sent as AccountModel.instance_hint."""
    crn = "crn:v1:bluemix:public:quantum-computing:us-east:a/0123:9f8e7d6c5b4a::"
    assert short_instance(crn) == "9f8e7d6c…"
    assert short_instance(INSTANCE_CRN) == "emulator"  # no instance id, only a resource
    assert short_instance("hub/group/project") == "hub/group/project"
