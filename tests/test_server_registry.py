"""Registry faults are loud and lose nothing good (tests/lab.py servers started on a prepared
registry file).

A file that cannot be used stops nothing silently: the extension stays loaded, /info says why,
every other route and the kernel bridge answer 503 with the same message, and the file is left
exactly as it was. A row that does not parse is set aside; the good rows load.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_qsession.server.models import SessionModel
from jupyter_qsession.server.registry import SessionRegistry
from lab import server_config

ADVICE = "c.QSessionApp.registry_path to"
STATES = "'open', 'active', 'inactive' or 'closed'"


def stored(session_id: str) -> SessionModel:
    """A session as a previous server left it: closed, so nothing asks the service about it."""
    return SessionModel(
        id=session_id,
        kernel_id="k-1",
        owner="alice",
        provider="emulator",
        registered_at="2025-01-01T00:00:00Z",
        backend="fake_manila",
        mode="dedicated",
        state="closed",
        accepting_jobs=False,
        max_time=None,
        interactive_timeout=None,
        started_at=None,
        activated_at=None,
        expires_at=None,
        interactive_expires_at=None,
        closed_at="2025-01-01T01:00:00Z",
        ended_reason="closed",
        usage_seconds=0.0,
        jobs=[],
    )


def write_registry(path: Path, session_ids: list[str]) -> None:
    registry = SessionRegistry(path)
    registry.load(now="2025-01-01T00:00:00Z")
    for session_id in session_ids:
        session = stored(session_id)
        registry.save(session, session.model_dump_json())
    registry.close()


BAD_MODEL = stored("bad").model_dump_json().replace('"closed"', '"exploded"', 1)


# ----------------------------------------------------------------- prepared registries
def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 16)


def truncated(path: Path) -> None:
    write_registry(path, [f"session-{n:03d}" for n in range(60)])
    os.truncate(path, path.stat().st_size // 2)


def one_bad_row(path: Path) -> None:
    write_registry(path, ["good-1", "bad", "good-2"])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE sessions SET model = ? WHERE id = 'bad'", (BAD_MODEL,))
    db.close()


def immutable(path: Path) -> Callable[[], None]:
    """Make ``path`` unwritable even through open files and for root; return undo."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file immutable here (chattr +i failed)")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def read_only_folder(folder: Path) -> Callable[[], None]:
    """Make ``folder`` unwritable (also for root, who ignores permission bits); return undo."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    return immutable(folder)


def empty_registry(path: Path) -> None:
    write_registry(path, [])


def good_file_in_a_read_only_folder(path: Path) -> Callable[[], None]:
    write_registry(path, ["good-1"])
    return read_only_folder(path.parent)


def no_file_in_a_read_only_folder(path: Path) -> Callable[[], None]:
    return read_only_folder(path.parent)


@dataclass
class Prepared:
    path: Path
    # The registry's folder as the server found it: file name -> bytes.
    before: dict[str, bytes]
    # Undone after the server stopped.
    undo: list[Callable[[], None]]

    def folder_now(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in self.path.parent.iterdir()}


@pytest.fixture
def registry(request, tmp_path):
    """The registry the server starts on, prepared by the test's ``registry`` parameter."""
    folder = tmp_path / "registry"
    folder.mkdir()
    path = folder / "sessions.sqlite"
    undo = request.param(path)
    prepared = Prepared(path, {p.name: p.read_bytes() for p in folder.iterdir()}, [])
    yield prepared
    # After the server stopped (it was started after this fixture).
    for step in ([undo] if undo else []) + prepared.undo:
        step()


@pytest.fixture
def jp_server_config(registry, tmp_path, lab_clock):
    return server_config(tmp_path, lab_clock, registry_path=str(registry.path))


def logged(caplog, level: int) -> list[str]:
    """What was logged at ``level`` since the server started (during the test's set-up)."""
    records = caplog.get_records("setup") + caplog.get_records("call")
    return [r.getMessage() for r in records if r.levelno == level]


async def refusals(lab, user: str = "alice") -> list[tuple[int, str]]:
    """What every route but /info answers (the events socket: its handshake's status)."""
    answers = []
    for method, path in [
        ("GET", "sessions"),
        ("GET", "sessions/good-1"),
        ("POST", "sessions/good-1/close"),
        ("POST", "sessions/good-1/cancel"),
        ("POST", "jobs/some-job/cancel"),
    ]:
        status, body = await lab.api(path, method, user=user)
        answers.append((status, body["message"]))
    with pytest.raises(HTTPClientError) as refused:
        await lab.socket(user)
    answers.append((refused.value.code, None))
    return answers


# ----------------------------------------------------------------- damaged files
@pytest.mark.parametrize(
    ("registry", "why"),
    [
        (zero_bytes, "is empty (0 bytes)"),
        (truncated, "is unreadable (database disk image is malformed)"),
        (garbage, "is unreadable (file is not a database)"),
    ],
    indirect=["registry"],
)
async def test_a_damaged_registry_is_a_503_on_every_route_and_is_left_as_is(
    lab, registry, why, caplog
):
    status, info = await lab.api("info")
    assert status == 200  # the extension is loaded and says why it cannot serve sessions
    problem = info["registry_error"]
    assert problem.startswith(f"The session registry at {registry.path} {why}")
    assert "left as is for inspection" in problem and ADVICE in problem
    assert await refusals(lab) == [(503, problem)] * 5 + [(503, None)]
    assert await refusals(lab, user="bob") == [(503, problem)] * 5 + [(503, None)]

    assert registry.folder_now() == registry.before  # not a byte written, no files added
    assert problem in "".join(logged(caplog, logging.ERROR))


