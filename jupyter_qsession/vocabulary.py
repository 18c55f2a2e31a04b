"""The words of the session model, once: job statuses, session states and modes, why a session
ended — and what a person reads for each.

Enums, not free text: the emulator records an :class:`EndedReason`, the providers translate
the service's own words with the tables below, and ``src/models.ts`` gets the same values and
labels generated from here, as ``Record`` types the TypeScript compiler checks for exhaustiveness.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Word(str, Enum):
    """An enum whose members read as their values wherever text is expected (``str()``,
    f-strings, JSON), on every Python version (``StrEnum`` is 3.11+)."""

    def __str__(self) -> str:
        return self.value


class JobStatus(Word):
    """A job's status as qiskit-ibm-runtime's ``job.status()`` names it, and the lab server's
    own ``UNKNOWN``: a job of a session the provider no longer knows (its service forgot it, so
    nobody can say how it ended; it never changes again)."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"


FINAL_JOB_STATUSES = frozenset(
    {JobStatus.DONE, JobStatus.ERROR, JobStatus.CANCELLED, JobStatus.UNKNOWN}
)


class SessionState(Word):
    """A session's state as ``GET /sessions/{id}`` names it."""

    OPEN = "open"  # no job has run yet
    ACTIVE = "active"  # the QPU is reserved (a batch: its jobs jump the queue)
    INACTIVE = "inactive"  # the interactive TTL passed; its next job queues
    CLOSED = "closed"  # ended


class SessionMode(Word):
    DEDICATED = "dedicated"
    BATCH = "batch"


class SessionOrigin(Word):
    """How the lab server came to know a session."""

    KERNEL = "kernel"  # a kernel of this lab server registered it (the magic, or its own Session)
    ELSEWHERE = "elsewhere"  # found on the account: a script, another server, a colleague's laptop


class AccountState(Word):
    """Whether the lab can reach an account's service now."""

    UNKNOWN = "unknown"  # not asked yet
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"  # the last try failed; tried again later, with backoff


class AccountSource(Word):
    """Where the lab found an account."""

    LAB = "lab"  # the lab's own emulator
    SAVED = "saved"  # qiskit-ibm-runtime's account file (``save_account``)
    ENVIRONMENT = "environment"  # $QISKIT_IBM_TOKEN (with $QISKIT_IBM_URL/_INSTANCE/_CHANNEL)
    CONFIG = "config"  # c.QSessionApp.accounts


# The lab's own emulator is the account of this name, on the channel of this name.
EMULATOR_ACCOUNT = "emulator"
LOCAL_CHANNEL = "local"


class EndedReason(Word):
    """Why a session is closed: the service's reasons, then the lab server's own."""

    CLOSED = "closed"
    CANCELLED = "cancelled"
    MAX_TTL = "max_ttl"
    UNUSED = "unused"  # a session that got no job for 30 minutes
    KERNEL_SHUTDOWN = "kernel_shutdown"
    KERNEL_RESTART = "kernel_restart"
    KERNEL_DIED = "kernel_died"
    PROVIDER_LOST = "provider_lost"


# The service's job states (``state.status`` of ``GET /jobs/{id}``) in the client's words.
SERVICE_JOB_STATUS = {
    "Queued": JobStatus.QUEUED,
    "Running": JobStatus.RUNNING,
    "Completed": JobStatus.DONE,
    "Failed": JobStatus.ERROR,
    "Cancelled": JobStatus.CANCELLED,
}

# The service's ``state_reason`` texts of a closed session, as the emulator writes them and as
# IBM's service does (compared case-insensitively); anything else reads as ``closed``.
SERVICE_END_REASON = {
    EndedReason.CLOSED: "closed",
    EndedReason.CANCELLED: "cancelled",
    EndedReason.MAX_TTL: "max TTL reached",
    EndedReason.UNUSED: "no job submitted",
}
_END_REASON_OF_TEXT = {text.lower(): reason for reason, text in SERVICE_END_REASON.items()}


def ended_reason_of(service_reason: str | None) -> EndedReason:
    """The :class:`EndedReason` of a closed session's ``state_reason`` text."""
    return _END_REASON_OF_TEXT.get((service_reason or "").strip().lower(), EndedReason.CLOSED)


