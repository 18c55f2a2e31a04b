"""One job's simulation, sized to fit the memory it may use: what a worker process runs.

Aer's automatic method simulates a noisy circuit as a statevector, 16 bytes × 2^n for n active
qubits: 28 qubits take 4 GiB, 30 take 16 GiB. So before simulating:

* a Clifford circuit too wide for a statevector runs on the stabilizer method, with the
  backend's Clifford-compatible noise (depolarizing gate errors and readout errors; thermal
  relaxation is not a Clifford channel and is left out);
* any other circuit too wide for a statevector runs as a matrix product state with the full
  noise model: cheap while little of it is entangled (a few active qubits on a 127-qubit
  device, an observable measured on every qubit), and stopped by the worker's memory limit
  when it is not (the job then fails, saying so).
"""

from __future__ import annotations

import json
import math
from typing import Any

from . import executor_program

CLIFFORD_GATES = frozenset(
    {"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cy", "cz", "ecr", "swap"}
)
NON_GATES = frozenset({"measure", "barrier", "reset", "delay"})
STATEVECTOR_BYTES = 16  # one complex double per amplitude


def simulate(runner: Any, job: Any, started: float, finished: float, memory_mb: int) -> str:
    """The encoded result of ``job`` (a :class:`PreparedJob`), run on a backend that fits."""
    from qiskit.primitives import BackendEstimatorV2, BackendSamplerV2
    from qiskit_ibm_runtime.json import RuntimeEncoder

    backend = runner.catalog.backend(job.backend)
    simulator = fitting_backend(backend, _circuits(job), memory_mb, _observed(job))
    if job.program is not None:
        result = executor_program.run(simulator, job.program)
        return executor_program.encode(result, job.program, started, finished)
    seed = (job.options.get("simulator") or {}).get("seed_simulator")
    cls = BackendSamplerV2 if job.program_id == "sampler" else BackendEstimatorV2
    primitive = cls(backend=simulator)
    if seed is not None:
        primitive.options.seed_simulator = seed
    return json.dumps(primitive.run(job.pubs).result(), cls=RuntimeEncoder)


def fitting_backend(backend: Any, circuits: list[Any], memory_mb: int, observed: int = 0) -> Any:
    """``backend`` itself when a statevector of its widest circuit fits in ``memory_mb``, else
    a stabilizer simulator with the backend's Clifford noise, else a matrix product state.
    ``observed``: qubits an estimator measures (it adds basis changes on them)."""
    width = max([observed] + [active_qubits(c) for c in circuits])
    needed_mb = STATEVECTOR_BYTES * 2.0**width / 2**20
    if needed_mb <= memory_mb:
        return backend
    if all(is_clifford(c) for c in circuits):
        from qiskit_aer import AerSimulator
        from qiskit_aer.noise import NoiseModel

        noise = NoiseModel.from_backend(backend, thermal_relaxation=False)
        return AerSimulator.from_backend(backend, method="stabilizer", noise_model=noise)
    from qiskit_aer import AerSimulator

    return AerSimulator.from_backend(backend, method="matrix_product_state")


def active_qubits(circuit: Any) -> int:
    return len(_active(circuit))


def is_clifford(circuit: Any) -> bool:
    """Only Clifford gates (``rz`` by a bound multiple of π/2 included), measurements, resets."""
    for instruction in circuit.data:
        op = instruction.operation
        if op.name in CLIFFORD_GATES or op.name in NON_GATES:
            continue
        if op.name == "rz" and _quarter_turn(op.params[0]):
            continue
        return False
    return True


def _quarter_turn(angle: Any) -> bool:
    try:
        turns = float(angle) / (math.pi / 2)
    except TypeError:  # an unbound parameter
        return False
    return abs(turns - round(turns)) < 1e-9


def _observed(job: Any) -> int:
    """The most qubits any V2 estimator PUB touches: its circuit's active ones plus those its
    observables measure."""
    widest = 0
    for pub in job.pubs if job.program_id == "estimator" else []:
        support = _active(pub.circuit)
        for observable in pub.observables.ravel().tolist():
            for pauli in observable:
                # Pauli strings read right to left: character -1 is qubit 0.
                support |= {i for i, c in enumerate(reversed(pauli)) if c != "I"}
        widest = max(widest, len(support))
    return widest


def _active(circuit: Any) -> set[int]:
    """Indices of the qubits some gate or measurement touches (Aer truncates the idle ones)."""
    return {
        circuit.find_bit(qubit).index
        for instruction in circuit.data
        if instruction.operation.name not in ("barrier", "delay")
        for qubit in instruction.qubits
    }


def _circuits(job: Any) -> list[Any]:
    if job.program is not None:
        return [item.circuit for item in job.program.program.items]
    return [pub.circuit for pub in job.pubs]


def _size(mb: float) -> str:
    return f"{mb / 1024:.3g} GiB" if mb >= 1024 else f"{mb:.0f} MiB"
