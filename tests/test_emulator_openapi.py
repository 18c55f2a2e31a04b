"""The emulator's OpenAPI document says what it really serves; fuzzing it finds no 5xx.

Schemathesis generates requests from ``jupyter_qsession/emulator/openapi.json`` — valid ones
and ones the document says are invalid — and checks every answer: never a 5xx, a documented
status, content type and body, and a 4xx for what the document calls invalid.
"""

from __future__ import annotations

import inspect
import json
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch, SamplerV2, Session
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conftest import JOB, QUEUE_WAIT, Rest, start_emulator
from jupyter_qsession.emulator import openapi, runtime_service
from jupyter_qsession.emulator.handlers import METHODS, NotFoundHandler, routes
from jupyter_qsession.emulator.operator import operator_routes

DOC = json.loads(openapi.OPENAPI_PATH.read_text())


def test_the_checked_in_document_is_current():
    """Run ``python -m jupyter_qsession.emulator.openapi`` after changing a route or schema."""
    assert openapi.document() == DOC


def served() -> dict[str, tuple[set[str], dict[str, str]]]:
    """Each served path in OpenAPI form: its methods and its path parameters' patterns."""
    paths = {}
    for pattern, handler, _ in operator_routes(None) + routes(None):
        if handler is NotFoundHandler:
            continue
        methods = set(handler.methods())
        names = list(inspect.signature(getattr(handler, min(methods))).parameters)[1:]
        variants, params = [pattern], {}
        for group, name in zip(re.findall(r"\(([^()]*)\)", pattern), names, strict=True):
            if re.fullmatch(r"[a-z|]+", group):  # a choice of words: one path per word
                variants = [v.replace(f"({group})", w) for v in variants for w in group.split("|")]
            else:
                variants = [v.replace(f"({group})", f"{{{name}}}", 1) for v in variants]
                params[name] = f"^{group}$"
        for path in variants:
            paths[path] = (methods, params)
    return paths


def documented() -> dict[str, tuple[set[str], dict[str, str]]]:
    paths = {}
    for path, item in DOC["paths"].items():
        methods = {m for m in item if m in METHODS}
        params = [*item.get("parameters", []), *(p for m in methods for p in m_params(item[m]))]
        patterns = {p["name"]: p["schema"]["pattern"] for p in params if p["in"] == "path"}
        paths[path] = (methods, patterns)
    return paths


def m_params(operation: dict) -> list[dict]:
    return operation.get("parameters", [])


def test_every_route_is_documented_with_its_methods_and_id_patterns():
    assert served() == documented()


# ----------------------------------------------------------------- schemathesis
schema = schemathesis.openapi.from_dict(DOC)
# Unknown query parameters are ignored, as the service does (the client sends some the emulator
# has no use for); the bearer token is the test's own, so generated ones would only clash.
schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)


@pytest.fixture(scope="module")
def live():
    """An emulator (manual clock) holding real sessions and jobs, ended and queued ones."""
    emu = start_emulator()
    service = runtime_service(emu.url, emu.emulator.api_key)
    backend = service.backend("fake_manila")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    bell = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
    session, batch = Session(backend=backend), Batch(backend=backend)
    jobs = [SamplerV2(mode=mode).run([bell], shots=10) for mode in (session, batch, backend)]
    emu.advance(QUEUE_WAIT + 3 * JOB + 1)
    jobs += [SamplerV2(mode=session).run([bell], shots=10)]  # queued
    doomed = [SamplerV2(mode=batch).run([bell], shots=10) for _ in range(3)]
    pool = {
        "job_id": [job.job_id() for job in jobs],
        "deleted_job_id": [job.job_id() for job in doomed],  # DELETE's own: the rest stay
        "session_id": [session.session_id, batch.session_id],
        "name": ["fake_manila"],
        "user": ["alice"],
        "key": [emu.emulator.api_key],
    }
    yield emu, Rest(emu.url, emu.emulator.api_key).headers, pool
    emu.stop()


def with_real_ids(case, pool: dict[str, list[str]]) -> None:
    """Half the valid generated ids (those of even length) become real ones, so that bodies
    and queries are fuzzed against live sessions and jobs too, not only against 404s. Ids in
    a part generated to be invalid stay as they are."""

    def real(name: str, value: object) -> object:
        if isinstance(value, str) and len(value) % 2 == 0:
            return pool[name][len(value) % len(pool[name])]
        return value

    if valid(case, "path"):
        for name, value in list((case.path_parameters or {}).items()):
            kind = "deleted_job_id" if (name, case.method) == ("job_id", "DELETE") else name
            if kind in pool:
                case.path_parameters[name] = real(kind, value)
    if valid(case, "body") and isinstance(case.body, dict):
        for field, name in (("backend", "name"), ("session_id", "session_id"), ("apikey", "key")):
            if field in case.body:
                case.body[field] = real(name, case.body[field])


def valid(case, location: str) -> bool:
    component = case.meta.components.get(location) if case.meta else None
    return component is None or component.mode == GenerationMode.POSITIVE


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_every_answer_as_documented(case, live):
    emu, headers, pool = live
    with_real_ids(case, pool)
    case.call_and_validate(
        base_url=emu.url, headers=headers, excluded_checks=[positive_data_acceptance]
    )
