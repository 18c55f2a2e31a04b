"""The queued jobs of every backend, indexed so that each scheduler event costs O(pending work),
not O(every job ever submitted). :class:`.scheduler.QueueScheduler` owns one and alone changes
it; the rules (:mod:`.rules`) read it through the scheduler."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator

from .models import QUEUED, Job


class JobQueue:
    """Queued jobs by id, a FIFO-by-eligibility heap per backend, and cached queue positions."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        # Per backend, a heap of (eligible_at, arrival number, id) of its queued jobs: FIFO
        # among eligible jobs. Entries of jobs that left the queue are dropped at the top.
        self._heaps: dict[str, list[tuple[float, int, str]]] = {}
        self._arrivals = itertools.count()
        # Positions are read on every client poll: computed once per change of state.
        self._version = 0
        self._positions: dict[str, tuple[int, dict[str, int]]] = {}

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def backends(self) -> list[str]:
        """Every backend that has had a queued job."""
        return list(self._heaps)

    def changed(self) -> None:
        """Something that may reorder the queue happened (a session's priority, a job)."""
        self._version += 1

    def add(self, job: Job) -> None:
        self._jobs[job.id] = job
        heapq.heappush(
            self._heaps.setdefault(job.backend, []),
            (job.eligible_at, next(self._arrivals), job.id),
        )

    def remove(self, job: Job) -> bool:
        """Take ``job`` out (it started or ended); False if it was not queued."""
        return self._jobs.pop(job.id, None) is not None

    def first_in_line(self, backend: str) -> Job | None:
        """The queued job of ``backend`` that became eligible first (FIFO among equals)."""
        heap = self._heaps.get(backend, [])
        while heap and heap[0][2] not in self._jobs:
            heapq.heappop(heap)  # entries of jobs that left the queue are dropped here
        return self._jobs[heap[0][2]] if heap else None

    def length(self, backend: str) -> int:
        return sum(1 for job in self._jobs.values() if job.backend == backend)

    def position(self, job: Job, in_order: Callable[[str], list[Job]]) -> int | None:
        """``job``'s place in ``in_order(backend)`` (1: next to start), or None unless queued."""
        if job.status != QUEUED:
            return None
        version, positions = self._positions.get(job.backend, (-1, {}))
        if version != self._version:
            positions = {j.id: i for i, j in enumerate(in_order(job.backend), start=1)}
            self._positions[job.backend] = (self._version, positions)
        return positions[job.id]
