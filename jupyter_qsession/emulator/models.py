"""The emulator's jobs and sessions, rendered with the Qiskit Runtime REST API's field names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from ..timing import max_ttl_deadline, to_iso
from ..vocabulary import (
    FINAL_JOB_STATUSES,
    SERVICE_JOB_STATUS,
    EndedReason,
    SessionState,
)

# Job states as the service spells them in ``state.status``: the keys of
# ``vocabulary.SERVICE_JOB_STATUS`` (in its order), which says what each is in the client's words.
QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = SERVICE_JOB_STATUS


def new_id() -> str:
    """Ids look like the service's: 20 lowercase alphanumerics."""
    return uuid.uuid4().hex[:20]


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
    # ``private: true`` in ``POST /jobs``: no params returned, results readable once.
    private: bool = False
    results_read: bool = False
    user_id: str = "operator"  # whose API key submitted it (see .auth)
    payload: Any = field(default=None, repr=False)  # what the PrimitiveRunner runs; never rendered

    @property
    def final(self) -> bool:
        return SERVICE_JOB_STATUS[self.status] in FINAL_JOB_STATUSES

    def qpu_seconds(self, now: float) -> float:
        """QPU time used by ``now``: from its start until it ended (or ``now``), at most its
        duration. Zero for a job that never started (cancelled or deleted while queued)."""
        if self.started is None:
            return 0.0
        end = self.finished if self.finished is not None else now
        return round(max(0.0, min(end - self.started, self.duration)), 6)

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
            "created": to_iso(self.created),
            "session_id": self.session_id,
            "tags": list(self.tags),
            "runtime": "",
            "estimated_running_time_seconds": self.duration,
        }
        if self.private:
            # The service includes ``private`` only when it is true (qiskit-ibm-runtime #2252).
            body["private"] = True
        if queue_position is not None:
            body["queue_position"] = queue_position
        if self.finished is not None:
            body["ended"] = to_iso(self.finished)
        if include_params and not self.private:
            body["params"] = self.params
        return body

    def metrics(self, *, queue_position: int | None, now: float) -> dict[str, Any]:
        """``GET /jobs/{id}/metrics``: timestamps and usage, as the client's ``metrics()`` reads.

        ``usage.qpu_charge_time_seconds`` is what ``job.usage()`` returns: the QPU time so far
        (``job.usage(partial=True)`` while it runs), with ``status`` ``pending`` until the job
        has ended; a job cancelled while running keeps what it used up to then
        (https://quantum.cloud.ibm.com/docs/guides/estimate-job-run-time#failed-job).
        """
        used = self.qpu_seconds(now)
        return {
            "timestamps": {
                "created": to_iso(self.created),
                "running": to_iso(self.started),
                "finished": to_iso(self.finished),
            },
            "bss": {"seconds": used},
            "usage": {
                "quantum_seconds": used,
                "seconds": used,
                "qpu_charge_time_seconds": used,
                "status": "completed" if self.final else "pending",
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
    state: str = SessionState.OPEN
    state_reason: str | None = None  # the service's text; for a closed session, of ended_reason
    # Why it closed; rows stored before this field existed read it in EmulatorStore.load.
    ended_reason: EndedReason | None = None
    accepting_jobs: bool = True
    started_at: float | None = None
    activated_at: float | None = None
    closed_at: float | None = None
    last_job_started: float | None = None
    last_job_completed: float | None = None
    last_job_submitted: float | None = None
    queue_entry: float | None = None
    # Session usage is wall-clock time while active: closed windows summed, plus the open one.
    usage_done: float = 0.0
    window_start: float | None = None
    timestamps: list[dict[str, Any]] = field(default_factory=list)
    user_id: str = "operator"  # whose API key opened it (see .auth)

    def __post_init__(self) -> None:
        if self.ended_reason is not None:  # read back from JSON as its text
            self.ended_reason = EndedReason(self.ended_reason)

    def set_state(self, state: str, now: float, reason: str | None = None) -> None:
        if state == self.state:
            return
        self.state = state
        self.state_reason = reason
        self.timestamps.append({"status": state, "timestamp": to_iso(now), "reason": reason})

    @property
    def expires_at(self) -> float | None:
        """Max TTL counts from the session's start (its first job starting)."""
        return max_ttl_deadline(self.started_at, self.max_ttl)

    def transitions(self) -> list[dict[str, Any]]:
        """The states it entered with their times, oldest first (``{"state", "at"}``)."""
        return [{"state": t["status"], "at": t["timestamp"]} for t in self.timestamps]

    def to_api(self, *, elapsed_time: float) -> dict[str, Any]:
        """``GET /sessions/{id}``; ``elapsed_time`` is the usage the scheduler computed."""
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
            "created_at": to_iso(self.created),
            "started_at": to_iso(self.started_at),
            "activated_at": to_iso(self.activated_at),
            "closed_at": to_iso(self.closed_at),
            "last_job_started": to_iso(self.last_job_started),
            "last_job_completed": to_iso(self.last_job_completed),
            "elapsed_time": round(elapsed_time, 6),
            "user_id": self.user_id,
            "timestamps": list(self.timestamps),
        }
