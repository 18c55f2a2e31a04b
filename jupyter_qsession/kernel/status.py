"""The status a ``%%qsession`` cell shows: displayed when the cell starts (before its body runs
and before any job queues), updated when it ends, and live in between wherever something can
keep it live.

It is one display (with a ``display_id``) of three representations:

- :data:`STATUS_MIME` — which session, when the cell started, the cell's job ids (``null``
  while the cell runs: then its jobs are the session's jobs newer than ``after_job``). In
  JupyterLab the sidebar's renderer draws it live from the same store the sidebar lists,
  fed by the lab server's events, so every cell's status follows its session;
- ``text/html`` and ``text/plain`` — the last-known status line, what a reloaded notebook
  or a frontend without the extension shows.

Outside a lab server (plain IPython kernels, VS Code) nothing pushes changes, so one
:class:`StatusFollower` per kernel reads the service and updates the line of every live
status until its session ends. Words come from :mod:`jupyter_qsession.vocabulary`, the TTL
and times from :mod:`jupyter_qsession.timing`.
"""

from __future__ import annotations

import html
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..client.calls import parallel
from ..durations import format_duration
from ..errors import QSessionError
from ..session_table import job_counts
from ..timing import epoch, max_ttl_deadline, seconds_left, to_iso
from ..vocabulary import (
    ENDED_WORDS,
    FINAL_JOB_STATUSES,
    SessionState,
    ended_reason_of,
    state_word,
)
from ..wire import EMULATOR_URL_ENV, PROVIDER_ENV

STATUS_MIME = "application/vnd.jupyter.qsession.status+json"


def time_left(details: dict[str, Any], now: float) -> float | None:
    """Seconds from ``now`` (epoch) until the max TTL of the session ``details`` describes;
    None before the session started (its first job) and once it is closed."""
    if details.get("state") == SessionState.CLOSED:
        return None
    deadline = max_ttl_deadline(epoch(details.get("started_at")), details.get("max_time"))
    return seconds_left(deadline, now)


def ended_words(details: dict[str, Any]) -> str | None:
    """Why the session ``details`` describe has ended, as the end of "ended: …"; None while
    it has not."""
    if details.get("state") != SessionState.CLOSED:
        return None
    stamps = details.get("timestamps") or [{}]
    return ENDED_WORDS[ended_reason_of(stamps[-1].get("reason"))]


def summary(
    backend: str,
    mode: str,
    session_id: str,
    details: dict[str, Any] | None,
    jobs: list[tuple[str | None, Any]] | None,
    now: float,
    *,
    running: bool = False,
) -> str:
    """One line: ``fake_manila · session abc · active · 7:59:10 left · jobs of this cell:
    3 sampler DONE``. ``backend`` may name the account (``fake_manila on team-a``, where the
    lab serves several: ``LiveSession.label``). ``mode`` is the magic's word
    (``session``/``batch``); ``jobs`` the cell's ``(primitive, status)`` pairs, or None for a
    status that belongs to no cell; ``details`` None before anything was read (the cell just
    started)."""
    parts = [backend, f"{mode} {session_id}"]
    ended = None if details is None else ended_words(details)
    if ended is not None:
        parts.append(f"ended: {ended}")
    elif details is not None:
        parts.append(state_word(details.get("state") or SessionState.OPEN,
                                details.get("accepting_jobs") is not False))  # fmt: skip
        left = time_left(details, now)
        if left is None:
            parts.append("TTL starts with the first job")
        else:
            parts.append(f"{format_duration(left)} left")
    if jobs is not None:
        counts = job_counts(jobs)
        if counts:
            parts.append(f"jobs of this cell: {counts}")
        else:
            parts.append("no job yet" if running else "no job in this cell")
    return " · ".join(parts)


def provider_name() -> str:
    """Which service the kernel talks to, as the lab server names providers."""
    fallback = "emulator" if os.environ.get(EMULATOR_URL_ENV) else "ibm"
    return os.environ.get(PROVIDER_ENV) or fallback


