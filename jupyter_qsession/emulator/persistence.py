"""Between the running emulator and its :class:`.store.EmulatorStore`: what changed since the
last save, writing it, and taking a stored state back after a restart.

The scheduler marks what it changes in an :class:`UnsavedChanges`; handlers mark what they
change outside it (a job's tags, a private result read) with :meth:`UnsavedChanges.job`.
:func:`save` writes the lot in one transaction after each command and clock event.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .clock import ManualClock
from .models import QUEUED, RUNNING, Job

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
    """Write what changed since the last call, in one transaction."""
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
    emulator.scheduler.restore(sessions, jobs)
    for job in jobs:
        if job.status in (QUEUED, RUNNING):
            job.payload = emulator.runner.prepare(job.program_id, job.backend, job.params)
    log.info("Restored %d sessions and %d jobs from %s", len(sessions), len(jobs), store.path)
    return [job for job in jobs if job.status == RUNNING and not job.result_ready]
