"""A bad disk never kills the emulator: with its state directory full it refuses new work with a
503 that says why, keeps nothing it refused, serves reads, and takes work again by itself when
the disk has room. A read-only state directory, or a state file another emulator holds, is a
clear refusal to start, never a SIGBUS.

The state directory is a small tmpfs (we run as root: chmod does not stop root's writes), filled
by a filler file for "full" and remounted read-only for "read-only". A tmpfs cannot be remounted
read-only while a file on it is open for writing (EBUSY), so read-only is checked at start-up.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from emulator_process import EmulatorProcess, job_body, post

from conftest import EPS, JOB, QUEUE_WAIT, start_emulator

SESSION = {"backend": "fake_manila", "mode": "batch"}


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


@pytest.fixture
def state_dir(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs for the state directory needs root")
    folder = tmp_path / "state"
    folder.mkdir()
    mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder))
    yield folder
    subprocess.run(["mount", "-o", "remount,rw", str(folder)], capture_output=True)
    subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def emulator(state_dir):
    process = EmulatorProcess(state_dir / "state.sqlite")
    yield process
    process.kill()


def fill(folder: Path) -> Path:
    """Take every free byte of ``folder``'s file system."""
    filler = folder / "filler"
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def job_ids(rest) -> list[str]:
    return sorted(job["id"] for job in rest("GET", "/jobs").json()["jobs"])


def test_a_full_disk_refuses_new_work_keeps_none_of_it_serves_reads_and_resumes(
    emulator, state_dir, bell
):
    emulator.start()
    rest = emulator.rest()
    batch = post(rest, "/sessions", SESSION).json()["id"]
    first = post(rest, "/jobs", job_body(bell, batch)).json()["id"]

    filler = fill(state_dir)
    refused = post(rest, "/jobs", job_body(bell, batch))
    assert refused.status_code == 503
    assert "disk is full" in refused.json()["message"]
    assert "new work is refused" in refused.json()["message"]
    assert post(rest, "/sessions", SESSION).status_code == 503
    assert rest("GET", f"/sessions/{batch}").json()["state"] == "open"
    assert job_ids(rest) == [first]  # the refused job was not kept: a retry makes no duplicate

    filler.unlink()
    second = post(rest, "/jobs", job_body(bell, batch))
    assert second.status_code == 200
    emulator.kill()
    emulator.start()
    rest = emulator.rest()
    assert job_ids(rest) == sorted([first, second.json()["id"]])
    emulator.advance(QUEUE_WAIT + 2 * JOB + EPS)
    assert {job["status"] for job in rest("GET", "/jobs").json()["jobs"]} == {"Completed"}


def test_a_cancel_refused_by_a_full_disk_changes_nothing(emulator, state_dir, bell):
    """A running job whose delete was refused runs on and finishes; a session whose cancel
    was refused stays open with its queued job."""
    emulator.start()
    rest = emulator.rest()
    running = post(rest, "/jobs", job_body(bell)).json()["id"]
    emulator.advance(QUEUE_WAIT + JOB / 2)
    batch = post(rest, "/sessions", SESSION).json()["id"]
    queued = post(rest, "/jobs", job_body(bell, batch)).json()["id"]
    assert rest("GET", f"/jobs/{running}").json()["status"] == "Running"

    filler = fill(state_dir)
    assert rest("DELETE", f"/jobs/{running}").status_code == 503
    assert rest("POST", f"/jobs/{running}/cancel").status_code == 503
    assert rest("DELETE", f"/sessions/{batch}/close").status_code == 503
    assert rest("GET", f"/jobs/{running}").json()["status"] == "Running"
    assert rest("GET", f"/sessions/{batch}").json()["state"] == "open"
    filler.unlink()

    emulator.advance(JOB)
    assert rest("GET", f"/jobs/{running}").json()["status"] == "Completed"
    assert rest("GET", f"/jobs/{queued}").json()["status"] != "Cancelled"