@pytest.mark.parametrize("registry", [garbage], indirect=True)
async def test_a_kernel_started_after_a_registry_fault_hears_why(lab, registry):
    _, info = await lab.api("info")
    kernel = await lab.start_kernel()
    status, output = await lab.execute(
        kernel,
        "from jupyter_qsession.errors import QSessionError\n"
        "from jupyter_qsession.kernel.bridge import BridgeClient\n"
        "try:\n"
        "    BridgeClient.from_kernel().register('some-session')\n"
        "except QSessionError as error:\n"
        "    print(error.status, error.message)\n",
    )
    assert status == "ok"
    assert output.strip() == f"503 {info['registry_error']}"


# ----------------------------------------------------------------- unwritable folders
@pytest.mark.parametrize(
    ("registry", "why", "kept"),
    [
        (good_file_in_a_read_only_folder, "cannot be written: its folder does not accept", True),
        (no_file_in_a_read_only_folder, "cannot be created in its folder (", False),
    ],
    indirect=["registry"],
)
async def test_a_registry_in_a_folder_that_cannot_be_written_is_a_503(lab, registry, why, kept):
    _, info = await lab.api("info")
    problem = info["registry_error"]
    assert problem.startswith(f"The session registry at {registry.path} {why}")
    assert ("left as is for inspection" in problem) == kept and ADVICE in problem
    assert await refusals(lab) == [(503, problem)] * 5 + [(503, None)]
    assert registry.folder_now() == registry.before


@pytest.mark.parametrize("registry", [empty_registry], indirect=True)
async def test_a_registry_that_fails_while_serving_is_a_503_from_then_on(lab, registry):
    wal = registry.path.with_name(registry.path.name + "-wal")
    registry.undo.append(immutable(wal))
    kernel = await lab.start_kernel()
    session = await lab.open_session()
    status, body = await lab.register(kernel, session.session_id)
    assert status == 503
    assert body["message"].startswith(f"The session registry at {registry.path} cannot be written")
    _, info = await lab.api("info")
    assert info["registry_error"] == body["message"]
    assert await lab.api("sessions") == (503, {"message": body["message"], "reason": None})


# ----------------------------------------------------------------- rows that do not parse
@pytest.mark.parametrize("registry", [one_bad_row], indirect=True)
async def test_a_row_that_does_not_parse_is_set_aside_and_the_good_rows_load(lab, registry, caplog):
    # The good rows ended long ago: out of the live view, still in the registry (ended=all).
    _, listing = await lab.api("sessions?ended=all")
    assert sorted(s["id"] for s in listing["sessions"]) == ["good-1", "good-2"]
    _, info = await lab.api("info")
    assert info["registry_error"] is None
    [warning] = info["warnings"]
    why = f"state: Input should be {STATES}"
    assert warning.startswith(f"Session bad could not be read from the registry ({why})")
    assert f"table set_aside of {registry.path}" in warning

    [line] = [line for line in logged(caplog, logging.WARNING) if "set aside" in line]
    assert "registry row 2 (session 'bad')" in line and why in line

    # The row is kept as it was, with why and when; the registry goes on working.
    with sqlite3.connect(registry.path) as db:
        kept = db.execute("SELECT id, model, error, set_aside_at FROM set_aside").fetchall()
        left = [row[0] for row in db.execute("SELECT id FROM sessions ORDER BY id")]
    db.close()
    [(session_id, model, error, at)] = kept
    assert (session_id, model) == ("bad", BAD_MODEL)
    assert error == why and at.endswith("Z")
    assert left == ["good-1", "good-2"]
    kernel = await lab.start_kernel()
    session = await lab.open_session()
    status, _ = await lab.register(kernel, session.session_id)
    assert status == 200


# ----------------------------------------------------------------- the registry alone
def test_a_new_registry_appears_whole(tmp_path):
    path = tmp_path / "new" / "sessions.sqlite"
    registry = SessionRegistry(path)
    assert registry.load(now="2025-01-01T00:00:00Z").sessions == []
    registry.close()
    assert [p.name for p in path.parent.iterdir()] == ["sessions.sqlite"]  # no temporary left
    assert path.stat().st_size > 0  # schema included: 0 bytes always means damage
    SessionRegistry(path).load(now="2025-01-01T00:00:00Z")  # and it opens again


def test_set_aside_rows_stay_listed_on_later_starts(tmp_path):
    path = tmp_path / "sessions.sqlite"
    one_bad_row(path)
    first = SessionRegistry(path)
    assert [s.id for s in first.load(now="T1").sessions] == ["good-1", "good-2"]
    first.close()
    again = SessionRegistry(path).load(now="T2")
    assert [(row.session_id, row.set_aside_at) for row in again.set_aside] == [("bad", "T1")]
