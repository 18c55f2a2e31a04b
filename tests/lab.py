"""A lab server under test: the real jupyter-server with the extension, its embedded emulator
on a manual clock, real kernels, the unmodified client — and users with different rights."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from jupyter_server.auth import Authorizer, IdentityProvider, User
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch, SamplerV2, Session
from tornado.httpclient import HTTPClientError

from jupyter_qsession.emulator import ManualClock, runtime_service
from jupyter_qsession.server.access import ACCOUNT, OTHERS, RESOURCE
from jupyter_qsession.wire import EMULATOR_TOKEN_ENV, KERNEL_TOKEN_HEADER, kernel_token

QUEUE_WAIT = 30.0
OVERHEAD = 5.0
INTERACTIVE_TTL = 60
TOKENS = {
    "alice": "alice-token",
    "bob": "bob-token",
    "reader": "reader-token",
    "admin": "a-tok",
    "ops": "ops-token",
    "auditor": "auditor-token",
}


class NamedUsers(IdentityProvider):
    """Users by token: a shared server where each person has their own identity."""

    def get_user(self, handler):
        token = self.get_token(handler)
        for name, known in TOKENS.items():
            if token == known:
                handler._token_authenticated = True  # header tokens need no XSRF cookie
                return User(username=name)
        return None


class RoleAuthorizer(Authorizer):
    """reader: read only; alice and bob: their own sessions; admin: everyone's. ops: every
    kernel's session but none found elsewhere on the account; auditor: everyone's, those
    found elsewhere read-only."""

    def is_authorized(self, handler, user, action, resource) -> bool:
        if resource == OTHERS:
            return user.username in ("admin", "ops", "auditor")
        if resource == ACCOUNT:
            if user.username == "ops":
                return False
            return action == "read" or user.username != "auditor"
        if resource == RESOURCE:
            return action == "read" or user.username != "reader"
        return True


def server_config(tmp_path, clock: ManualClock | None, **app: Any) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_qsession": True},
            "identity_provider_class": NamedUsers,
            "authorizer_class": RoleAuthorizer,
        },
        "QSessionApp": {
            "registry_path": str(tmp_path / "sessions.sqlite"),
            # Never the account file of whoever runs the tests.
            "account_file": str(tmp_path / "qiskit-ibm.json"),
            "default_owner": "alice",
            # The account's usage is read only when asked: its events would come between the
            # session events a test waits for (tests/test_server_usage.py sets its own).
            "usage_refresh_interval": 0,
            **app,
        },
        "EmulatorProvider": {
            "emulator_dir": str(tmp_path / "emulator"),
            "clock": "manual" if clock is not None else "wall",
        },
        "QSessionEmulator": {
            "queue_wait": QUEUE_WAIT,
            "job_overhead": OVERHEAD,
            "interactive_timeout": INTERACTIVE_TTL,
        },
    }


class Lab:
    """Drive a running server as its users, its kernels and its emulator's clock would."""

    def __init__(self, serverapp, jp_fetch, jp_ws_fetch) -> None:
        self.serverapp = serverapp
        self._fetch = jp_fetch
        self._ws_fetch = jp_ws_fetch
        self.app = serverapp.extension_manager.extension_points["jupyter_qsession"].app
        self.manager = self.app.manager
        self.kernels: list[str] = []
        self._backend = None
        self._bell = None

    @property
    def emulator(self):
        """The provider of the emulator process: ``url``, ``api_key`` (the kernels' key)."""
        return EmulatorHandle(self.manager.provider.emulator)

    async def service_call(self, method: str, path: str, body: Any = None) -> Any:
        """The emulator's REST API with the lab server's operator key (sees every user's)."""
        return await self.manager.provider.emulator._call(method, path, body)

    async def sync(self) -> None:
        """Wait until every change the emulator made so far is stored and announced."""
        await self.manager.provider.caught_up()  # pushes are stored as they arrive

    async def ready(self) -> Lab:
        await self.manager.started.wait()
        # The client blocks on HTTP to the emulator, which runs on this loop: use a thread.
        self._backend, self._bell = await asyncio.to_thread(self._client_side)
        return self

    def _client_side(self):
        service = runtime_service(self.emulator.url, self.emulator.api_key)
        backend = service.backend("fake_manila")
        qc = QuantumCircuit(2)
        qc.h(0)
        qc.cx(0, 1)
        qc.measure_all()
        pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
        return backend, pm.run(qc)

    # ----------------------------------------------------------------- HTTP as a user
    async def api(
        self,
        path: str,
        method: str = "GET",
        body: Any = None,
        *,
        user: str | None = "alice",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        status, text = await self.raw(path, method, body, user=user, headers=headers)
        return status, json.loads(text) if text else None

    async def raw(
        self,
        path: str,
        method: str = "GET",
        body: Any = None,
        *,
        user: str | None = "alice",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """As :meth:`api`, with the body as the server sent it."""
        all_headers = {"Authorization": f"token {TOKENS[user]}"} if user else {"Authorization": ""}
        all_headers.update(headers or {})
        kwargs: dict[str, Any] = {"method": method, "headers": all_headers}
        if method != "GET":
            kwargs["body"] = body if isinstance(body, str) else json.dumps(body or {})
        path, _, query = path.partition("?")
        if query:
            kwargs["params"] = dict(parse_qsl(query))
        try:
            response = await self._fetch("qsession", "api", *path.split("/"), **kwargs)
        except HTTPClientError as error:
            response = error.response
        return response.code, response.body or b""

    async def socket(self, user: str = "alice"):
        return await self._ws_fetch(
            "qsession", "api", "events", headers={"Authorization": f"token {TOKENS[user]}"}
        )

    # ----------------------------------------------------------------- kernels
    async def start_kernel(self) -> str:
        kernel_id = await self.serverapp.kernel_manager.start_kernel()
        self.kernels.append(kernel_id)
        return kernel_id

    async def shutdown_kernels(self) -> None:
        kernels = self.serverapp.kernel_manager
        for kernel_id in self.kernels:
            if kernel_id in kernels:
                await kernels.shutdown_kernel(kernel_id, now=True)

    async def execute(self, kernel_id: str, code: str, timeout: float = 120) -> tuple[str, str]:
        """Run ``code`` in a kernel as a notebook cell does; return (status, all output text)."""
        status, outputs = await self.outputs(kernel_id, code, timeout)
        return status, "".join(text for _, text in outputs)

    async def outputs(
        self, kernel_id: str, code: str, timeout: float = 120
    ) -> tuple[str, list[tuple[str, str]]]:
        """Run ``code`` as a cell; return (status, its outputs in order as (kind, text)), kind
        being the stream name (``stdout``, ``stderr``), ``display`` (also an update of a
        display) or ``error``."""
        client = self.serverapp.kernel_manager.get_kernel(kernel_id).client()
        client.start_channels()
        outputs: list[tuple[str, str]] = []

        def collect(msg) -> None:
            content = msg["content"]
            if msg["msg_type"] == "stream":
                outputs.append((content["name"], content["text"]))
            elif msg["msg_type"] in ("display_data", "update_display_data", "execute_result"):
                outputs.append(("display", content["data"].get("text/plain", "") + "\n"))
            elif msg["msg_type"] == "error":
                outputs.append(("error", "\n".join(content["traceback"])))

        try:
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive(code, output_hook=collect, timeout=timeout)
        finally:
            client.stop_channels()
        return reply["content"]["status"], outputs

    def token(self, kernel_id: str) -> str:
        key = self.serverapp.kernel_manager.get_kernel(kernel_id).session.key
        return kernel_token(key, kernel_id)

    async def register(self, kernel_id: str, session_id: str, token: str | None = None, **extra):
        return await self.api(
            f"kernels/{kernel_id}/sessions",
            "POST",
            {"session_id": session_id, **extra},
            user=None,
            headers={KERNEL_TOKEN_HEADER: self.token(kernel_id) if token is None else token},
        )

    async def kernel_with_a_queued_job(self):
        """A kernel, a session registered under it, and one job queued in the session."""
        kernel = await self.start_kernel()
        session = await self.open_session()
        await self.register(kernel, session.session_id)
        return kernel, session, await self.submit(session)

    # ----------------------------------------------------------------- the client, as in a kernel
    async def open_session(self, mode: str = "dedicated", max_time: int | None = None):
        kind = Session if mode == "dedicated" else Batch
        return await asyncio.to_thread(kind, backend=self._backend, max_time=max_time)

    async def submit(self, session, shots: int = 10) -> str:
        def run() -> str:
            return SamplerV2(mode=session).run([self._bell], shots=shots).job_id()

        job_id = await asyncio.to_thread(run)
        await self.sync()
        return job_id

    async def advance(self, seconds: float) -> None:
        """Move the emulator's manual clock, one event at a time (it waits for simulations so
        jobs end exactly at their emulated time); then let the manager catch up."""
        await self.manager.provider.emulator.advance_clock(seconds)
        await self.sync()


class EmulatorHandle:
    """What tests read of the emulator process: its URL and the kernels' API key."""

    def __init__(self, provider) -> None:
        self.url = provider.process.url
        self.api_key = provider.kernel_env()[EMULATOR_TOKEN_ENV]
        self.process = provider.process
