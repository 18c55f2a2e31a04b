"""Decoding program requests and running them with Aer on the fake backend's noise model.

Programs ``sampler``/``estimator``: the body is what ``SamplerV2``/``EstimatorV2`` send to the
real service (PUBs encoded by ``RuntimeEncoder``); the result is a ``PrimitiveResult`` encoded
the way the service encodes it, so the unmodified client decodes it with its own
``ResultDecoder``. Program ``executor`` (``Executor`` and the client-side ``Sampler`` and
``Estimator``): see :mod:`.executor_program`.
"""

from __future__ import annotations

import json
import math
import os
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest
from . import executor_program
from .backends import BackendCatalog
from .workers import SimulationWorkers, shared_workers

PROGRAMS = ("sampler", "estimator", executor_program.PROGRAM_ID)
# Simulations run in worker processes (see .workers), each within this much memory.
DEFAULT_WORKERS = max(1, min(2, os.cpu_count() or 1))
DEFAULT_MEMORY_MB = 4096
DEFAULT_SIMULATION_TIMEOUT = 600.0
# The service's defaults: 4096 shots for the sampler; estimator precision 1/64 (≈4096 shots).
DEFAULT_SHOTS = 4096
DEFAULT_PRECISION = 0.015625


@dataclass
class PreparedJob:
    """A validated request: PUBs ready to run and the size that sets its QPU time."""

    program_id: str
    backend: str
    pubs: list[Any]
    options: dict[str, Any]
    num_circuits: int
    shots: int
    program: executor_program.ExecutorRequest | None = None
    rep_delay: float | None = None  # seconds, when the request sets one
    params: Any = None  # the request's own JSON: what a worker process decodes again

    @property
    def num_pubs(self) -> int:
        """Distinct circuits: PUBs, or the program's items."""
        return len(self.program.program.items) if self.program is not None else len(self.pubs)


class PrimitiveRunner:
    """Turns requests into PUBs (at submit time, to reject bad input) and runs them (later)."""

    def __init__(
        self,
        catalog: BackendCatalog,
        workers: int = DEFAULT_WORKERS,
        memory_mb: int = DEFAULT_MEMORY_MB,
        timeout: float = DEFAULT_SIMULATION_TIMEOUT,
    ) -> None:
        self.catalog = catalog
        self.worker_count = workers
        self.memory_mb = memory_mb
        self.timeout = timeout
        self._workers: SimulationWorkers | None = None

    def prepare(self, program_id: str, backend: str, params: Any) -> PreparedJob:
        from qiskit.primitives.containers.estimator_pub import EstimatorPub
        from qiskit.primitives.containers.sampler_pub import SamplerPub
        from qiskit_ibm_runtime.json import RuntimeDecoder

        if program_id not in PROGRAMS:
            raise BadRequest(f"Unknown program {program_id!r}: the emulator runs {PROGRAMS}.")
        if program_id == executor_program.PROGRAM_ID:
            return self._prepare_program(backend, params)
        if not isinstance(params, dict) or not isinstance(params.get("pubs"), list):
            raise BadRequest("params must be an object with a list of 'pubs'.")
        try:
            decoded = json.loads(json.dumps(params), cls=RuntimeDecoder)
            options = decoded.get("options") or {}
            if program_id == "sampler":
                shots = int(options.get("default_shots") or DEFAULT_SHOTS)
                pubs = [SamplerPub.coerce(p, shots) for p in decoded["pubs"]]
            else:
                precision = float(options.get("default_precision") or DEFAULT_PRECISION)
                pubs = [EstimatorPub.coerce(p, precision) for p in decoded["pubs"]]
            rep_delay = (options.get("execution") or {}).get("rep_delay")
            rep_delay = None if rep_delay is None else float(rep_delay)
        except BadRequest:
            raise
        except Exception as exc:  # the decoder raises many types on hostile input
            raise BadRequest(f"Invalid PUBs for {program_id}: {exc}") from None
        if not pubs:
            raise BadRequest("At least one PUB is required.")
        width = self.catalog.num_qubits(backend)
        for pub in pubs:
            if pub.circuit.num_qubits > width:
                raise BadRequest(
                    f"A circuit has {pub.circuit.num_qubits} qubits but {backend} has {width}."
                )
        circuits = sum(max(1, math.prod(pub.shape)) for pub in pubs)
        shots = max(_shots_of(pub) for pub in pubs)
        return PreparedJob(
            program_id, backend, pubs, options, circuits, shots, rep_delay=rep_delay, params=params
        )

    def _prepare_program(self, backend: str, params: Any) -> PreparedJob:
        request = executor_program.decode(params)
        width = self.catalog.num_qubits(backend)
        for item in request.program.items:
            if item.circuit.num_qubits > width:
                raise BadRequest(
                    f"A circuit has {item.circuit.num_qubits} qubits but {backend} has {width}."
                )
        return PreparedJob(
            executor_program.PROGRAM_ID,
            backend,
            [],
            {},
            request.num_circuits,
            request.shots,
            program=request,
            rep_delay=request.rep_delay,
            params=params,
        )

    def run(self, job_id: str, job: PreparedJob, started: float, finished: float) -> Future:
        """Simulate in a worker process; the future's value is the encoded result. ``started``
        and ``finished`` are the job's emulated QPU times (an executor result reports them)."""
        return self.workers.submit(
            job_id, job.program_id, job.backend, job.params, started, finished
        )

    def cancel(self, job_id: str) -> None:
        """Stop a running simulation (the job was cancelled)."""
        if self._workers is not None:
            self._workers.cancel(job_id)

    @property
    def workers(self) -> SimulationWorkers:
        if self._workers is None:
            self._workers = shared_workers(self.worker_count, self.memory_mb, self.timeout)
        return self._workers


def _shots_of(pub: Any) -> int:
    shots = getattr(pub, "shots", None)
    if shots is not None:
        return int(shots)
    precision = getattr(pub, "precision", None) or DEFAULT_PRECISION
    return max(1, round(1 / precision**2))
