"""A Qiskit Runtime service (IBM Quantum, or a standalone emulator) through the public client.

The service cannot push, so this provider polls the sessions the manager follows every
``refresh_interval`` and pushes what it read. Per open session and interval: the session's
details and one listing of its jobs; a job's start and end times are read once each (its
metrics) and finished jobs are kept, since they never change.

Discovery (:meth:`Provider.discover`, every ``refresh_interval``): a
:class:`~jupyter_qsession.client.discovery.SessionFinder` over the account's job listing —
its pending jobs and those created since the previous look — then each found session read as
above. Usage: ``service.usage()`` (``GET /instances/usage``).

Every call runs in a worker thread (the client is synchronous) and is mapped to our errors:
404 -> NotFound, 409 -> Conflict, anything unreachable -> ProviderUnavailable.
qiskit-ibm-runtime is imported on first use: a lab configured for the emulator never loads it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from traitlets import Unicode

from ...client.discovery import SessionFinder, session_by_id
from ...errors import Conflict, NotFound, ProviderUnavailable
from ...timing import epoch, interactive_deadline, max_ttl_deadline, to_iso
from ...vocabulary import (
    FINAL_JOB_STATUSES,
    SERVICE_JOB_STATUS,
    AccountSource,
    JobStatus,
    SessionState,
    ended_reason_of,
)
from ..models import AccountUsage, JobModel, ServiceSession, Transition
from .base import ChangeListener, Provider, usage_from_report

PAGE = 100  # jobs per page of the listing


class RuntimeServiceProvider(Provider):
    """Sessions of one account on a remote Qiskit Runtime service, read with
    ``qiskit-ibm-runtime``: IBM Quantum, or any Runtime API at ``url`` — a standalone
    `jupyter qsession emulator` is recognized (``client/emulator_probe.py``) and reached as its
    own client reaches it. The account is ``spec`` (``client/accounts_file.py``), or the
    ``url``/``token``/``channel``/``instance`` it is built from."""

    name = "ibm"
    pushes = False

    account_name = Unicode("", help="The account's name.")
    channel = Unicode("ibm_quantum_platform", help="qiskit-ibm-runtime channel.")
    token = Unicode("", help="The account's API key.")
    instance = Unicode("", help="IBM Cloud instance CRN or name.")
    url = Unicode("", help="A Qiskit Runtime API URL instead of IBM's (e.g. an emulator).")

    def __init__(self, spec: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec if spec is not None else self._spec_of_traits()
        self.kind = "ibm"  # "emulator" once the url answered as one
        self._service: Any = None
        self._sessions: dict[str, Any] = {}  # qiskit_ibm_runtime.Session by id
        # Final jobs never change: kept instead of re-read. A running job's start, read once.
        self._final_jobs: dict[str, JobModel] = {}
        self._started: dict[str, str | None] = {}
        # When this provider first saw a session inactive, for services that give no history.
        self._inactive_seen: dict[str, str] = {}
        self._poller: asyncio.Task | None = None
        self.clock: Callable[[], float] = time.time
        self.finder = SessionFinder(self._list_jobs, clock=lambda: self.clock())

    async def start(self, on_change: ChangeListener) -> None:
        """Start polling. The service itself is built on first use, so an unreachable service
        at server start costs a clear error on first use, not a failed server."""
        self._poller = asyncio.ensure_future(self._poll(on_change))

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        self._sessions.clear()

    def kernel_env(self) -> dict[str, str]:
        """Nothing: kernels find an account as the lab does (its account file, or the
        config accounts the lab exports, ``AccountsProvider.kernel_env``)."""
        return {}

    def _spec_of_traits(self) -> Any:
        from ...client.accounts_file import AccountSpec

        return AccountSpec(
            name=self.account_name or "ibm",
            channel=self.channel,
            token=self.token,
            url=self.url or None,
            instance=self.instance or None,
            source=AccountSource.CONFIG,
            is_default=False,
        )

    async def read(self, session_id: str) -> ServiceSession:
        return await self._run(self._read, session_id)

    async def close(self, session_id: str) -> ServiceSession:
        await self._run(lambda: self._session(session_id).close())
        return await self.read(session_id)

    async def cancel(self, session_id: str) -> ServiceSession:
        await self._run(lambda: self._session(session_id).cancel())
        return await self.read(session_id)

    async def cancel_job(self, job_id: str, session_id: str) -> ServiceSession:
        await self._run(lambda: self._client().job(job_id).cancel())
        return await self.read(session_id)

    # ----------------------------------------------------------------- the account
    async def discover(self) -> dict[str, ServiceSession]:
        """The account's sessions that may be open and are not held, each read whole."""
        return await self.read_found(await self.finder.find(set(self.held)))

    async def backends(self) -> list[str]:
        """The names the account's ``GET /backends`` lists (its first call also connects):
        one request, where ``service.backends()`` would read every backend's configuration."""

        def names() -> list[str]:
            devices = self._client()._get_api_client().list_backends()
            return [d["name"] if isinstance(d, dict) else str(d) for d in devices]

        return await self._run(names)

    async def usage(self) -> AccountUsage:
        """``service.usage()``: the instance's usage for the period."""
        report = await self._run(lambda: self._client().usage())
        return usage_from_report(report, to_iso(self.clock()) or "")

    async def _list_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        """One page of the account's jobs, newest first (``GET /jobs`` with the client's
        filters), each with its ``status`` (the listing's ``state.status``)."""
        reply = await self._run(lambda: self._client()._get_api_client().jobs_get(**filters))
        jobs = reply.get("jobs", [])
        for job in jobs:
            job.setdefault("status", (job.get("state") or {}).get("status"))
        return jobs

    async def _poll(self, on_change: ChangeListener) -> None:
        while True:
            await asyncio.sleep(self.refresh_interval)
            if self.health is not None and not self.health.due():
                continue  # an unreachable account is asked again when its backoff says
            changed: dict[str, ServiceSession | None] = {}
            for session_id in sorted(self.followed):
                try:
                    changed[session_id] = await self.read(session_id)
                except NotFound:
                    changed[session_id] = None
                except ProviderUnavailable as exc:
                    if self.health is None:
                        self.log.warning("jupyter_qsession: cannot read %s: %s", session_id, exc)
                        continue
                    self.health.failed(str(exc))
                    break  # the next try is the backoff's
            self.push(on_change, changed)

    # ----------------------------------------------------------------- worker-thread side
    def _client(self) -> Any:
        if self._service is None:
            self._service = self._build_service()
        return self._service

    def _build_service(self) -> Any:
        from ...client.account_service import service_for
        from ...client.emulator_probe import service_kind
        from ...client.service import without_token_notice

        kind = service_kind(self.spec.url)
        with without_token_notice():  # the account's key, passed on purpose
            service = service_for(self.spec, kind)
        self.kind = kind
        return service

    def _session(self, session_id: str) -> Any:
        session = self._sessions.get(session_id)
        if session is None:
            session = session_by_id(self._client(), session_id)
            self._sessions[session_id] = session
        return session

    def _read(self, session_id: str) -> ServiceSession:
        details = self._session(session_id).details() or {}
        jobs = [self._job(raw) for raw in self._job_listing(session_id)]
        state = details.get("state") or SessionState.OPEN.value
        started = epoch(details.get("started_at"))
        activated = epoch(details.get("activated_at"))
        interactive = details.get("interactive_timeout")
        closed = state == SessionState.CLOSED
        history = details.get("timestamps") or []
        return ServiceSession(
            backend=details.get("backend_name") or "",
            mode=details.get("mode") or "dedicated",
            state=state,
            accepting_jobs=bool(details.get("accepting_jobs")),
            max_time=details.get("max_time"),
            interactive_timeout=interactive,
            started_at=to_iso(started),
            activated_at=to_iso(activated),
            expires_at=to_iso(max_ttl_deadline(started, details.get("max_time"))),
            interactive_expires_at=to_iso(
                interactive_deadline(
                    active=state == SessionState.ACTIVE,
                    pending_jobs=any(job.status not in FINAL_JOB_STATUSES for job in jobs),
                    activated_at=activated,
                    last_job_completed=epoch(details.get("last_job_completed")),
                    interactive_ttl=interactive,
                )
            ),
            closed_at=to_iso(details.get("closed_at")),
            ended_reason=ended_reason_of((history or [{}])[-1].get("reason")) if closed else None,
            usage_seconds=float(details.get("usage_time") or 0.0),
            transitions=self._transitions(session_id, state, details, history),
            jobs=jobs,
        )

    def _transitions(
        self, session_id: str, state: str, details: dict, history: list[dict]
    ) -> list[Transition]:
        """The service's own state history when it gives one; else what its times say
        (started, activated, closed), with inactive when this provider first saw it."""
        known = {s.value for s in SessionState}
        if history:
            return [
                Transition(state=t["status"], at=to_iso(t["timestamp"]))
                for t in history
                if t.get("status") in known and t.get("timestamp")
            ]
        if state == SessionState.INACTIVE:
            self._inactive_seen.setdefault(session_id, to_iso(self.clock()) or "")
        stamps = [
            (SessionState.OPEN, details.get("started_at")),
            (SessionState.ACTIVE, details.get("activated_at")),
            (SessionState.INACTIVE, self._inactive_seen.get(session_id)),
            (SessionState.CLOSED, details.get("closed_at")),
        ]
        return [Transition(state=s, at=to_iso(at)) for s, at in stamps if at]

    def _job_listing(self, session_id: str) -> list[dict]:
        """The session's jobs as the service lists them, newest first: one call per page.
        (``QiskitRuntimeService.jobs()`` returns job objects that each read their status
        again; the listing already holds it.)"""
        api = self._client()._get_api_client()
        jobs: list[dict] = []
        while True:
            page = api.jobs_get(limit=PAGE, skip=len(jobs), session_id=session_id)
            jobs += page.get("jobs", [])
            if not page.get("jobs") or len(jobs) >= page.get("count", 0):
                return jobs

    def _job(self, raw: dict) -> JobModel:
        job_id = raw["id"]
        known = self._final_jobs.get(job_id)
        if known is not None:
            return known
        word = (raw.get("state") or {}).get("status") or raw.get("status") or ""
        status = SERVICE_JOB_STATUS.get(word.capitalize(), JobStatus.QUEUED)
        final = status in FINAL_JOB_STATUSES
        started = finished = None
        if status != JobStatus.QUEUED and (final or job_id not in self._started):
            stamps = self._client().job(job_id).metrics().get("timestamps", {})
            self._started[job_id] = started = to_iso(stamps.get("running"))
            finished = to_iso(stamps.get("finished"))
        elif status != JobStatus.QUEUED:
            started = self._started[job_id]
        model = JobModel(
            id=job_id,
            status=status,
            primitive=(raw.get("program") or {}).get("id"),
            created=to_iso(raw.get("created")),
            started=started,
            finished=finished,
            queue_position=None,
        )
        if final:
            self._final_jobs[job_id] = model
            self._started.pop(job_id, None)
        return model

    async def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        from qiskit_ibm_runtime.accounts import AccountNotFoundError
        from qiskit_ibm_runtime.api.exceptions import RequestsApiError
        from qiskit_ibm_runtime.exceptions import IBMError, IBMInputValueError

        try:
            return await asyncio.to_thread(call, *args)
        except (NotFound, Conflict):
            raise
        except IBMInputValueError as exc:
            raise NotFound(str(exc)) from None
        except RequestsApiError as exc:
            if exc.status_code == 404:
                raise NotFound(exc.message) from None
            if exc.status_code == 409:
                raise Conflict(exc.message) from None
            if exc.status_code is None:
                raise self._unreachable(exc) from None
            raise ProviderUnavailable(
                f"The Qiskit Runtime service refused: {_short(exc.message)}"
            ) from None
        except (IBMError, AccountNotFoundError, OSError) as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: BaseException) -> ProviderUnavailable:
        """One line a person reads: where, and why in a few words (not urllib3's paragraph)."""
        where = self.spec.url or "IBM Quantum"
        errno = _ERRNO.search(str(exc))
        why = errno.group(1) if errno else _short(str(exc), 80) or type(exc).__name__
        return ProviderUnavailable(f"{where} is unreachable: {why}.")


# "[Errno 111] Connection refused" inside the client's and urllib3's messages.
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\"()\]]+)")


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
