"""The emulator authenticates like IBM Cloud: API key -> IAM token -> bearer on every call."""

from __future__ import annotations

import requests

GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def test_calls_without_a_bearer_token_are_refused(emu):
    for path in ["/api/v1/backends", "/api/v1/jobs", "/api/v1/sessions/x"]:
        response = requests.get(f"{emu.url}{path}", timeout=10)
        assert response.status_code == 401
        assert "bearer" in response.json()["message"].lower()


def test_a_forged_token_is_refused(emu):
    headers = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.forged"}
    response = requests.get(f"{emu.url}/api/v1/backends", headers=headers, timeout=10)
    assert response.status_code == 401


def test_a_wrong_api_key_gets_no_token(emu):
    response = requests.post(
        f"{emu.url}/identity/token", data={"grant_type": GRANT, "apikey": "wrong"}, timeout=10
    )
    assert response.status_code == 401
    assert "api key" in response.json()["message"].lower()


def test_the_right_api_key_gets_a_working_token(emu):
    token = requests.post(
        f"{emu.url}/identity/token", data={"grant_type": GRANT, "apikey": "test-key"}, timeout=10
    ).json()
    assert token["token_type"] == "Bearer"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    response = requests.get(f"{emu.url}/api/v1/backends", headers=headers, timeout=10)
    assert response.status_code == 200
    assert "fake_manila" in {d["name"] for d in response.json()["devices"]}
