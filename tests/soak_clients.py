"""One client process of the chaos soak (tests/soak_chaos.py): the unmodified qiskit-ibm-runtime
client, one ``QiskitRuntimeService`` made before any chaos and kept to the end (an *existing*
client: it must never be logged out), submitting tagged jobs in rounds that take turns through
job mode, sessions and batches and through both primitive generations (SamplerV2/EstimatorV2
and the client-side executor Sampler/Estimator), and waiting for each round to end.

It writes what it saw to a JSON file: the job id each tag got (acknowledged), the reason each
refused submission got, the HTTP statuses every attempt met on the wire (counted below the
client's own retries, so a 503 it retried away still counts) and the errors it met waiting.
"""

from __future__ import annotations

import json
import traceback
import warnings
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Any

MODES = ("job", "session", "batch")
PRIMITIVES = ("sampler_v2", "estimator_v2", "executor_sampler", "executor_estimator")
ROUND = 5  # jobs submitted together in one mode before the client waits for them
CANCEL_EVERY = 7  # every 7th round cancels its last job (the soak counts cancelled jobs too)
SHOTS = 20
PRECISION = 0.1  # 100 shots per estimator job


def count_wire_statuses(wire: Counter) -> None:
    """Count the status of every HTTP attempt this process makes, retried ones included
    (urllib3 retries inside ``HTTPAdapter.send``, where ``requests`` hooks never see them)."""
    from urllib3 import connectionpool

    make_request = connectionpool.HTTPConnectionPool._make_request

    def counted(self, *args, **kwargs):
        response = make_request(self, *args, **kwargs)
        wire[str(response.status)] += 1
        return response

    connectionpool.HTTPConnectionPool._make_request = counted


def reason(exc: BaseException) -> str:
    """A refusal's reason, short enough to count alike refusals together."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:160]}"


class Workload:
    """Circuits laid out for fake_manila and the primitives that submit them."""

    def __init__(self, backend: Any) -> None:
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import SparsePauliOp
        from qiskit.transpiler import generate_preset_pass_manager

        bell = QuantumCircuit(2)
        bell.h(0)
        bell.cx(0, 1)
        manager = generate_preset_pass_manager(optimization_level=1, backend=backend)
        self.backend = backend
        measured = bell.copy()
        measured.measure_all()
        self.sampled = manager.run(measured)
        isa = manager.run(bell)
        self.estimated = (isa, SparsePauliOp("ZZ").apply_layout(isa.layout))

    def submit(self, kind: str, mode: Any, tag: str) -> Any:
        from qiskit_ibm_runtime import EstimatorV2, SamplerV2
        from qiskit_ibm_runtime.executor_estimator import Estimator
        from qiskit_ibm_runtime.executor_sampler import Sampler

        make = {
            "sampler_v2": SamplerV2,
            "estimator_v2": EstimatorV2,
            "executor_sampler": Sampler,
            "executor_estimator": Estimator,
        }[kind]
        primitive = make(mode=mode)
        primitive.options.environment.job_tags = [tag]
        if "sampler" in kind:
            return primitive.run([self.sampled], shots=SHOTS)
        primitive.options.resilience_level = 0
        return primitive.run([self.estimated], precision=PRECISION)


def run_client(
    index: int, url: str, key: str, jobs: int, deadline: float, acks: Any, out: str
) -> None:
    """Submit ``jobs`` tagged jobs (tags ``soak-<index>-<n>``); count each acknowledged one in
    the shared ``acks`` value; write the findings to ``out``."""
    warnings.filterwarnings("ignore")
    from qiskit_ibm_runtime import Batch, Session

    from jupyter_qsession.emulator import runtime_service

    wire: Counter = Counter()
    count_wire_statuses(wire)
    acked: dict[str, str] = {}
    refused: dict[str, str] = {}
    errors: Counter = Counter()
    service = runtime_service(url, key)
    work = Workload(service.backend("fake_manila"))
    done = 0
    rounds = 0
    while done < jobs:
        mode = MODES[rounds % len(MODES)]
        kind = PRIMITIVES[(rounds // len(MODES) + index) % len(PRIMITIVES)]
        tags = [f"soak-{index}-{done + n}" for n in range(min(ROUND, jobs - done))]
        done += len(tags)
        rounds += 1
        submitted = []
        try:
            opened = {"job": nullcontext, "session": Session, "batch": Batch}[mode]
            with opened(work.backend) as context:  # job mode: the backend itself
                for tag in tags:
                    try:
                        job = work.submit(kind, context, tag)
                    except Exception as exc:  # the client gave up: a refusal, not a loss
                        refused[tag] = reason(exc)
                        continue
                    acked[tag] = job.job_id()
                    submitted.append(job)
                    with acks.get_lock():
                        acks.value += 1
                if submitted and rounds % CANCEL_EVERY == 0:
                    submitted[-1].cancel()
        except Exception as exc:  # opening or closing the session or batch, or the cancel
            errors[f"{mode}: {reason(exc)}"] += 1
            for tag in tags:
                if tag not in acked and tag not in refused:
                    refused[tag] = f"{mode} not opened: {reason(exc)}"
        for job in submitted:
            try:
                job.wait_for_final_state(timeout=deadline)
            except Exception as exc:
                errors[f"waiting: {reason(exc)}"] += 1
    findings = {"acked": acked, "refused": refused, "wire": wire, "errors": errors}
    Path(out).write_text(json.dumps(findings))


def client_main(*args: Any) -> None:
    """:func:`run_client` in a process of its own; a crash is written where findings go."""
    try:
        run_client(*args)
    except BaseException:
        Path(args[-1]).write_text(json.dumps({"crashed": traceback.format_exc()}))
        raise