# What a person reads. A session that has not run a job yet is 'open' to the service; people
# read that as 'pending' (nothing is reserved yet).
STATE_WORDS = {
    SessionState.OPEN: "pending",
    SessionState.ACTIVE: "active",
    SessionState.INACTIVE: "inactive",
    SessionState.CLOSED: "closed",
}
# Why a session ended, as the end of the sentence "Ended: …".
ENDED_WORDS = {
    EndedReason.CLOSED: "closed (its queued jobs ran first)",
    EndedReason.CANCELLED: "cancelled",
    EndedReason.MAX_TTL: "reached its max TTL",
    EndedReason.UNUSED: "closed: no job was submitted in time",
    EndedReason.KERNEL_SHUTDOWN: "its kernel shut down",
    EndedReason.KERNEL_RESTART: "its kernel restarted",
    EndedReason.KERNEL_DIED: "its kernel died",
    EndedReason.PROVIDER_LOST: "the service lost it (e.g. in a restart)",
}


# A session that accepts no new jobs but has not ended (its queued jobs still run).
CLOSING_WORD = "closing"

# What a person reads for a mode: the magic's ``--mode session|batch``, not the wire's word.
MODE_WORDS = {
    SessionMode.DEDICATED: "session",
    SessionMode.BATCH: "batch",
}

# The sidebar's group title for each origin (a kernel's group is titled by its notebook).
ORIGIN_WORDS = {
    SessionOrigin.KERNEL: "Opened by this server's kernels",
    SessionOrigin.ELSEWHERE: "Elsewhere on this account",
}


def short_instance(instance: str) -> str:
    """An instance as a narrow view shows it: the instance's id in a CRN (without one, its
    resource, e.g. the emulator's ``…::emulator``), cut to 8 characters; any other instance
    (``hub/group/project``, a name) as it is."""
    fields = instance.split(":")
    if fields[0] != "crn" or len(fields) < 8:
        return instance
    resource = next((f for f in reversed(fields[8:]) if f), "")
    found = fields[7] or resource or fields[6] or instance
    return f"{found[:8]}…" if len(found) > 8 else found


ACCOUNT_STATE_WORDS = {
    AccountState.UNKNOWN: "connecting",
    AccountState.REACHABLE: "reachable",
    AccountState.UNREACHABLE: "unreachable",
}

# What a job's status means, for a tooltip (the status itself is shown as the client names it).
JOB_STATUS_HINTS = {
    JobStatus.QUEUED: "waiting in the backend's queue",
    JobStatus.RUNNING: "running on the QPU",
    JobStatus.DONE: "finished; its result is ready",
    JobStatus.ERROR: "failed",
    JobStatus.CANCELLED: "cancelled before it finished",
    JobStatus.UNKNOWN: "the provider no longer knows its session, so how it ended is unknown",
}


def state_word(state: str, accepting_jobs: bool = True) -> str:
    """The badge of a session: its state's word, or ``closing`` for one that accepts no new
    jobs but has not ended (its queued jobs still run). A state this module does not know
    (a service newer than it) reads as itself."""
    if state != SessionState.CLOSED and not accepting_jobs:
        return CLOSING_WORD
    return STATE_WORDS.get(state, state)  # type: ignore[call-overload]  # a Word is its str


PENDING_JOB_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})


def is_idle(state: str, accepting_jobs: bool, job_statuses: Iterable[str]) -> bool:
    """An idle session holds (or will hold) the QPU for nothing: it has not ended, still takes
    jobs, and none of its jobs is queued or running. ``close --idle`` closes exactly these."""
    if state == SessionState.CLOSED or not accepting_jobs:
        return False
    return not any(status in PENDING_JOB_STATUSES for status in job_statuses)


def not_idle_reason(state: str, accepting_jobs: bool) -> str:
    """Why close-idle left a session that is not idle (:func:`is_idle`) open, in words."""
    if state == SessionState.CLOSED:
        return "It has already ended."
    if not accepting_jobs:
        return "It is already closing: its queued jobs will finish."
    return "It is not idle any more: a job is queued or running."