def test_a_job_that_finished_while_the_disk_was_full_is_written_once_it_has_room(
    emulator, state_dir, bell
):
    emulator.start()
    rest = emulator.rest()
    job = post(rest, "/jobs", job_body(bell)).json()["id"]
    emulator.advance(QUEUE_WAIT + JOB / 2)

    filler = fill(state_dir)
    moved = rest("POST", "/qsession/clock", json={"advance": JOB})
    assert moved.status_code == 503  # the clock moved; what it did is not on disk yet
    assert rest("GET", f"/jobs/{job}").json()["status"] == "Completed"  # reads go on
    counts = rest("GET", f"/jobs/{job}/results").json()
    filler.unlink()
    assert rest("GET", f"/jobs/{job}").status_code == 200  # any request saves what is pending

    emulator.kill()
    emulator.start()
    rest = emulator.rest()
    assert rest("GET", f"/jobs/{job}").json()["status"] == "Completed"
    assert rest("GET", f"/jobs/{job}/results").json() == counts


def test_an_emulator_on_a_read_only_state_directory_refuses_to_start_with_why(
    emulator, state_dir, bell
):
    emulator.start()
    job = post(emulator.rest(), "/jobs", job_body(bell)).json()["id"]
    emulator.kill()
    mount("-o", "remount,ro", str(state_dir))

    status, stderr = emulator.try_start()
    assert status not in (0, -signal.SIGBUS)
    assert "cannot open its state" in stderr
    assert str(state_dir / "state.sqlite") in stderr
    assert "Traceback" not in stderr  # one line that says why

    mount("-o", "remount,rw", str(state_dir))
    emulator.start()
    assert job_ids(emulator.rest()) == [job]


def test_a_second_emulator_on_the_same_state_file_refuses_to_start(tmp_path, bell):
    first = EmulatorProcess(tmp_path / "state.sqlite")
    first.start()
    try:
        job = post(first.rest(), "/jobs", job_body(bell)).json()["id"]
        second = EmulatorProcess(first.state)
        status, stderr = second.try_start()
        assert status != 0
        assert "in use by another emulator process" in stderr
        assert "Traceback" not in stderr
        assert job_ids(first.rest()) == [job]  # the first one goes on
    finally:
        first.kill()


def test_the_state_file_is_private_and_no_shared_memory_file_is_made(tmp_path, bell):
    """0600: it holds users' API keys. No ``-shm``: an unwritable one was a SIGBUS."""
    emulator = EmulatorProcess(tmp_path / "state.sqlite")
    emulator.start()
    try:
        post(emulator.rest(), "/jobs", job_body(bell))
        for name in ("state.sqlite", "state.sqlite-wal"):
            assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
        assert not (tmp_path / "state.sqlite-shm").exists()
    finally:
        emulator.kill()


def test_a_key_or_a_private_result_read_refused_by_a_full_disk_is_not_given_out(
    emulator, state_dir, bell
):
    """A user's key is handed out only once it is stored (a key given and then forgotten
    would lock its kernels out after a restart); a private result's one read happens only
    once its deletion is stored."""
    emulator.start()
    rest = emulator.rest()
    private = post(rest, "/jobs", {**job_body(bell), "private": True}).json()["id"]
    emulator.advance(QUEUE_WAIT + JOB + EPS)

    filler = fill(state_dir)
    assert rest("POST", "/qsession/users/bob/key").status_code == 503
    assert rest("GET", f"/jobs/{private}/results").status_code == 503
    filler.unlink()

    key = rest("POST", "/qsession/users/bob/key").json()["api_key"]
    assert rest("GET", f"/jobs/{private}/results").status_code == 200
    emulator.kill()
    emulator.start()
    rest = emulator.rest()
    assert rest("POST", "/qsession/users/bob/key").json()["api_key"] == key
    assert rest("GET", f"/jobs/{private}/results").status_code == 204  # read once, ever


def test_a_state_file_an_older_emulator_left_readable_is_made_private(tmp_path):
    state = tmp_path / "state.sqlite"
    with closing(sqlite3.connect(state)) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    state.chmod(0o644)
    emulator = start_emulator(state_path=str(state))
    try:
        assert state.stat().st_mode & 0o777 == 0o600
    finally:
        emulator.stop()
