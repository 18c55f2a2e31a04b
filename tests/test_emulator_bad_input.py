"""Bad input gets a 4xx with a JSON message, as on the real service, and disturbs nothing."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import SamplerV2, Session
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import IBMInputValueError, IBMRuntimeError
from qiskit_ibm_runtime.executor_sampler import Sampler as ExecutorSampler
from qiskit_ibm_runtime.json import RuntimeEncoder

from conftest import EPS, JOB, QUEUE_WAIT


def assert_refused(response: requests.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert words.lower() in body["message"].lower()
    assert body["errors"][0]["message"] == body["message"]
    assert body["status_code"] == status


def test_unknown_backend_is_a_404(service, rest):
    with pytest.raises(QiskitBackendNotFoundError):
        service.backend("fake_nowhere")
    assert_refused(rest("GET", "/backends/fake_nowhere/configuration"), 404, "fake_nowhere")
    assert_refused(rest("POST", "/sessions", json={"backend": "fake_nowhere"}), 404, "not found")


def test_job_for_an_unknown_backend_is_a_404(rest):
    body = {"program_id": "sampler", "backend": "fake_nowhere", "params": {"pubs": []}}
    assert_refused(rest("POST", "/jobs", json=body), 404, "fake_nowhere")


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/doesnotexist",
        "/jobs/doesnotexist/results",
        "/jobs/doesnotexist/metrics",
        "/sessions/doesnotexist",
    ],
)
def test_unknown_ids_are_404s(rest, path):
    assert_refused(rest("GET", path), 404, "not found")


def test_hostile_ids_are_404s_not_500s(rest):
    for path in ["/jobs/..%2F..%2Fetc%2Fpasswd", "/sessions/" + "x" * 5000, "/jobs/%00"]:
        response = rest("GET", path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["message"]


def test_unknown_session_via_the_client(service):
    with pytest.raises(IBMInputValueError, match="not found"):
        Session.from_id("doesnotexist", service)


def test_cancel_of_an_unknown_job_or_session_is_a_404(rest):
    assert_refused(rest("POST", "/jobs/doesnotexist/cancel"), 404, "not found")
    assert_refused(rest("DELETE", "/sessions/doesnotexist/close"), 404, "not found")
    assert_refused(
        rest("PATCH", "/sessions/doesnotexist", json={"accepting_jobs": False}), 404, "not found"
    )


@pytest.mark.parametrize("path", ["/jobs", "/sessions"])
def test_malformed_json_is_a_400(rest, path):
    assert_refused(rest("POST", path, data=b"{not json"), 400, "malformed json")
    assert_refused(rest("POST", path, data=b"[1, 2]"), 400, "object")
    assert_refused(rest("POST", path, data=b"\xff\xfe"), 400, "malformed json")


@pytest.mark.parametrize("max_ttl", [-5, 0, 1.5, 10**9, "8h", True])
def test_negative_or_absurd_max_ttl_is_a_400(rest, max_ttl):
    response = rest("POST", "/sessions", json={"backend": "fake_manila", "max_ttl": max_ttl})
    assert_refused(response, 400, "max_ttl")


def test_client_max_time_beyond_the_limit_is_refused(backend):
    with pytest.raises(RequestsApiError, match="max_ttl must be a whole number"):
        Session(backend=backend, max_time=10**6)


def test_bad_mode_and_bad_pubs_are_400s(rest):
    assert_refused(
        rest("POST", "/sessions", json={"backend": "fake_manila", "mode": "x"}), 400, "mode"
    )
    body = {"program_id": "sampler", "backend": "fake_manila", "params": {"pubs": [{"x": 1}]}}
    assert_refused(rest("POST", "/jobs", json=body), 400, "invalid pubs")
    body = {"program_id": "nope", "backend": "fake_manila", "params": {"pubs": []}}
    assert_refused(rest("POST", "/jobs", json=body), 400, "unknown program")
    assert_refused(rest("POST", "/jobs", json={"program_id": "sampler"}), 400, "backend")


def test_job_to_a_closed_session_is_a_409(rest, backend):
    session = Session(backend=backend)
    session.cancel()
    body = {
        "program_id": "sampler",
        "backend": "fake_manila",
        "params": {"pubs": []},
        "session_id": session.session_id,
    }
    assert_refused(rest("POST", "/jobs", json=body), 409, "closed")


def test_cancelling_a_finished_job_is_a_409(emu, backend, bell, rest):
    job = SamplerV2(mode=backend).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + EPS)
    assert_refused(rest("POST", f"/jobs/{job.job_id()}/cancel"), 409, "cannot be cancelled")
    assert_refused(rest("GET", "/jobs?limit=abc"), 400, "limit")


def test_unknown_endpoint_is_a_json_404(rest):
    assert_refused(rest("GET", "/nothing/here"), 404, "no such endpoint")


def test_bad_input_disturbs_nothing_else(emu, service, backend, bell, rest):
    session = Session(backend=backend)
    job = SamplerV2(mode=session).run([bell], shots=10)
    before = session.details()
    rest("POST", "/jobs", data=b"{oops")
    rest("POST", "/sessions", json={"backend": "fake_manila", "max_ttl": -1})
    rest("POST", f"/jobs/{job.job_id()}/cancel/extra")
    rest("PATCH", f"/sessions/{session.session_id}", json={"accepting_jobs": "maybe"})
    rest(
        "POST",
        "/jobs",
        json={
            "program_id": "sampler",
            "backend": "fake_manila",
            "params": {"pubs": "x"},
            "session_id": session.session_id,
        },
    )
    assert session.details() == before
    assert len(service.jobs(session_id=session.session_id)) == 1
    emu.advance(QUEUE_WAIT + JOB + EPS)
    assert job.result()[0].data.meas.num_shots == 10


def test_bad_creation_times_and_private_flags_are_400s(rest):
    assert_refused(rest("GET", "/jobs", params={"created_after": "yesterday"}), 400, "iso 8601")
    assert_refused(rest("GET", "/jobs", params={"created_before": "2024-13-01"}), 400, "before")
    body = {"program_id": "sampler", "backend": "fake_manila", "params": {"pubs": []}}
    assert_refused(rest("POST", "/jobs", json={**body, "private": "yes"}), 400, "private")


def test_a_non_ascii_api_key_is_a_401(emu):
    response = requests.post(
        f"{emu.url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": "clé-ключ-鍵"},
        timeout=10,
    )
    assert_refused(response, 401, "api key could not be found")


NESTED = b'{"tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def test_deeply_nested_json_is_a_400_on_every_route_with_a_body(emu, backend, bell, rest):
    session = Session(backend=backend)
    job = SamplerV2(mode=session).run([bell], shots=10).job_id()
    for method, path in [
        ("POST", "/sessions"),
        ("POST", "/jobs"),
        ("PATCH", f"/sessions/{session.session_id}"),
        ("PUT", f"/jobs/{job}/tags"),
    ]:
        assert_refused(rest(method, path, data=NESTED), 400, "nested deeper than 64 levels")
    assert session.details()["accepting_jobs"]


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("1e400", "1e400 is out of range"),
        ("-1e400", "-1e400 is out of range"),
        ("Infinity", "infinity is not a json number"),
        ("-Infinity", "-infinity is not a json number"),
        ("NaN", "nan is not a json number"),
    ],
)
def test_a_max_ttl_json_cannot_hold_is_a_400(rest, number, words):
    body = b'{"backend": "fake_manila", "max_ttl": %s}' % number.encode()
    assert_refused(rest("POST", "/sessions", data=body), 400, words)


@pytest.mark.parametrize("shots", [10**9, 10**12])
def test_absurd_shots_are_refused_by_the_backends_max_shots(backend, bell, shots):
    for sampler in (SamplerV2(mode=backend), ExecutorSampler(mode=backend)):
        with pytest.raises(IBMRuntimeError, match=f"{shots} shots exceed .*max_shots of 100000"):
            sampler.run([bell], shots=shots)


@pytest.mark.parametrize("shots", [10**9, 10**12, 10**400])
def test_absurd_shots_in_a_raw_request_are_400s(rest, bell, shots):
    pub = json.loads(json.dumps([bell, None, shots], cls=RuntimeEncoder))
    body = {"program_id": "sampler", "backend": "fake_manila", "params": {"pubs": [pub]}}
    assert_refused(rest("POST", "/jobs", data=json.dumps(body)), 400, "max_shots of 100000")


def test_a_405_names_the_methods_the_resource_has(rest):
    response = rest("GET", "/jobs/doesnotexist/cancel")
    assert_refused(response, 405, "method not allowed")
    assert response.headers["Allow"] == "POST"


def test_a_percent_in_a_path_is_quoted_once(rest):
    assert_refused(rest("GET", "/nothing/100%25"), 404, "/api/v1/nothing/100%25")


@pytest.mark.parametrize(("name", "value"), [("pending", "maybe"), ("sort", "up")])
def test_a_job_filter_outside_its_choices_is_a_400(rest, name, value):
    assert_refused(rest("GET", "/jobs", params={name: value}), 400, f"{name} must be one of")


def test_a_manual_clock_cannot_be_moved_past_what_timestamps_can_say(emu, rest):
    assert_refused(rest("POST", "/qsession/clock", json={"advance": 1e300}), 400, "year 9000")
    assert rest("GET", "/instances/usage").status_code == 200


def test_a_long_poll_cut_short_by_a_stopping_emulator_is_answered_not_a_500(emu, rest):
    first = rest("GET", "/qsession/changes", params={"after": -1}).json()
    poll = {"epoch": first["epoch"], "after": first["seq"], "timeout": 30}
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(rest, "GET", "/qsession/changes", params=poll)
        while not emu.call(lambda: emu.emulator.feed._waiters):
            time.sleep(0.01)
        emu.call(lambda: [task.cancel() for task in asyncio.all_tasks()])  # as asyncio.run does
        reply = waiting.result(timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {**first, "reset": False}
