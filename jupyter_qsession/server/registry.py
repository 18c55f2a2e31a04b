"""The session registry: every session the server has seen, in SQLite, written before it is told.

One row per session holding the serialized :class:`SessionModel`, plus the columns the server
queries on. Every write commits at once in WAL mode, so a server killed with SIGKILL loses
nothing it already reported to a browser.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .models import SessionModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    kernel_id TEXT,
    owner TEXT NOT NULL,
    provider TEXT NOT NULL,
    ended INTEGER NOT NULL,
    registered_at TEXT NOT NULL,
    model TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_kernel ON sessions (kernel_id);
CREATE INDEX IF NOT EXISTS sessions_live ON sessions (ended);
"""


class SessionRegistry:
    """SQLite store of :class:`SessionModel`; the manager is its only writer."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process (only an OS crash could lose a commit).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def save(self, session: SessionModel) -> None:
        self._db.execute(
            "INSERT INTO sessions (id, kernel_id, owner, provider, ended, registered_at, model) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "kernel_id = excluded.kernel_id, owner = excluded.owner, "
            "provider = excluded.provider, ended = excluded.ended, model = excluded.model",
            (
                session.id,
                session.kernel_id,
                session.owner,
                session.provider,
                int(session.state == "closed"),
                session.registered_at,
                session.model_dump_json(),
            ),
        )

    def load(self) -> list[SessionModel]:
        """Every session, oldest registration first."""
        rows = self._db.execute("SELECT model FROM sessions ORDER BY registered_at, id")
        return [SessionModel.model_validate_json(model) for (model,) in rows]

    def close(self) -> None:
        self._db.close()
