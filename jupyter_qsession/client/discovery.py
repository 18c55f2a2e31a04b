"""Finding the account's open sessions from its jobs, at a cost that does not grow with its
history.

Neither IBM's REST API nor the client lists sessions (``close_all_sessions()`` /
``open_sessions()`` are still a wish: https://github.com/Qiskit/qiskit-ibm-runtime/issues/963);
what the account can list is its jobs (``GET /jobs``, filters ``pending``, ``created_after``,
``limit``, ``skip``: https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/jobs;
``QiskitRuntimeService.jobs()`` in the client), and each job names its ``session_id``. So a
session is found through its jobs:

* the account's **pending** jobs (queued or running): their sessions hold, or will hold, a QPU;
* the jobs **created since the previous look** (the first look: within ``look_back``, by
  default the service's longest max TTL, 8 h — "the maximum TTL … 8 hours"
  https://quantum.cloud.ibm.com/docs/guides/max-execution-time#session-ttl), so a session
  that is open but idle, all its jobs finished, is found too.

Each look asks for the pending jobs and the new ones, never for the account's finished
history, so its cost is constant in the number of closed sessions and finished jobs (after
the first look, which reads ``look_back`` of history once).

What jobs cannot show: a session **with no job at all** (created, never used) names no job,
so it cannot be found on IBM's service; it closes by itself ("an unused session closes after
30 minutes", https://quantum.cloud.ibm.com/docs/guides/run-jobs-session). Nor can a session
whose last job is older than ``look_back`` at the first look and that has no pending job —
it has outlived any session's max TTL unless its start waited long in the queue.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..timing import epoch, to_iso
from ..vocabulary import SessionState

#: The longest max TTL a session can have on IBM's service (8 h): the first look reads the
#: jobs created within it, so an idle session that is still open is found.
MAX_SESSION_TTL = 8 * 60 * 60

#: Jobs asked for per page of the listing.
PAGE_SIZE = 100

#: Seconds the next look reaches back before the newest job seen, so a job that became
#: visible a moment after a newer one (a distributed service) is not skipped.
OVERLAP = 5.0

#: How many looks a found id is offered again while the caller has not come to know it
#: (its read failed): enough to ride out a short outage, bounded so a vanished id stops.
RETRIES = 3

JobLister = Callable[..., Awaitable[list[dict[str, Any]]]]


def session_ids(jobs: Iterable[dict[str, Any]]) -> set[str]:
    """The sessions (or batches) that ``jobs`` belong to; a job-mode job has none."""
    return {job["session_id"] for job in jobs if job.get("session_id")}


class SessionFinder:
    """Looks for the account's sessions that may be open, each look costing the same however
    many sessions the account closed before.

    ``list_jobs(**filters)`` lists the account's jobs as the client's ``service.jobs()``
    filters them — ``pending=True``, ``created_after=<ISO 8601>``, ``limit``, ``skip`` —
    newest first, each a dict with at least ``id``, ``session_id``, ``status`` and
    ``created`` (ISO 8601). ``clock`` gives the service's "now" for the first look's
    look-back (pass the emulator's clock where it runs on one); later looks count from the
    newest job the service reported, never from this machine's clock.
    """

    def __init__(
        self,
        list_jobs: JobLister,
        *,
        look_back: float = MAX_SESSION_TTL,
        clock: Callable[[], float] = time.time,
        page_size: int = PAGE_SIZE,
        overlap: float = OVERLAP,
    ) -> None:
        self.list_jobs = list_jobs
        self.look_back = look_back
        self.clock = clock
        self.page_size = page_size
        self.overlap = overlap
        self.since: float | None = None  # created_after of the next look (service time)
        self.requests = 0  # listing requests made, for the benchmark
        self._offered: dict[str, int] = {}  # found, not known yet: looks left to offer it

    async def find(self, known: set[str]) -> set[str]:
        """Ids of the sessions that may be open and are not in ``known``: those of the
        account's pending jobs and of the jobs created since the previous look. Closed ones
        may be among them (their jobs are recent); the caller reads each and adds what it
        read to ``known``. An id the caller did not come to know (its read failed) is offered
        again on the next looks, up to ``RETRIES`` times."""
        since = self.since if self.since is not None else self.clock() - self.look_back
        pending = await self._all(pending=True)
        recent = await self._all(created_after=to_iso(since))
        newest = max((epoch(job.get("created")) or since for job in recent), default=since)
        self.since = max(since, newest - self.overlap)
        for session_id in session_ids(pending + recent):
            self._offered[session_id] = RETRIES
        found = {session_id for session_id in self._offered if session_id not in known}
        self._offered = {k: n - 1 for k, n in self._offered.items() if k in found and n > 1}
        return found

    async def _all(self, **filters: Any) -> list[dict[str, Any]]:
        """Every job matching ``filters``, one request per page. The listing is newest first,
        so a job created while paging pushes the rest one place down: seen twice, never
        missed."""
        jobs: list[dict[str, Any]] = []
        while True:
            self.requests += 1
            page = await self.list_jobs(limit=self.page_size, skip=len(jobs), **filters)
            jobs += page
            if len(page) < self.page_size:
                return jobs


def find_open_sessions(
    service: Any, *, look_back: float = MAX_SESSION_TTL, clock: Callable[[], float] = time.time
) -> list[dict[str, Any]]:
    """The account's open sessions and batches, as ``Session.details()`` describes each (plus
    nothing), oldest id first: one look of :class:`SessionFinder` through the unmodified
    client's public API — ``service.jobs(pending=True)`` and ``service.jobs(created_after=…)``,
    then ``Session.from_id(id, service).details()`` (``Batch.from_id`` for a batch) for each
    session they name — keeping those not closed. Synchronous, for the command line's direct
    mode and for a kernel (no event loop needed). ``service`` is a
    ``QiskitRuntimeService``. The limits of the module docstring apply: a session without a
    job cannot be found."""
    after = to_iso(clock() - look_back)
    jobs = service.jobs(pending=True, limit=None) + service.jobs(created_after=after, limit=None)
    found = []
    for session_id in sorted({job.session_id for job in jobs if job.session_id}):
        details = session_details(service, session_id)
        if details is not None and details.get("state") != SessionState.CLOSED:
            found.append(details)
    return found


def session_details(service: Any, session_id: str) -> dict[str, Any] | None:
    """``Session.details()`` of a session or batch by id; ``None`` when the service does not
    know it."""
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    try:
        return session_by_id(service, session_id).details()
    except IBMInputValueError:
        return None


def session_by_id(service: Any, session_id: str) -> Any:
    """The client's ``Session`` for a session's id, or its ``Batch`` for a batch's: its
    ``from_id`` insists on the right class ("has execution mode batch instead of
    dedicated"). Raises the client's ``IBMInputValueError`` for an id the service does not
    know."""
    from qiskit_ibm_runtime import Batch, Session
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    try:
        return Session.from_id(session_id, service)
    except IBMInputValueError as exc:
        if "execution mode batch" not in str(exc):
            raise
    return Batch.from_id(session_id, service)
