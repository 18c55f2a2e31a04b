"""Wiring of the server extension into a running Jupyter server.

For now it starts the embedded emulator inside the server process, on a free loopback port,
and hands its URL and API key to the kernels this server starts (through their environment,
never through the browser), so ``jupyter_qsession.emulator.runtime_service()`` works in any
notebook with no arguments. The REST + WebSocket bridge is built on top of this.
"""

from __future__ import annotations

import os

from ..emulator import Emulator
from ..emulator.client import TOKEN_ENV, URL_ENV
from ..emulator.settings import QSessionEmulator


def load(server_app) -> Emulator:
    """Start the emulator on the server's IOLoop and export it to kernels."""
    emulator = QSessionEmulator(config=server_app.config).build()
    url = emulator.start(port=0, address="127.0.0.1")
    # Kernels inherit the server's environment when the kernel manager launches them.
    os.environ[URL_ENV] = url
    os.environ[TOKEN_ENV] = emulator.api_key
    server_app.web_app.settings["qsession_emulator"] = emulator
    server_app.log.info("jupyter_qsession: Qiskit Runtime emulator on %s", url)
    return emulator
