"""The emulator's durable state in SQLite: sessions, jobs (with their params and results), keys.

The scheduler marks what changed; :meth:`EmulatorStore.save` writes it in one transaction
after each command and each clock event, so an emulator killed at any moment restarts with
every job it had accepted: queued jobs queue on, a job that was running is simulated again,
sessions keep their TTLs (their times are absolute). WAL mode: a killed process loses nothing
it committed.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
# Kept in their own columns: params are written once, results once they exist.
JOB_BULK = ("params", "result", "payload")


class EmulatorStore:
    """One SQLite file; the emulator's loop is its only user."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    # ----------------------------------------------------------------- writing
    def save(
        self,
        sessions: Iterable[Session],
        jobs: Iterable[Job],
        deleted: Iterable[str],
        clock_now: float,
    ) -> None:
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
        self._db.execute(
            "INSERT OR REPLACE INTO api_keys (api_key, user_id) VALUES (?, ?)", (api_key, user_id)
        )

    def _transaction(self) -> Any:
        db = self._db

        class _Tx:
            def __enter__(self) -> sqlite3.Connection:
                db.execute("BEGIN")
                return db

            def __exit__(self, kind: Any, *_: Any) -> None:
                db.execute("COMMIT" if kind is None else "ROLLBACK")

        return _Tx()

    # ----------------------------------------------------------------- reading
    def load(self) -> tuple[list[Session], list[Job], dict[str, str], float | None]:
        """Sessions, jobs (oldest first), API keys by key, and the last clock reading."""
        sessions = [
            _session(json.loads(data)) for (data,) in self._db.execute("SELECT data FROM sessions")
        ]
        jobs = []
        rows = self._db.execute("SELECT data, params, result FROM jobs ORDER BY created, id")
        for data, params, result in rows:
            fields = json.loads(data)
            jobs.append(Job(**fields, params=json.loads(params), result=result))
        keys = dict(self._db.execute("SELECT api_key, user_id FROM api_keys"))
        row = self._db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
        return sessions, jobs, keys, None if row is None else float(row[0])

    def close(self) -> None:
        self._db.close()


def _session(fields: dict[str, Any]) -> Session:
    """A stored session; one closed before ``ended_reason`` was stored reads it from its
    ``state_reason`` text (the service's words, as :mod:`jupyter_qsession.vocabulary` reads
    them), so no migration is needed."""
    if "ended_reason" not in fields and fields.get("state") == SessionState.CLOSED:
        fields["ended_reason"] = ended_reason_of(fields.get("state_reason"))
    return Session(**fields)


def _job_data(job: Job) -> str:
    return json.dumps(
        {f.name: getattr(job, f.name) for f in dataclasses.fields(job) if f.name not in JOB_BULK}
    )
