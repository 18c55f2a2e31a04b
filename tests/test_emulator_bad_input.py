"""Bad input gets a 4xx with a JSON message, as on the real service, and disturbs nothing."""

from __future__ import annotations

import pytest
import requests
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime import SamplerV2, Session
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import IBMInputValueError

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
