"""The emulator's durable state in SQLite: sessions, jobs (with their params and results), keys,
and the key that signs access tokens.

The scheduler marks what changed; :meth:`EmulatorStore.save` writes it in one transaction,
committed before the request that made the change is answered (request_handler.py), so an
emulator killed at any moment restarts with every job, session and key it acknowledged:
queued jobs queue on, a job that was running is simulated again, sessions keep their TTLs
(their times are absolute).

Durability: WAL with ``synchronous=NORMAL`` survives a kill of the process (a committed
transaction is in the ``-wal`` file, which the OS keeps); only a power loss can take the last
commits. ``synchronous=FULL`` (an fsync per commit) measured 6x dearer per commit here
(0.23 ms against 0.04 ms), for power losses a local emulator need not survive.

``locking_mode=EXCLUSIVE``, set before WAL is first used, keeps the WAL index in the process's
memory: no ``-shm`` file is ever made or mmapped (an unwritable one killed the process with
SIGBUS), and no second emulator can open the file while this one runs
(https://www.sqlite.org/wal.html, "exclusive locking mode"). The file is made 0600 (it holds
users' API keys; SQLite gives the ``-wal`` the same mode).

A write that fails (disk full or read-only) raises :class:`.EmulatorStateUnavailable` and
leaves the file as it was; the next write tries again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import EmulatorStateUnavailable
from ..vocabulary import SessionState, ended_reason_of
from .models import Job, Session

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    data TEXT NOT NULL,
    params TEXT NOT NULL,
    result TEXT
);
CREATE TABLE IF NOT EXISTS api_keys (api_key TEXT PRIMARY KEY, user_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
LOCK_WAIT = 2.0  # seconds to wait for a previous emulator process on the file to let go
# Kept in their own columns: params are written once, results once they exist.
JOB_BULK = ("params", "result", "payload")


class EmulatorStore:
    """One SQLite file, held exclusively; the emulator's loop is its only user."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: sqlite3.Connection | None = None
        try:
            if self.path != ":memory:":
                _create_private(Path(self.path))
            self._db = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise self._unavailable("cannot open", exc) from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=LOCK_WAIT
        )
        try:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")  # before WAL: no -shm file, ever
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            db.execute("BEGIN EXCLUSIVE")  # take the file's lock now, and keep it
            db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        return db

    def _unavailable(self, doing: str, exc: BaseException) -> EmulatorStateUnavailable:
        if isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorname == "SQLITE_BUSY":
            return EmulatorStateUnavailable(
                f"The emulator's state file {self.path} is in use by another emulator process: "
                "stop that one, or give this one another state file."
            )
        why = "disk is full" if "full" in str(exc) else str(exc)
        then = (
            "new work is refused until it can."
            if doing == "cannot write"
            else "choose a state file in a folder it can write (--state)."
        )
        return EmulatorStateUnavailable(
            f"The emulator {doing} its state at {self.path} ({why}): {then}"
        )

    # ----------------------------------------------------------------- writing
    def save(
        self,
        sessions: Iterable[Session],
        jobs: Iterable[Job],
        deleted: Iterable[str],
        clock_now: float,
    ) -> None:
        """Write in one transaction; :class:`.EmulatorStateUnavailable` if it could not be
        committed (then nothing of it is in the file)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO sessions (id, data) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                [(s.id, json.dumps(dataclasses.asdict(s))) for s in sessions],
            )
            for job in jobs:
                data = _job_data(job)
                updated = db.execute(
                    "UPDATE jobs SET data = ?, result = ? WHERE id = ?", (data, job.result, job.id)
                )
                if updated.rowcount == 0:  # a new job: its params are written once
                    db.execute(
                        "INSERT INTO jobs (id, created, data, params, result) VALUES (?,?,?,?,?)",
                        (job.id, job.created, data, json.dumps(job.params), job.result),
                    )
            db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in deleted])
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('clock', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (repr(clock_now),),
            )

    def save_key(self, api_key: str, user_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO api_keys (api_key, user_id) VALUES (?, ?)",
                (api_key, user_id),
            )

    def signing_key(self) -> bytes:
        """The key that signs access tokens, made on first use and kept with the state: a
        token issued before a restart is still valid after it."""
        row = self._read("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()
        if row is not None:
            return bytes.fromhex(row[0])
        key = secrets.token_bytes(32)
        with self._transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES ('signing_key', ?)", (key.hex(),))
        return key

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._check_open()
        try:
            if self._db is None:  # a write failed oddly: start afresh (the disk may be back)
                self._db = self._connect()
            db = self._db
            db.execute("BEGIN")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite may have rolled back already (disk full)
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            # A full disk leaves the connection sound (SQLite rolled the transaction back) and
            # it keeps the file's lock and serves a rollback's reads; after any other error its
            # pager may be stuck in an error state, so the next write opens a new one.
            if getattr(exc, "sqlite_errorname", "") != "SQLITE_FULL":
                self._drop()
            raise self._unavailable("cannot write", exc) from None

    def _check_open(self) -> None:
        if self.closed:
            raise EmulatorStateUnavailable(
                f"The emulator has let its state at {self.path} go: it is stopping."
            )

    def _drop(self) -> None:
        """Forget a connection after a failed write: its pager may be in an error state."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def _read(self, sql: str) -> sqlite3.Cursor:
        self._check_open()
        if self._db is None:
            try:
                self._db = self._connect()
            except sqlite3.Error as exc:
                raise self._unavailable("cannot read", exc) from None
        return self._db.execute(sql)

    # ----------------------------------------------------------------- reading
    def load(self) -> tuple[list[Session], list[Job], dict[str, str], float | None]:
        """Sessions, jobs (oldest first), API keys by key, and the last clock reading."""
        sessions = [
            _session(json.loads(data)) for (data,) in self._read("SELECT data FROM sessions")
        ]
        jobs = []
        rows = self._read("SELECT data, params, result FROM jobs ORDER BY created, id")
        for data, params, result in rows:
            fields = json.loads(data)
            jobs.append(Job(**fields, params=json.loads(params), result=result))
        keys = dict(self._read("SELECT api_key, user_id FROM api_keys"))
        row = self._read("SELECT value FROM meta WHERE key = 'clock'").fetchone()
        return sessions, jobs, keys, None if row is None else float(row[0])

    def close(self) -> None:
        """Let the file go (its lock too); a closed store is not used again."""
        if self._db is not None:
            self._db.close()
            self._db = None
        self.closed = True

    closed = False


def _session(fields: dict[str, Any]) -> Session:
    """A stored session; one closed before ``ended_reason`` was stored reads it from its
    ``state_reason`` text (the service's words, as :mod:`jupyter_qsession.vocabulary` reads
    them), so no migration is needed."""
    if "ended_reason" not in fields and fields.get("state") == SessionState.CLOSED:
        fields["ended_reason"] = ended_reason_of(fields.get("state_reason"))
    return Session(**fields)


def _create_private(path: Path) -> None:
    """Make the state file 0600 before SQLite opens it: it holds users' API keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:  # made by an older emulator, maybe with its -wal: both private
        for made in (path, path.with_name(path.name + "-wal")):
            if made.exists() and made.stat().st_mode & 0o077:
                os.chmod(made, 0o600)


def _job_data(job: Job) -> str:
    return json.dumps(
        {f.name: getattr(job, f.name) for f in dataclasses.fields(job) if f.name not in JOB_BULK}
    )
