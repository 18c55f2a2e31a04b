"""A restart logs nobody out: the key that signs access tokens lives with the emulator's state,
so a client made before a kill -9 goes on with the token it holds (no 401, no new service)."""

from __future__ import annotations

import pytest
import requests
from emulator_process import KEY, EmulatorProcess
from qiskit_ibm_runtime import SamplerV2

from conftest import EPS, JOB, QUEUE_WAIT, start_emulator
from jupyter_qsession.emulator import runtime_service


def test_a_client_made_before_a_kill_goes_on_after_the_restart(tmp_path, bell):
    emulator = EmulatorProcess(tmp_path / "state.sqlite")
    emulator.start()
    try:
        user_key = emulator.rest()("POST", "/qsession/users/alice/key").json()["api_key"]
        service = runtime_service(emulator.url, user_key)
        sampler = SamplerV2(mode=service.backend("fake_manila"))
        before = sampler.run([bell], shots=10)
        token = requests.post(
            f"{emulator.url}/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": user_key},
            timeout=30,
        ).json()["access_token"]
        emulator.kill()
        emulator.start()

        after = sampler.run([bell], shots=10)  # the same service, no new token
        emulator.advance(QUEUE_WAIT + 2 * JOB + EPS)
        assert before.status() == after.status() == "DONE"
        assert sum(before.result()[0].data.meas.get_counts().values()) == 10
        answer = requests.get(
            f"{emulator.url}/api/v1/jobs",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200
        assert answer.json()["count"] == 2
    finally:
        emulator.kill()


def test_an_in_memory_emulator_signs_with_a_key_of_its_own():
    """No state: nothing to share a key with, so tokens of one emulator are foreign to another."""
    first, second = (start_emulator(api_key=KEY) for _ in range(2))
    try:
        token = first.emulator.tokens.exchange("urn:ibm:params:oauth:grant-type:apikey", KEY)
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert requests.get(f"{first.url}/api/v1/jobs", headers=bearer, timeout=30).ok
        refused = requests.get(f"{second.url}/api/v1/jobs", headers=bearer, timeout=30)
        assert refused.status_code == 401
        assert "Invalid access token" in refused.json()["message"]
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("restarts", [1, 2])
def test_a_durable_emulator_keeps_its_signing_key(tmp_path, restarts):
    emulator = start_emulator(api_key=KEY, state_path=str(tmp_path / "state.sqlite"))
    token = emulator.emulator.tokens.exchange("urn:ibm:params:oauth:grant-type:apikey", KEY)
    for _ in range(restarts):
        emulator.stop()
        emulator = start_emulator(api_key=KEY, state_path=str(tmp_path / "state.sqlite"))
    try:
        assert emulator.emulator.tokens.check(f"Bearer {token['access_token']}") == "operator"
    finally:
        emulator.stop()
