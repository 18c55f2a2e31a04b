"""The status a ``%%qsession`` cell leaves in its output: backend, state, TTL left, the cell's
jobs by primitive and status, with close/cancel buttons (ipywidgets); plain text where widgets
cannot render.

The widget refreshes itself from the service every ``interval`` seconds on a daemon thread
while its session is open (a job already in a final status is not asked again); only the
newest status of a kernel stays live. Words come from :mod:`jupyter_qsession.vocabulary`, the
TTL from :mod:`jupyter_qsession.timing`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import QSessionError
from ..timing import epoch, max_ttl_deadline, seconds_left
from ..vocabulary import FINAL_JOB_STATUSES, SessionState, state_word
from .client_calls import call, parallel
from .durations import format_duration


def time_left(details: dict[str, Any], now: float) -> float | None:
    """Seconds from ``now`` (epoch) until the max TTL of the session ``details`` describes;
    None before the session started (its first job) and once it is closed."""
    if details.get("state") == SessionState.CLOSED:
        return None
    deadline = max_ttl_deadline(epoch(details.get("started_at")), details.get("max_time"))
    return seconds_left(deadline, now)


def job_counts(jobs: Iterable[tuple[str | None, Any]]) -> str:
    """``1 sampler DONE, 2 executor QUEUED``: ``(primitive, status)`` pairs counted, in the
    order they first appear; ``none`` for no jobs. The primitive is the job's program id, so a
    job of the client-side ``Sampler``/``Estimator`` counts as ``executor``."""
    counts = Counter((primitive or "job", str(status)) for primitive, status in jobs)
    words = [f"{n} {primitive} {status}" for (primitive, status), n in counts.items()]
    return ", ".join(words) or "none"


def summary(
    backend: str,
    session_id: str,
    details: dict[str, Any],
    jobs: list[tuple[str | None, Any]],
    now: float,
) -> str:
    """One line: ``fake_manila · session abc · active · 7:59:10 left · jobs of this cell:
    3 sampler DONE``; ``jobs`` are the cell's ``(primitive, status)`` pairs."""
    closed = details.get("state") == SessionState.CLOSED
    state = state_word(details.get("state") or SessionState.OPEN,
                       details.get("accepting_jobs") is not False)  # fmt: skip
    left = time_left(details, now)
    ttl = "TTL starts with the first job" if left is None else f"{format_duration(left)} left"
    if closed:
        ttl = "ended"
    return (
        f"{backend} · session {session_id} · {state} · {ttl} · "
        f"jobs of this cell: {job_counts(jobs)}"
    )


class SessionStatus:
    """The live status of one session in one cell's output."""

    _live: SessionStatus | None = None
    _lock = threading.Lock()

    def __init__(
        self,
        sessions,
        live,
        jobs: list[Any],
        interval: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.live = live
        self.jobs = jobs  # the cell's RuntimeJobV2s, oldest first
        self.statuses: list[Any] = [None] * len(jobs)  # as last read, by job
        self.interval = interval
        self.clock = clock
        self._stop = threading.Event()
        self.text = ""
        self.widget = self._build_widget()

    def refresh(self, details: dict[str, Any] | None = None) -> str:
        pending = [i for i, status in enumerate(self.statuses) if status not in FINAL_JOB_STATUSES]
        fetch = [self.jobs[i].status for i in pending]
        try:
            if details is None:
                details, *statuses = parallel(self.live.details, *fetch)
            else:
                statuses = parallel(*fetch)
        except QSessionError as error:
            self.text = f"{self.live.backend.name} · session {self.live.id} · {error.message}"
        else:
            for i, status in zip(pending, statuses, strict=True):
                self.statuses[i] = status
            primitives = [job.primitive_id for job in self.jobs]
            jobs = list(zip(primitives, self.statuses, strict=True))
            now = self.clock()
            self.text = summary(self.live.backend.name, self.live.id, details, jobs, now)
            if details.get("state") == SessionState.CLOSED:
                self._stop.set()
        if self.widget is not None:
            self._label.value = self.text
            ended = self._stop.is_set()
            self._close.disabled = self._cancel.disabled = ended
        return self.text

    def show(self, details: dict[str, Any] | None = None) -> None:
        """Display in the cell's output, and keep it current while the session is open."""
        from IPython.display import display

        self.refresh(details)
        if self.widget is None:
            print(self.text)
            return
        display(self.widget)
        with SessionStatus._lock:
            if SessionStatus._live is not None:
                SessionStatus._live._stop.set()
            SessionStatus._live = self
        threading.Thread(target=self._follow, daemon=True, name="qsession-status").start()

    def _follow(self) -> None:
        while not self._stop.wait(self.interval):
            self.refresh()

    def _build_widget(self) -> Any:
        try:
            import ipywidgets as widgets
        except ImportError:
            return None
        status = self

        class StatusBox(widgets.HBox):
            def _repr_mimebundle_(self, **kwargs):
                bundle = super()._repr_mimebundle_(**kwargs)
                bundle["text/plain"] = status.text  # what frontends without widgets show
                return bundle

        self._label = widgets.Label(value="")
        self._close = widgets.Button(description="Close session", tooltip="Queued jobs still run")
        self._cancel = widgets.Button(
            description="Cancel session", tooltip="Queued jobs are cancelled", button_style="danger"
        )
        self._close.on_click(lambda _: self._end("close"))
        self._cancel.on_click(lambda _: self._end("cancel"))
        return StatusBox([self._label, self._close, self._cancel])

    def _end(self, how: str) -> None:
        try:
            if self.sessions.current is self.live:
                self.sessions.end(how)
            else:
                call(getattr(self.live.session, how))
        except QSessionError as error:
            self._label.value = error.message
            return
        self.refresh()
