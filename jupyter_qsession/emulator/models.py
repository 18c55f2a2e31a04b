"""The emulator's jobs and sessions, rendered with the Qiskit Runtime REST API's field names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Job states as the service spells them in ``state.status`` (the client upper-cases them).
QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "Queued",
    "Running",
    "Completed",
    "Failed",
    "Cancelled",
)
FINAL_JOB_STATES = frozenset({COMPLETED, FAILED, CANCELLED})

# Session states as returned by ``GET /sessions/{id}``.
OPEN, ACTIVE, INACTIVE, CLOSED = "open", "active", "inactive", "closed"
DEDICATED, BATCH = "dedicated", "batch"


def new_id() -> str:
    """Ids look like the service's: 20 lowercase alphanumerics."""
    return uuid.uuid4().hex[:20]


def iso(ts: float | None) -> str | None:
    """Render an epoch time as the service does: ISO 8601 in UTC with a ``Z``."""
    if ts is None:
        return None
    return (
        datetime.fromtimestamp(ts, tz=timezone.utc)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


@dataclass
class Job:
    """One primitive request on one backend; times are epoch seconds of the emulator's clock."""

    id: str
    backend: str
    program_id: str
    params: dict[str, Any]
    created: float
    eligible_at: float
    duration: float
    num_circuits: int
    shots: int
    session_id: str | None = None
    tags: list[str] = field(default_factory=list)
    status: str = QUEUED
    reason: str | None = None
    reason_code: int | None = None
    started: float | None = None
    finished: float | None = None
    result: str | None = None
    result_ready: bool = False
    payload: Any = field(default=None, repr=False)  # what the executor runs; never rendered

    @property
    def final(self) -> bool:
        return self.status in FINAL_JOB_STATES

    @property
    def quantum_seconds(self) -> float:
        if self.started is None:
            return 0.0
        end = self.finished if self.finished is not None else self.started + self.duration
        return round(min(end - self.started, self.duration), 6)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"status": self.status}
        if self.reason:
            state["reason"] = self.reason
        if self.reason_code:
            state["reason_code"] = self.reason_code
        return state

    def to_api(self, *, include_params: bool, queue_position: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "backend": self.backend,
            "state": self.state(),
            "status": self.status,
            "program": {"id": self.program_id},
            "created": iso(self.created),
            "session_id": self.session_id,
            "tags": list(self.tags),
            "runtime": "",
            "private": False,
            "estimated_running_time_seconds": self.duration,
        }
        if queue_position is not None:
            body["queue_position"] = queue_position
        if self.finished is not None:
            body["ended"] = iso(self.finished)
        if include_params:
            body["params"] = self.params
        return body

    def metrics(self, *, queue_position: int | None) -> dict[str, Any]:
        """``GET /jobs/{id}/metrics``: timestamps and usage, as the client's ``metrics()`` reads."""
        usage_final = self.final
        return {
            "timestamps": {
                "created": iso(self.created),
                "running": iso(self.started),
                "finished": iso(self.finished),
            },
            "bss": {"seconds": self.quantum_seconds},
            "usage": {
                "quantum_seconds": self.quantum_seconds,
                "seconds": self.quantum_seconds,
                "qpu_charge_time_seconds": self.quantum_seconds,
                "status": "completed" if usage_final else "pending",
            },
            "executions": self.num_circuits * self.shots if self.started is not None else 0,
            "num_circuits": self.num_circuits,
            "position_in_queue": queue_position,
            "qiskit_version": "",
        }


@dataclass
class Session:
    """A session or batch: the service's grouping of jobs with its TTL rules."""

    id: str
    backend: str
    mode: str
    max_ttl: int
    interactive_ttl: int | None
    created: float
    job_mode_fallback: bool = False
    state: str = OPEN
    state_reason: str | None = None
    accepting_jobs: bool = True
    started_at: float | None = None
    activated_at: float | None = None
    closed_at: float | None = None
    last_job_started: float | None = None
    last_job_completed: float | None = None
    queue_entry: float | None = None
    elapsed_time: float = 0.0
    timestamps: list[dict[str, Any]] = field(default_factory=list)

    def set_state(self, state: str, now: float, reason: str | None = None) -> None:
        if state == self.state:
            return
        self.state = state
        self.state_reason = reason
        self.timestamps.append({"status": state, "timestamp": iso(now), "reason": reason})

    @property
    def expires_at(self) -> float | None:
        """Max TTL counts from the session's start (its first job starting)."""
        return None if self.started_at is None else self.started_at + self.max_ttl

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "backend_name": self.backend,
            "mode": self.mode,
            "state": self.state,
            "state_reason": self.state_reason,
            "accepting_jobs": self.accepting_jobs,
            "max_ttl": self.max_ttl,
            "active_ttl": self.max_ttl,
            "interactive_ttl": self.interactive_ttl,
            "created_at": iso(self.created),
            "started_at": iso(self.started_at),
            "activated_at": iso(self.activated_at),
            "closed_at": iso(self.closed_at),
            "last_job_started": iso(self.last_job_started),
            "last_job_completed": iso(self.last_job_completed),
            "elapsed_time": round(self.elapsed_time, 6),
            "timestamps": list(self.timestamps),
        }
