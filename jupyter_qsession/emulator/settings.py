"""The emulator's settings, defined once: the server reads them as ``c.QSessionEmulator.…``
and ``jupyter qsession emulator`` turns each into a ``--dashed-option`` with the same help."""

from __future__ import annotations

from traitlets import Enum, Float, Int
from traitlets.config import Configurable

from .clock import Clock
from .emulator import DEFAULT_JOB_OVERHEAD, DEFAULT_QUEUE_WAIT, Emulator
from .primitive_runner import DEFAULT_MEMORY_MB, DEFAULT_SIMULATION_TIMEOUT, DEFAULT_WORKERS
from .rules import (
    DEFAULT_EXECUTION_LANES,
    DEFAULT_INTERACTIVE_TTL,
    EMPTY_SESSION_TIMEOUT,
    MAX_TTL_LIMIT,
    PLANS,
)


class QSessionEmulator(Configurable):
    """Settings of the embedded Qiskit Runtime emulator."""

    queue_wait = Float(
        DEFAULT_QUEUE_WAIT,
        min=0,
        config=True,
        help="Seconds a job waits behind other users' work before it may run.",
    )
    job_overhead = Float(
        DEFAULT_JOB_OVERHEAD, min=0, config=True, help="Fixed QPU seconds added to every job."
    )
    interactive_timeout = Int(
        DEFAULT_INTERACTIVE_TTL,
        min=1,
        config=True,
        help="Seconds a session or batch stays active without a job (IBM's interactive TTL).",
    )
    max_ttl_limit = Int(
        MAX_TTL_LIMIT,
        min=1,
        config=True,
        help="Largest max TTL (seconds) a session may ask for; also the default.",
    )
    execution_lanes = Int(
        DEFAULT_EXECUTION_LANES,
        min=1,
        config=True,
        help="Jobs a backend runs at once (IBM's execution lanes); an active session holds all.",
    )
    empty_session_timeout = Int(
        EMPTY_SESSION_TIMEOUT,
        min=1,
        config=True,
        help="Seconds an open session that never got a job waits before it closes.",
    )
    plan = Enum(
        PLANS, default_value="paid", config=True, help="'open': sessions fall back to job mode."
    )
    allocation = Float(
        0.0,
        min=0,
        config=True,
        help="""QPU seconds the instance may use (IBM's instance allocation, set as limit):
        GET /instances/usage reports it and whether it is used up, so the client's
        service.usage() gives the remaining seconds. 0: no limit.""",
    )
    simulation_workers = Int(
        DEFAULT_WORKERS,
        min=1,
        config=True,
        help="Worker processes that simulate jobs (each runs one simulation at a time).",
    )
    simulation_memory_mb = Int(
        DEFAULT_MEMORY_MB,
        min=64,
        config=True,
        help="Memory (MiB) one simulation may use; a job that needs more fails with the reason.",
    )

    simulation_timeout = Float(
        DEFAULT_SIMULATION_TIMEOUT,
        min=1,
        config=True,
        help="Seconds one simulation may take; a job that needs longer fails with the reason.",
    )

    def build(
        self,
        api_key: str | None = None,
        clock: Clock | None = None,
        state_path: str | None = None,
    ) -> Emulator:
        return Emulator(
            api_key=api_key,
            clock=clock,
            state_path=state_path,
            simulation_workers=self.simulation_workers,
            simulation_memory_mb=self.simulation_memory_mb,
            simulation_timeout=self.simulation_timeout,
            queue_wait=self.queue_wait,
            job_overhead=self.job_overhead,
            interactive_ttl=self.interactive_timeout,
            max_ttl_limit=self.max_ttl_limit,
            execution_lanes=self.execution_lanes,
            empty_session_timeout=self.empty_session_timeout,
            plan=self.plan,
            allocation=self.allocation,
        )
