"""The one session model: what the REST API returns, the WebSocket pushes and the registry stores.

Field names follow the issue's API contract; times are ISO 8601 strings in UTC (``...Z``) so the
browser can parse them with ``new Date()``. The TypeScript types in ``src/models.ts`` and the
schemas in ``openapi.json`` are generated from these classes (``python -m
jupyter_qsession.server.codegen``) and a test keeps them current.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..vocabulary import (
    EMULATOR_ACCOUNT,
    LOCAL_CHANNEL,
    AccountSource,
    AccountState,
    EndedReason,
    JobStatus,
    SessionMode,
    SessionOrigin,
    SessionState,
)


class _Model(BaseModel):
    # Enum fields hold their plain values, so a model compares and serializes as text.
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class JobModel(_Model):
    """One primitive job of a session, as the provider last reported it."""

    id: str
    status: JobStatus
    primitive: str | None = Field(
        description="'sampler', 'estimator' or 'executor' (the program id)."
    )
    created: str | None
    started: str | None = Field(description="When it started running on the QPU.")
    finished: str | None
    queue_position: int | None = Field(description="1 = next to run; null unless queued.")


class Transition(_Model):
    """A state the session entered, when the service says it did."""

    state: SessionState
    at: str


class AccountRef(_Model):
    """Which account (one connection to one Runtime service) a session lives on. Never a token."""

    name: str = Field(description="The account's name: 'emulator' (the lab's own), or as saved.")
    channel: str = Field(description="'local' (the lab's emulator), 'ibm_quantum_platform', ...")
    instance: str | None = Field(default=None, description="The instance (CRN or name), if any.")


# What registry rows written before accounts existed (one provider per lab) lived on.
_ACCOUNT_OF_PROVIDER = {
    "emulator": {"name": EMULATOR_ACCOUNT, "channel": LOCAL_CHANNEL},
    "ibm": {"name": "ibm", "channel": "ibm_quantum_platform"},
}


class ServiceSession(_Model):
    """What the provider (emulator or IBM) says about a session."""

    # Always sent; the default only reads registry rows written before a field existed.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    backend: str
    mode: SessionMode
    state: SessionState = Field(
        description="open: no job has run yet; active: QPU reserved; inactive: interactive TTL "
        "passed; closed: ended."
    )
    accepting_jobs: bool
    max_time: int | None = Field(description="Max TTL in seconds, counted from started_at.")
    interactive_timeout: int | None = Field(description="Interactive TTL in seconds.")
    started_at: str | None = Field(description="When its first job started.")
    activated_at: str | None
    expires_at: str | None = Field(
        description="When the max TTL ends: max_time after started_at (timing.py owns the rule)."
    )
    interactive_expires_at: str | None = Field(
        description="When an active session with no pending job turns inactive."
    )
    closed_at: str | None
    ended_reason: EndedReason | None = Field(description="Why it is closed, once it is.")
    usage_seconds: float = Field(description="QPU time used so far.")
    transitions: list[Transition] = Field(
        default_factory=list,
        description="Every state it entered, oldest first, with the service's own times "
        "(the timeline draws these; nobody re-derives them).",
    )
    jobs: list[JobModel] = Field(description="Newest first.")


class SessionModel(ServiceSession):
    """A Qiskit Runtime session (or batch) and the kernel that opened it."""

    id: str
    kernel_id: str | None = Field(description="The Jupyter kernel that registered it.")
    notebook: str | None = Field(
        default=None,
        description="The path (relative to the server's root) of the notebook whose kernel "
        "registered it, as jupyter-server's sessions knew it then; kept after the kernel ends. "
        "Null for a kernel no notebook or console opened.",
    )
    owner: str = Field(description="The jupyter-server user it belongs to.")
    provider: str = Field(description="'emulator' or 'ibm': what kind of service its account is.")
    account: AccountRef = Field(description="The account (the service) it lives on.")
    registered_at: str = Field(
        description="When this server registered it (a kernel's) or first found it (elsewhere)."
    )
    origin: SessionOrigin = Field(
        default=SessionOrigin.KERNEL,
        description="'kernel': a kernel of this server registered it; 'elsewhere': found on the "
        "account (a script, another server, a colleague). Kernel policies never touch the latter.",
    )
    lab_pid: int | None = Field(
        default=None,
        description="The process id of the lab server whose kernel registered it: a lab server "
        "sharing the registry leaves the sessions of another live lab server alone.",
    )

    @model_validator(mode="before")
    @classmethod
    def _account_of_old_rows(cls, data: object) -> object:
        """A registry row from before accounts: its provider's one account."""
        if isinstance(data, dict) and "account" not in data:
            return {**data, "account": _ACCOUNT_OF_PROVIDER.get(data.get("provider"), {})}
        return data


