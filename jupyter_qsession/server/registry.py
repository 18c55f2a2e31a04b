"""The session registry: every session the server has seen, in SQLite, written before it is told.

One row per session holding the serialized :class:`SessionModel`, plus the columns the server
queries on. Every write commits at once in WAL mode, so a server killed with SIGKILL loses
nothing it already reported to a browser.

Faults lose nothing good:

- a file that cannot be used — not SQLite, truncated, emptied (0 bytes: a registry is created
  whole, schema included, so something emptied it), or in a folder where SQLite cannot keep
  its ``-wal`` and ``-shm`` files — raises :class:`RegistryUnavailable` before anything is
  written to it: it stays exactly as it was, for inspection;
- a row that does not parse is moved, unchanged, to the ``set_aside`` table with the error
  and the time, and logged as a WARNING; the other rows load.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import RegistryUnavailable
from .models import SessionModel

log = logging.getLogger(__name__)

COLUMNS = "id, kernel_id, owner, provider, ended, registered_at, model"
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
-- Rows of `sessions` that did not parse: their columns as they were (no types, no
-- constraints), why they did not parse and when they were moved here.
CREATE TABLE IF NOT EXISTS set_aside (
    id, kernel_id, owner, provider, ended, registered_at, model,
    error TEXT NOT NULL,
    set_aside_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SetAsideRow:
    """A registry row that could not be read, kept in the ``set_aside`` table."""

    session_id: str | None
    error: str
    set_aside_at: str


@dataclass(frozen=True)
class Loaded:
    sessions: list[SessionModel]
    # Every row in the set_aside table, earlier starts' included, oldest first.
    set_aside: list[SetAsideRow]


class SessionRegistry:
    """SQLite store of :class:`SessionModel`; the manager is its only writer.

    Nothing is opened until :meth:`load`, which raises :class:`RegistryUnavailable` when the
    file cannot be used; :meth:`save` raises it when a write fails.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: sqlite3.Connection | None = None

    def load(self, now: str) -> Loaded:
        """Open (creating a new registry if there is no file) and read every session, oldest
        registration first; rows that do not parse are set aside at ``now``."""
        self._db = self._open()
        rows = self._db.execute(
            "SELECT rowid, id, model FROM sessions ORDER BY registered_at, id"
        ).fetchall()
        sessions, unreadable = [], []
        for rowid, session_id, model in rows:
            try:
                session = SessionModel.model_validate_json(model)
                if session.id != session_id:
                    raise ValueError(f"its model is session {session.id!r}")
            except (ValueError, TypeError) as exc:  # ValidationError is a ValueError
                unreadable.append((rowid, session_id, _reason(exc)))
            else:
                sessions.append(session)
        if unreadable:
            self._set_aside(unreadable, now)
        kept = self._db.execute("SELECT id, error, set_aside_at FROM set_aside ORDER BY rowid")
        return Loaded(sessions, [SetAsideRow(*row) for row in kept])

    def find(self, session_id: str) -> SessionModel | None:
        """The row of ``session_id`` as it is in the file now (another lab server sharing the
        registry may have written it since :meth:`load`), or None; a row that does not parse
        counts as none (the next load sets it aside)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT model FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise RegistryUnavailable.at(self.path, f"cannot be read ({exc})") from None
        if row is None:
            return None
        try:
            return SessionModel.model_validate_json(row[0])
        except (ValueError, TypeError):
            return None

    def save(self, session: SessionModel, model_json: str) -> None:
        """Write ``session``; ``model_json`` is its serialization (made once per change by the
        manager, which sends the same text to the browsers)."""
        try:
            self._db.execute(
                f"INSERT INTO sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "kernel_id = excluded.kernel_id, owner = excluded.owner, "
                "provider = excluded.provider, ended = excluded.ended, model = excluded.model",
                (
                    session.id,
                    session.kernel_id,
                    session.owner,
                    session.provider,
                    int(session.state == "closed"),
                    session.registered_at,
                    model_json,
                ),
            )
        except sqlite3.Error as exc:
            raise RegistryUnavailable.at(self.path, f"cannot be written ({exc})") from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ----------------------------------------------------------------- opening
    def _open(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            return _connect(self.path)
        path = Path(self.path)
        if not path.exists() and not path.is_symlink():
            self._create(path)
        self._check(path)
        try:
            db = _connect(str(path))
            # Takes the write lock, so a file or folder SQLite cannot write fails here.
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            raise RegistryUnavailable.at(self.path, f"cannot be written ({exc})") from None
        return db

    def _create(self, path: Path) -> None:
        """A new registry, schema included, appears whole or not at all (never 0 bytes)."""
        new = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, new = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
            os.close(fd)
            _connect(new).close()
            os.replace(new, path)
        except (OSError, sqlite3.Error) as exc:
            if new is not None and os.path.exists(new):
                os.remove(new)
            why = getattr(exc, "strerror", None) or exc  # not the temporary file's name
            raise RegistryUnavailable.at(
                self.path, f"cannot be created in its folder ({why})", file_kept=False
            ) from None

    def _check(self, path: Path) -> None:
        """Refuse a file that is not a readable registry, without writing to it."""
        fault = None
        if path.is_dir():
            fault = "is a folder, not a file"
        elif not os.access(path.parent, os.W_OK | os.X_OK):
            fault = (
                "cannot be written: its folder does not accept new files (SQLite keeps its "
                "-wal and -shm files next to the registry)"
            )
        elif not os.access(path, os.R_OK | os.W_OK):
            fault = "cannot be written: this server may not read and write the file"
        elif path.stat().st_size == 0:
            fault = (
                "is empty (0 bytes): a registry always holds its schema, so something emptied it"
            )
        else:
            fault = _read_only_check(path)
        if fault is not None:
            raise RegistryUnavailable.at(self.path, fault)

    def _set_aside(self, rows: list[tuple[int, str | None, str]], now: str) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for rowid, _, error in rows:
                self._db.execute(
                    f"INSERT INTO set_aside ({COLUMNS}, error, set_aside_at) "
                    f"SELECT {COLUMNS}, ?, ? FROM sessions WHERE rowid = ?",
                    (error, now, rowid),
                )
                self._db.execute("DELETE FROM sessions WHERE rowid = ?", (rowid,))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise RegistryUnavailable.at(
                self.path, f"holds rows that do not parse and cannot be set aside ({exc})"
            ) from None
        for rowid, session_id, error in rows:
            log.warning(
                "jupyter_qsession: registry row %d (session %r) does not parse and was set "
                "aside in table set_aside of %s: %s",
                rowid,
                session_id,
                self.path,
                error,
            )


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode survives a killed process (only an OS crash could lose a commit).
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def _read_only_check(path: Path) -> str | None:
    """What is wrong with the file, read through a read-only connection (which never writes
    the file, nor checkpoints into it on close), or None. Removes the ``-wal``/``-shm`` files
    the check itself made, so a refused registry's folder is left as it was."""
    sides = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    existed = {side for side in sides if side.exists()}
    problem = None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
        if check != "ok":
            problem = f"is damaged ({check})"
        elif "sessions" not in tables:
            problem = "is not a session registry (it has no sessions table)"
    except sqlite3.Error as exc:
        problem = f"is unreadable ({exc})"
    if problem is not None:
        for side in sides:
            if side not in existed and side.exists():
                side.unlink()
    return problem


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        words = [
            f"{'.'.join(str(part) for part in error['loc']) or 'model'}: {error['msg']}"
            for error in errors[:3]
        ]
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        return "; ".join(words) + more
    return str(exc)