@dataclass
class CellStatus:
    """The status display of one session in one cell's output.

    ``show`` displays it; ``update`` replaces its line (and, once the cell ended, its job ids).
    What the renderer reads is :meth:`bundle`'s JSON; ``text`` is the last-known line.
    """

    live: Any  # kernel_sessions.LiveSession
    started: float  # epoch seconds the cell started
    after_job: str | None = None  # the session's newest job before the cell
    job_ids: list[str] | None = None  # the cell's jobs, once it ended
    jobs: list[Any] = field(default_factory=list)  # the cell's RuntimeJobV2s, oldest first
    statuses: list[Any] = field(default_factory=list)  # as last read, by job
    in_cell: bool = True  # False: `%qsession status`, a status of no cell
    text: str = ""
    ended: bool = False
    handle: Any = None

    def bundle(self) -> dict[str, Any]:
        data = {
            "session_id": self.live.id,
            "backend": self.live.backend.name,
            "mode": self.live.mode,
            "provider": provider_name(),
            "account": self.live.account,
            "started": to_iso(self.started),
            "after_job": self.after_job,
            "jobs": self.job_ids if self.in_cell else [],
            "in_cell": self.in_cell,
        }
        line = html.escape(self.text)
        return {
            STATUS_MIME: data,
            "text/html": f'<pre class="qsession-cell-status">{line}</pre>',
            "text/plain": self.text,
        }

    def show(self, text: str) -> None:
        from IPython.display import display

        self.text = text
        self.handle = display(self.bundle(), raw=True, display_id=True)

    def update(self, text: str) -> None:
        self.text = text
        if self.handle is not None:
            self.handle.update(self.bundle(), raw=True)

    def finish(self, jobs: list[Any], details: dict[str, Any], now: float) -> None:
        """The cell ended: its jobs are ``jobs``; read their statuses and show the line."""
        self.jobs = jobs
        self.job_ids = [job.job_id() for job in jobs]
        self.statuses = [None] * len(jobs)
        self.refresh(details, now)

    def refresh(self, details: dict[str, Any] | None, now: float) -> None:
        """Read what may still change (the details unless given, jobs not yet final) and
        update the line; a failure to read becomes the line."""
        pending = [i for i, status in enumerate(self.statuses) if status not in FINAL_JOB_STATUSES]
        fetch = [self.jobs[i].status for i in pending]
        try:
            if details is None:
                details, *statuses = parallel(self.live.details, *fetch)
            else:
                statuses = parallel(*fetch)
        except QSessionError as error:
            name = f"{self.live.label} · {self.live.mode} {self.live.id}"
            self.update(f"{name} · {error.message}")
            return
        for i, status in zip(pending, statuses, strict=True):
            self.statuses[i] = status
        primitives = [job.primitive_id for job in self.jobs]
        jobs = list(zip(primitives, self.statuses, strict=True)) if self.in_cell else None
        self.ended = details.get("state") == SessionState.CLOSED
        live = self.live
        self.update(summary(live.label, live.mode, live.id, details, jobs, now))


class StatusFollower:
    """One thread per kernel that keeps the statuses of its open sessions current from the
    service, where no lab server pushes changes: every ``interval`` seconds it reads each
    followed session once (and the cell jobs that are not final yet) and updates every
    status of that session; a status stops being followed once its session ended. The
    thread runs only while there is something to follow."""

    def __init__(self, interval: float = 2.0, clock: Callable[[], float] = time.time) -> None:
        self.interval = interval
        self.clock = clock
        self._statuses: list[CellStatus] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def follow(self, status: CellStatus) -> None:
        with self._lock:
            if status.ended:
                return
            self._statuses.append(status)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, daemon=True, name="qsession-status"
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            with self._lock:
                followed = list(self._statuses)
            read: dict[str, dict[str, Any] | None] = {}
            for status in followed:
                if status.live.id not in read:
                    read[status.live.id] = self._details(status.live)
                status.refresh(read[status.live.id], self.clock())
            with self._lock:
                self._statuses = [s for s in self._statuses if not s.ended]
                if not self._statuses:
                    self._thread = None
                    return

    def _details(self, live: Any) -> dict[str, Any] | None:
        try:
            return live.details()
        except QSessionError:
            return None  # each status reads it again and shows the failure
