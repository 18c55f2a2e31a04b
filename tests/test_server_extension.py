"""The server extension starts the emulator inside the Jupyter server process."""

from __future__ import annotations

import asyncio
import os

import pytest
import requests

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"jupyter_qsession": True}}}


async def test_server_starts_the_emulator_for_its_kernels(jp_serverapp):
    emulator = jp_serverapp.web_app.settings["qsession_emulator"]
    url = os.environ["QSESSION_EMULATOR_URL"]
    key = os.environ["QSESSION_EMULATOR_TOKEN"]
    assert url == emulator.url and url.startswith("http://127.0.0.1:")

    def list_backends() -> list[str]:
        token = requests.post(
            f"{url}/identity/token",
            data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": key},
            timeout=10,
        ).json()["access_token"]
        response = requests.get(
            f"{url}/api/v1/backends", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        return [device["name"] for device in response.json()["devices"]]

    # The emulator runs on the server's own loop: call it from a thread, as a kernel would.
    assert "fake_manila" in await asyncio.to_thread(list_backends)
