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
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import executor_program
from .backends import BackendCatalog
from .errors import BadRequest

PROGRAMS = ("sampler", "estimator", executor_program.PROGRAM_ID)
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


class PrimitiveRunner:
    """Turns requests into PUBs (at submit time, to reject bad input) and runs them (later)."""

    def __init__(self, catalog: BackendCatalog, workers: int = 2) -> None:
        self.catalog = catalog
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qsession-aer")
        self._backend_locks: dict[str, threading.Lock] = {}

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
        return PreparedJob(program_id, backend, pubs, options, circuits, shots, rep_delay=rep_delay)

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
        )

    def run(self, job: PreparedJob, started: float, finished: float) -> Future:
        """Run on a worker thread; the future's value is the encoded result. ``started`` and
        ``finished`` are the job's emulated QPU times (an executor result reports them)."""
        return self._pool.submit(self._execute, job, started, finished)

    def _execute(self, job: PreparedJob, started: float, finished: float) -> str:
        from qiskit.primitives import BackendEstimatorV2, BackendSamplerV2
        from qiskit_ibm_runtime.json import RuntimeEncoder

        backend = self.catalog.backend(job.backend)
        seed = (job.options.get("simulator") or {}).get("seed_simulator")
        lock = self._backend_locks.setdefault(job.backend, threading.Lock())
        if job.program is not None:
            with lock:
                result = executor_program.run(backend, job.program)
            return executor_program.encode(result, job.program, started, finished)
        with lock:  # a fake backend instance is not safe to run from two threads at once
            cls = BackendSamplerV2 if job.program_id == "sampler" else BackendEstimatorV2
            primitive = cls(backend=backend)
            if seed is not None:
                primitive.options.seed_simulator = seed
            result = primitive.run(job.pubs).result()
        return json.dumps(result, cls=RuntimeEncoder)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _shots_of(pub: Any) -> int:
    shots = getattr(pub, "shots", None)
    if shots is not None:
        return int(shots)
    precision = getattr(pub, "precision", None) or DEFAULT_PRECISION
    return max(1, round(1 / precision**2))
