"""Between the running emulator and its :class:`.store.EmulatorStore`: what changed since the
last save, writing it, and taking a stored state back after a restart.

The scheduler marks what it changes in an :class:`UnsavedChanges`; handlers mark what they
change outside it (a job's tags, a private result read) with :meth:`UnsavedChanges.job`.
:func:`save` writes the lot in one transaction: before a command's answer, and after each
clock event. A save that fails keeps the marks, so the next one that succeeds writes it all;
a command whose changes could not be saved is undone with :func:`roll_back`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .clock import ManualClock
from .models import QUEUED, RUNNING, Job, Session

if TYPE_CHECKING:
    from .emulator import Emulator
    from .scheduler import QueueScheduler
    from .store import EmulatorStore

log = logging.getLogger(__name__)


@dataclass
class UnsavedChanges:
    """Ids of the jobs and sessions changed, and of the jobs deleted, since the last save."""

    jobs: set[str] = field(default_factory=set)
    deleted_jobs: set[str] = field(default_factory=set)
    sessions: set[str] = field(default_factory=set)

    def job(self, job_id: str) -> None:
        self.jobs.add(job_id)

    def job_deleted(self, job_id: str) -> None:
        self.jobs.discard(job_id)
        self.deleted_jobs.add(job_id)

    def __bool__(self) -> bool:
        return bool(self.jobs or self.deleted_jobs or self.sessions)

    def clear(self) -> None:
        self.jobs.clear()
        self.deleted_jobs.clear()
        self.sessions.clear()


def save(store: EmulatorStore, scheduler: QueueScheduler, now: float) -> None:
    """Write what changed since the last successful call, in one transaction; raises
    :class:`.EmulatorStateUnavailable` (the changes stay marked) if it cannot be committed."""
    unsaved = scheduler.unsaved
    if not unsaved:
        return
    sessions = [scheduler.sessions[i] for i in unsaved.sessions if i in scheduler.sessions]
    jobs = [scheduler.jobs[i] for i in unsaved.jobs if i in scheduler.jobs]
    store.save(sessions, jobs, unsaved.deleted_jobs, now)
    unsaved.clear()


def restore(store: EmulatorStore, emulator: Emulator) -> list[Job]:
    """Continue from the stored state: keys, a manual clock's time, sessions and jobs (queued
    jobs queue on). Return the running jobs whose simulation died with the last process."""
    sessions, jobs, keys, clock_now = store.load()
    for key, user in keys.items():
        emulator.tokens.add_key(key, user)
    emulator.tokens.on_new_key.append(store.save_key)
    if isinstance(emulator.clock, ManualClock) and clock_now is not None:
        emulator.clock.advance(max(0.0, clock_now - emulator.clock.now()))
    _take_back(emulator, sessions, jobs, {})
    log.info("Restored %d sessions and %d jobs from %s", len(sessions), len(jobs), store.path)
    return [job for job in jobs if job.status == RUNNING and not job.result_ready]


def roll_back(store: EmulatorStore, emulator: Emulator) -> list[Job]:
    """Forget every change since the last commit: a fresh scheduler takes the stored state.

    Called when a command's changes could not be committed, so that nothing the client was
    refused stays in memory (it retries the request: a kept job would run twice). The command
    ran in one loop callback right after a successful commit (request_handler.py), so the store
    holds exactly the state before it. A simulation the command started is stopped; the running
    jobs whose simulation it stopped (a cancel or a delete) are returned, to be simulated again.
    """
    old = emulator.scheduler
    sessions, jobs, _, _ = store.load()
    emulator.scheduler = emulator.new_scheduler()
    payloads = {job.id: job.payload for job in old.jobs.values() if job.payload is not None}
    _take_back(emulator, sessions, jobs, payloads)
    for job in old.pending_jobs():
        restored = emulator.scheduler.jobs.get(job.id)
        if job.status == RUNNING and (restored is None or restored.status != RUNNING):
            emulator.runner.cancel(job.id)  # the command started it
    emulator.feed.publish(set(old.unsaved.sessions))
    log.warning("Rolled back to the last committed state (%d jobs)", len(jobs))
    stopped = []
    for job in jobs:
        before = old.jobs.get(job.id)
        if job.status == RUNNING and not job.result_ready:
            if before is None or before.status != RUNNING:
                stopped.append(job)
    return stopped


def _take_back(
    emulator: Emulator, sessions: list[Session], jobs: list[Job], payloads: dict[str, Any]
) -> None:
    """Index stored sessions and jobs in the emulator's scheduler; the jobs still to simulate
    get their prepared payload (kept from memory where there is one)."""
    emulator.scheduler.restore(sessions, jobs)
    for job in jobs:
        if job.status in (QUEUED, RUNNING):
            job.payload = payloads.get(job.id) or emulator.runner.prepare(
                job.program_id, job.backend, job.params
            )