class SessionList(_Model):
    sessions: list[SessionModel]


class RegisterSession(_Model):
    """What a kernel sends to put a session it opened under its kernel id."""

    session_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$")
    account: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The account the kernel opened it on (null: the lab asks its accounts).",
    )


class AccountUsage(_Model):
    """The account's (instance's) QPU usage for the period, as the service reports it
    (``QiskitRuntimeService.usage()``)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    used_seconds: float = Field(description="usage_consumed_seconds: QPU time used this period.")
    limit_seconds: float | None = Field(
        description="The plan's limit or allocation for the period; null: no limit."
    )
    remaining_seconds: float | None = Field(description="Null when there is no limit.")
    limit_reached: bool
    period_start: str | None = None
    period_end: str | None = None
    plan: str | None = None
    instance: str | None = None
    read_at: str = Field(description="When the service was asked.")


class AccountModel(AccountRef):
    """One account the lab serves, as its service says now. Never a token."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    provider: str = Field(description="'emulator' (a jupyter-qsession emulator) or 'ibm'.")
    instance_hint: str | None = Field(
        default=None, description="The instance as a narrow view shows it (vocabulary.py)."
    )
    source: AccountSource
    is_default: bool = Field(
        description="Where a backend several accounts have goes: the client's default saved "
        "account, else the lab's emulator."
    )
    state: AccountState
    problem: str | None = Field(default=None, description="Why it is unreachable, in words.")
    last_try: str | None = Field(default=None, description="When the lab last asked it.")
    next_try: str | None = Field(default=None, description="When it asks an unreachable one again.")
    backends: list[str] = Field(
        default_factory=list, description="Its backends' names, as it last listed them."
    )
    usage: AccountUsage | None = Field(
        default=None, description="Its usage for the period, as it reports it; null: not known."
    )


class AccountList(_Model):
    accounts: list[AccountModel]


class CloseIdle(_Model):
    """``POST /sessions/close-idle``: close the caller's idle sessions (open, taking jobs, none
    queued or running). With ``session_ids``, only those of them (what a confirmation listed)."""

    session_ids: list[str] | None = None


class Skipped(_Model):
    id: str
    reason: str = Field(description="Why it was left open, in words (e.g. a job arrived).")


class CloseIdleResult(_Model):
    closed: list[SessionModel]
    skipped: list[Skipped]


class SessionEvent(_Model):
    """One WebSocket message: a snapshot on connect, then one per change of a session or of
    an account (its state, backends or usage)."""

    type: Literal["snapshot", "session", "account"]
    sessions: list[SessionModel] | None = None
    session: SessionModel | None = Field(
        default=None, description="The changed session, whole: the browser replaces its row."
    )
    accounts: list[AccountModel] | None = Field(
        default=None, description="Every account (in the snapshot)."
    )
    account: AccountModel | None = Field(default=None, description="The changed account, whole.")
    gone_account: str | None = Field(
        default=None, description="The name of an account that is no longer served."
    )


class ServerInfo(_Model):
    """Who is asking and what they may do, so the sidebar can disable what would be refused."""

    version: str = Field(description="The Python package's version.")
    api_version: str
    user: str
    can_write: bool = Field(description="May close/cancel their own sessions.")
    can_act_on_others: bool = Field(description="May see and act on other users' sessions.")
    can_see_account: bool = Field(
        default=False,
        description="May see the account's sessions found elsewhere (read on qsession:account).",
    )
    can_act_on_account: bool = Field(
        default=False,
        description="May close/cancel sessions found elsewhere (write on qsession:account).",
    )
    registry_error: str | None = Field(
        description="Why the session registry cannot be used (a server-side fault); every "
        "other route answers 503 with this message. Null when all is well."
    )
    warnings: list[str] = Field(
        description="What the user should know although nothing stopped, e.g. registry rows "
        "that could not be read and were set aside."
    )
    ended_sessions_visible_for: float | None = Field(
        default=None,
        description="Seconds an ended session stays in the live view (the listing, the "
        "snapshot, the sidebar) after its closed_at; null: for good. The sidebar drops it then.",
    )


class ErrorModel(BaseModel):
    """Every 4xx, and the 503 of an unusable registry: what went wrong, in words the user can
    act on (jupyter-server may add ``reason``)."""

    model_config = ConfigDict(extra="allow")

    message: str
