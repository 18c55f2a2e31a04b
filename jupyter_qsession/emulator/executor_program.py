"""Program ``executor``: a ``QuantumProgram`` as the client's ``Executor`` sends it.

The unmodified client (``Executor``, and the client-side ``executor_sampler.Sampler`` and
``executor_estimator.Estimator`` built on it) encodes the program with its own
``QUANTUM_PROGRAM_PARAMS_CONVERTERS``; the emulator decodes it with the same converters, runs
it with ``run_quantum_program`` (the function behind the client's local testing mode: Aer with
the fake backend's noise model), and answers with the schema's ``QuantumProgramResultModel`` of
the request's version, which the client's ``ExecutorResultDecoder`` reads. The client-side
primitives' post-processing (counts, expectation values) then happens in the client, as it does
against IBM's service.

What local simulation cannot do is refused by name (400) instead of being ignored: scheduler
timing and stretch values (no pulse schedule exists), measurement levels other than
``classified`` (Aer has no IQ data), ``init_qubits=False``, experimental options.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest
from ..timing import to_iso

PROGRAM_ID = "executor"


@dataclass
class ExecutorRequest:
    """A decoded ``executor`` request: the program, its schema version and its options."""

    program: Any  # qiskit_ibm_runtime.QuantumProgram
    schema_version: str
    rep_delay: float | None  # seconds, when the request sets one

    @property
    def shots(self) -> int:
        return int(self.program.shots)

    @property
    def num_circuits(self) -> int:
        """Bound circuits the QPU runs: one per element of each item's shape (its sweep and
        its randomizations)."""
        return sum(max(1, math.prod(item.shape)) for item in self.program.items)


def converters() -> dict[str, Any]:
    from qiskit_ibm_runtime.quantum_program.params_converters import (
        QUANTUM_PROGRAM_PARAMS_CONVERTERS,
    )

    return QUANTUM_PROGRAM_PARAMS_CONVERTERS


def decode(params: Any) -> ExecutorRequest:
    """Validate and decode ``params``; every refusal is a :class:`BadRequest` naming the field."""
    if not isinstance(params, dict):
        raise BadRequest("params of an executor job must be an object.")
    version = params.get("schema_version")
    known = converters()
    if version not in known:
        raise BadRequest(
            f"Unknown executor schema_version {version!r}: the emulator reads {sorted(known)}."
        )
    converter = known[version]
    try:
        model = converter.model.model_validate(params)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise BadRequest(f"Invalid executor params ({version}): {_first_line(exc)}") from None
    _refuse_unsupported(model)
    try:
        program, options = converter.decoder(model)
        for item in program.items:  # a decoded samplex must be finalized before sampling
            samplex = getattr(item, "samplex", None)
            if samplex is not None:
                samplex.finalize()
    except Exception as exc:  # QPY and samplex decoding raise many types on hostile input
        raise BadRequest(f"Invalid quantum program ({version}): {_first_line(exc)}") from None
    if not program.items:
        raise BadRequest("The quantum program has no items.")
    rep_delay = getattr(options.execution, "rep_delay", None)
    return ExecutorRequest(program, version, None if rep_delay is None else float(rep_delay))


def _refuse_unsupported(model: Any) -> None:
    """Options a local simulation cannot honour: a 400 that names each, never ignored."""
    options = getattr(model, "options", None)
    refused = []
    if options is not None:
        if getattr(options, "scheduler_timing", False):
            refused.append("options.scheduler_timing=True (no pulse schedule is simulated)")
        if getattr(options, "stretch_values", False):
            refused.append("options.stretch_values=True (no pulse schedule is simulated)")
        if getattr(options, "init_qubits", True) is False:
            refused.append("options.init_qubits=False (Aer starts every shot in |0>)")
        if getattr(options, "experimental", None):
            refused.append(f"options.experimental={dict(options.experimental)!r}")
    meas_level = getattr(model.quantum_program, "meas_level", "classified")
    if meas_level != "classified":
        refused.append(f"quantum_program.meas_level={meas_level!r} (Aer returns classified bits)")
    if refused:
        raise BadRequest("The emulator cannot honour " + "; ".join(refused) + ".")


def run(backend: Any, request: ExecutorRequest, seed: int | None = None) -> Any:
    """Simulate the program the way the client's local testing mode does."""
    from qiskit_ibm_runtime.fake_provider.executor.run_quantum_program import (
        run_quantum_program,
    )
    from qiskit_ibm_runtime.options_models.simulator import SimulatorOptions

    return run_quantum_program(backend, request.program, SimulatorOptions(seed_simulator=seed))


def encode(result: Any, request: ExecutorRequest, started: float, finished: float) -> str:
    """The service's JSON for ``result``, in the request's schema version.

    ``chunk_timing`` says the whole program ran as one chunk between ``started`` and
    ``finished`` (the job's emulated QPU time)."""
    from qiskit_ibm_runtime.quantum_program.converters.converters_2_0 import (
        passthrough_data_to_2_0,
    )

    model_cls = _result_model(request.schema_version)
    part_fields = _chunk_part_fields(model_cls)
    parts = []
    for index, item in enumerate(request.program.items):
        part: dict[str, Any] = {"idx_item": index, "size": max(1, math.prod(item.shape))}
        if "permutation" in part_fields:
            part["permutation"] = list(range(len(item.shape)))
            part["element_range"] = (0, part["size"], 1)
        parts.append(part)
    body: dict[str, Any] = {
        "schema_version": request.schema_version,
        "data": [
            {"results": {name: _tensor(item[name]) for name in item}, "metadata": {}}
            for item in result
        ],
        "metadata": {
            # ISO strings: the result model reads them as its datetimes.
            "chunk_timing": [{"start": to_iso(started), "stop": to_iso(finished), "parts": parts}]
        },
    }
    fields = model_cls.model_fields
    if "passthrough_data" in fields:
        body["passthrough_data"] = passthrough_data_to_2_0(request.program.passthrough_data)
    if "semantic_role" in fields:
        body["semantic_role"] = request.program._semantic_role
    return model_cls.model_validate(body).model_dump_json()


def _result_model(version: str) -> Any:
    from qiskit_ibm_runtime.decoders.executor.decoder import AVAILABLE_DECODERS

    return AVAILABLE_DECODERS[version][1]


def _chunk_part_fields(model_cls: Any) -> set[str]:
    metadata = model_cls.model_fields["metadata"].annotation
    span = metadata.model_fields["chunk_timing"].annotation.__args__[0]
    part = span.model_fields["parts"].annotation.__args__[0]
    return set(part.model_fields)


def _tensor(value: Any) -> Any:
    import numpy as np
    from ibm_quantum_schemas.common import CompressedTensorModel

    return CompressedTensorModel.from_numpy(np.asarray(value))


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300]
