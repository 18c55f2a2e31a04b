"""A Qiskit Runtime service (IBM Quantum, or a standalone emulator) through the public client.

The service cannot push, so the manager re-reads open sessions every ``refresh_interval``.
Every call runs in a worker thread (the client is synchronous) and is mapped to our errors:
404 -> NotFound, 409 -> Conflict, anything unreachable -> ProviderUnavailable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from qiskit_ibm_runtime import QiskitRuntimeService, Session
from qiskit_ibm_runtime.accounts import AccountNotFoundError
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import IBMError, IBMInputValueError

from ..errors import Conflict, NotFound, ProviderUnavailable
from ..models import JobModel, ServiceSession
from .base import ChangeListener, Provider

FINAL = {"DONE", "ERROR", "CANCELLED"}
ENDED_REASON = {"cancelled": "cancelled", "max ttl reached": "max_ttl", "closed": "closed"}


def _iso(value: Any) -> str | None:
    """The service's timestamps (strings or datetimes) as ISO 8601 UTC with a ``Z``."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _plus(stamp: str | None, seconds: float | None) -> str | None:
    if stamp is None or seconds is None:
        return None
    return _iso(datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(seconds=seconds))


class RuntimeServiceProvider(Provider):
    """Sessions on a remote Qiskit Runtime service, read with ``qiskit-ibm-runtime``."""

    pushes = False

    def __init__(
        self,
        service_factory: Callable[[], QiskitRuntimeService],
        *,
        name: str = "ibm",
        kernel_env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self._factory = service_factory
        self._kernel_env = dict(kernel_env or {})
        self._service: QiskitRuntimeService | None = None
        self._sessions: dict[str, Session] = {}
        # Final jobs never change: their rendering is kept instead of re-read.
        self._final_jobs: dict[str, JobModel] = {}

    async def start(self, on_change: ChangeListener) -> None:
        """Nothing to connect yet: the service is built on first use, so an unreachable service
        at server start costs a clear error on first use, not a failed server."""

    async def stop(self) -> None:
        self._sessions.clear()

    def kernel_env(self) -> dict[str, str]:
        return dict(self._kernel_env)

    async def fetch(self, session_id: str, *, fresh: bool = False) -> ServiceSession:
        return await self._run(self._fetch, session_id)

    async def close(self, session_id: str) -> None:
        await self._run(lambda: self._session(session_id).close())

    async def cancel(self, session_id: str) -> None:
        await self._run(lambda: self._session(session_id).cancel())

    async def cancel_job(self, job_id: str) -> str:
        def cancel() -> str:
            job = self._client().job(job_id)
            if job.session_id is None:
                raise NotFound(f"Job {job_id} does not belong to a session.")
            job.cancel()
            return job.session_id

        return await self._run(cancel)

    # ----------------------------------------------------------------- worker-thread side
    def _client(self) -> QiskitRuntimeService:
        if self._service is None:
            self._service = self._factory()
        return self._service

    def _session(self, session_id: str) -> Session:
        session = self._sessions.get(session_id)
        if session is None:
            session = Session.from_id(session_id, self._client())
            self._sessions[session_id] = session
        return session

    def _fetch(self, session_id: str) -> ServiceSession:
        details = self._session(session_id).details() or {}
        jobs = [self._job(job) for job in self._client().jobs(session_id=session_id, limit=None)]
        state = details.get("state") or "open"
        started = _iso(details.get("started_at"))
        interactive = details.get("interactive_timeout")
        pending = any(job.status not in FINAL for job in jobs)
        idle_since = max(
            (
                s
                for s in (
                    _iso(details.get("activated_at")),
                    _iso(details.get("last_job_completed")),
                )
                if s
            ),
            default=None,
        )
        last_change = (details.get("timestamps") or [{}])[-1]
        reason = last_change.get("reason") if state == "closed" else None
        return ServiceSession(
            backend=details.get("backend_name") or "",
            mode=details.get("mode") or "dedicated",
            state=state,
            accepting_jobs=bool(details.get("accepting_jobs")),
            max_time=details.get("max_time"),
            interactive_timeout=interactive,
            started_at=started,
            activated_at=_iso(details.get("activated_at")),
            expires_at=_plus(started, details.get("max_time")),
            interactive_expires_at=None
            if state != "active" or pending
            else _plus(idle_since, interactive),
            closed_at=_iso(details.get("closed_at")),
            ended_reason=ENDED_REASON.get((reason or "closed").lower(), "closed")
            if state == "closed"
            else None,
            usage_seconds=float(details.get("usage_time") or 0.0),
            jobs=jobs,
        )

    def _job(self, job: Any) -> JobModel:
        known = self._final_jobs.get(job.job_id())
        if known is not None:
            return known
        status = str(job.status())
        stamps = job.metrics().get("timestamps", {}) if status != "QUEUED" else {}
        model = JobModel(
            id=job.job_id(),
            status=status,
            primitive=job.primitive_id,
            created=_iso(job.creation_date),
            started=_iso(stamps.get("running")),
            finished=_iso(stamps.get("finished")),
            queue_position=None,
        )
        if status in FINAL:
            self._final_jobs[model.id] = model
        return model

    async def _run(self, call: Callable[..., Any], *args: Any) -> Any:
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
            raise ProviderUnavailable(f"The Qiskit Runtime service refused: {exc.message}") from exc
        except (IBMError, AccountNotFoundError, OSError) as exc:
            raise ProviderUnavailable(f"The Qiskit Runtime service is unreachable: {exc}") from None
