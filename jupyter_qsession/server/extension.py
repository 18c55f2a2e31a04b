"""Wiring of the server extension into a running Jupyter server.

For now it starts the embedded emulator inside the server process, on a free loopback port,
and hands its URL and API key to the kernels this server starts (through their environment,
never through the browser), so ``jupyter_qsession.emulator.runtime_service()`` works in any
notebook with no arguments. The REST + WebSocket bridge is built on top of this.
"""

from __future__ import annotations

import os

from traitlets import Enum, Float, Int
from traitlets.config import Configurable

from ..emulator import Emulator
from ..emulator.client import TOKEN_ENV, URL_ENV
from ..emulator.scheduler import DEFAULT_INTERACTIVE_TTL, MAX_TTL_LIMIT, PLANS
from ..emulator.service import DEFAULT_JOB_OVERHEAD, DEFAULT_QUEUE_WAIT


class QSessionEmulator(Configurable):
    """Settings of the emulator the server runs (``c.QSessionEmulator.…``)."""

    queue_wait = Float(
        DEFAULT_QUEUE_WAIT,
        min=0,
        config=True,
        help="Seconds a job waits behind other users' work before it may run.",
    )
    job_overhead = Float(
        DEFAULT_JOB_OVERHEAD, min=0, config=True, help="Fixed QPU seconds added to every job."
    )
    interactive_timeout = Int(
        DEFAULT_INTERACTIVE_TTL,
        min=1,
        config=True,
        help="Seconds a session stays active without a job (IBM's interactive TTL).",
    )
    max_ttl_limit = Int(
        MAX_TTL_LIMIT,
        min=1,
        config=True,
        help="Largest max TTL (seconds) a session may ask for; also the default.",
    )
    plan = Enum(
        PLANS, default_value="paid", config=True, help="'open': sessions fall back to job mode."
    )

    def build(self) -> Emulator:
        return Emulator(
            queue_wait=self.queue_wait,
            job_overhead=self.job_overhead,
            interactive_ttl=self.interactive_timeout,
            max_ttl_limit=self.max_ttl_limit,
            plan=self.plan,
        )


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
