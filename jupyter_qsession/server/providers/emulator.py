"""The emulator process as a provider: its REST API, and its change feed pushed as sessions.

The lab server talks to the emulator like any client, over loopback HTTP (tornado's async
client: no thread, no qiskit in the lab server), with the operator key. Changes arrive on
the emulator's long-poll feed as the changed sessions themselves (``emulator/feed.py``) and are
pushed on as they are: no read-back. The feed also tells a restarted emulator apart (its
``epoch``); then every session the manager follows is read and pushed again.

The operator's feed shows every user's sessions: the provider keeps those of its account (the
``kernel_user``, whose key the kernels get) and those the manager holds. Sessions that were
open before this lab server started never come on the feed; discovery finds them (at start and
every ``refresh_interval``): :class:`~jupyter_qsession.client.discovery.SessionFinder` over
the jobs the ACCOUNT's key lists (``GET /api/v1/jobs``: only its own jobs), then each found id read.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jupyter_core.paths import jupyter_data_dir
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from traitlets import Enum, Unicode, default

from ...client.discovery import SessionFinder
from ...emulator.settings import QSessionEmulator
from ...errors import Conflict, NotFound, ProviderUnavailable
from ...timing import to_iso
from ...wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from ..models import AccountUsage, ServiceSession
from .base import ChangeListener, Provider, usage_from_report
from .process import EmulatorProcess, EmulatorUnavailable

log = logging.getLogger(__name__)

FEED_TIMEOUT = 25.0
GRANT = "urn:ibm:params:oauth:grant-type:apikey"
API = "/api/v1"


class EmulatorProvider(Provider):
    """Sessions on the emulator process of this lab (or on one it shares with other labs),
    configured with ``c.EmulatorProvider.*`` and the emulator's own ``c.QSessionEmulator.*``."""

    name = "emulator"
    kind = "emulator"
    pushes = True

    emulator_dir = Unicode(
        config=True,
        help="""Where the emulator process keeps its state (emulator.sqlite: sessions, jobs,
        results, users' keys), its URL while it runs (emulator.json) and this server's key
        (operator.key). Lab servers of one user share it, and with it one emulated service.
        Default: <jupyter data dir>/qsession.""",
    )
    clock = Enum(
        ["wall", "manual"],
        default_value="wall",
        config=True,
        help="The emulator's clock: 'manual' only moves when told to (tests).",
    )

    @default("emulator_dir")
    def _default_emulator_dir(self) -> str:
        return str(Path(jupyter_data_dir()) / "qsession")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.process = EmulatorProcess(self.emulator_dir, self.emulator_options())
        self._http = AsyncHTTPClient()
        self._bearer: str | None = None
        self._account_bearer: str | None = None
        self._kernel_key = ""
        # The emulator's manual clock (tests) starts ahead of the wall clock, so the first
        # look's look-back from this machine's time reaches back far enough either way.
        self.finder = SessionFinder(self._list_jobs)
        self.wall: Callable[[], float] = time.time  # when usage was read (read_at)
        self._on_change: ChangeListener | None = None
        self._feed: asyncio.Task | None = None
        self._epoch, self._seq = "", -1  # the feed position reached
        self.problem: str | None = None

    def emulator_options(self) -> list[str]:
        """``--clock`` and c.QSessionEmulator.* as the emulator process's command line."""
        settings = QSessionEmulator(parent=self)
        options = ["--clock", self.clock]
        for name in settings.trait_names(config=True):
            options += ["--" + name.replace("_", "-"), str(getattr(settings, name))]
        return options

    # ----------------------------------------------------------------- lifecycle
    async def start(self, on_change: ChangeListener) -> None:
        self._on_change = on_change
        try:
            await self.process.start()
            self._kernel_key = await self._user_key(self.kernel_user)
        except (EmulatorUnavailable, ProviderUnavailable) as exc:
            self.problem = str(exc)
            log.error("jupyter_qsession: the emulator is unavailable: %s", exc)
            return
        self.process.on_restart.append(self._forget_token)
        self._feed = asyncio.ensure_future(self._follow())

    async def stop(self) -> None:
        if self._feed is not None:
            self._feed.cancel()
        await self.process.stop()

    @property
    def notices(self) -> list[str]:
        problem = [f"The emulator is unavailable: {self.problem}"] if self.problem else []
        return problem + self.process.notices

    def kernel_env(self) -> dict[str, str]:
        """The emulator's URL and the kernel owner's own key (never the operator's)."""
        return {EMULATOR_URL_ENV: self.process.url or "", EMULATOR_TOKEN_ENV: self._kernel_key}

    # ----------------------------------------------------------------- commands
    async def read(self, session_id: str) -> ServiceSession:
        return _session(await self._call("GET", f"{API}/qsession/sessions/{session_id}"))

    async def close(self, session_id: str) -> ServiceSession:
        await self._call("PATCH", f"{API}/sessions/{session_id}", {"accepting_jobs": False})
        return await self.read(session_id)

    async def cancel(self, session_id: str) -> ServiceSession:
        await self._call("DELETE", f"{API}/sessions/{session_id}/close")
        return await self.read(session_id)

    async def cancel_job(self, job_id: str, session_id: str) -> ServiceSession:
        await self._call("POST", f"{API}/jobs/{job_id}/cancel")
        return await self.read(session_id)

    # ----------------------------------------------------------------- the account
    async def discover(self) -> dict[str, ServiceSession]:
        """The account's sessions that may be open and are not held, read whole."""
        return await self.read_found(await self.finder.find(set(self.held)))

    async def _list_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        """``service.jobs(**filters)`` as the account's client would list them (its own jobs
        only), over REST: ``pending``, ``created_after`` (ISO), ``limit``, ``skip``."""
        query: dict[str, Any] = {"exclude_params": "true"}
        for name, value in filters.items():
            if value is None:
                continue
            key = "offset" if name == "skip" else name
            query[key] = str(value).lower() if isinstance(value, bool) else value
        reply = await self._call("GET", f"{API}/jobs?{urlencode(query)}", account=True)
        return reply["jobs"]

    async def backends(self) -> list[str]:
        """``GET /api/v1/backends`` with the account's key: the fake backends' names."""
        reply = await self._call("GET", f"{API}/backends", account=True)
        return [device["name"] for device in reply["devices"]]

    async def usage(self) -> AccountUsage:
        """``GET /api/v1/instances/usage`` with the account's key, read as the client's
        ``service.usage()`` reads it (remaining = allocation - consumed, where there is one)."""
        reply = await self._call("GET", f"{API}/instances/usage", account=True)
        return usage_from_report(reply, to_iso(self.wall()) or "")

    async def advance_clock(self, seconds: float) -> None:
        """A manual-clock emulator (tests): move its time, one event at a time."""
        await self._call("POST", f"{API}/qsession/clock", {"advance": seconds})

    # ----------------------------------------------------------------- the feed
    async def caught_up(self) -> None:
        """Return once every change the emulator has made so far reached ``on_change``."""
        query = urlencode({"epoch": self._epoch, "after": self._seq, "timeout": 0})
        feed = await self._call("GET", f"{API}/qsession/changes?{query}")
        while self._epoch != feed["epoch"] or self._seq < feed["seq"]:
            await asyncio.sleep(0.005)

    async def _follow(self) -> None:
        while True:
            epoch, after = self._epoch, self._seq
            query = urlencode({"epoch": epoch, "after": after, "timeout": FEED_TIMEOUT})
            try:
                feed = await self._call(
                    "GET", f"{API}/qsession/changes?{query}", timeout=FEED_TIMEOUT + 10
                )
            except (ProviderUnavailable, NotFound, Conflict) as exc:
                log.warning("jupyter_qsession: emulator change feed: %s; retrying", exc)
                await asyncio.sleep(1.0)
                await self._revive()
                continue
            changed = {view["id"]: _session(view) for view in feed["sessions"] if self._ours(view)}
            if feed.get("reset") and after != -1:
                # A new emulator run: what it says now of every session followed.
                for session_id in self.followed - set(changed):
                    try:
                        changed[session_id] = await self.read(session_id)
                    except NotFound:
                        changed[session_id] = None
                    except ProviderUnavailable as exc:
                        log.warning("jupyter_qsession: cannot read %s: %s", session_id, exc)
            if self._on_change is not None:
                self.push(self._on_change, changed)
            self._epoch, self._seq = feed["epoch"], feed["seq"]

    async def _revive(self) -> None:
        """An emulator found running (not started here, so not watched) died: find or start
        one on the same state and port."""
        if self.process.started_here or self.process.alive():
            return
        try:
            await self.process.start()
        except EmulatorUnavailable as exc:
            log.error("jupyter_qsession: the emulator is unavailable: %s", exc)
            return
        self._bearer = None
        self.process.notices.append("The emulator process was gone; it was started again.")

    def _ours(self, view: dict[str, Any]) -> bool:
        """A session of this lab's account (the kernel user's), or one the manager holds."""
        return view["id"] in self.held or view.get("user_id") in (None, self.kernel_user)

    # ----------------------------------------------------------------- HTTP
    def _forget_token(self) -> None:
        self._bearer = None
        self._account_bearer = None

    async def _user_key(self, user: str) -> str:
        reply = await self._call("POST", f"{API}/qsession/users/{user}/key", {})
        return reply["api_key"]

    async def _token(self, account: bool = False) -> str:
        """A bearer token for the operator's key, or (``account``) for the account's."""
        bearer = self._account_bearer if account else self._bearer
        if bearer is None:
            key = self._kernel_key if account else self.process.operator_key
            body = urlencode({"grant_type": GRANT, "apikey": key})
            reply = await self._send("POST", "/identity/token", body, {}, 10.0, form=True)
            bearer = reply["access_token"]
            if account:
                self._account_bearer = bearer
            else:
                self._bearer = bearer
        return bearer

    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        timeout: float = 30.0,
        account: bool = False,
    ) -> Any:
        """One request with the operator's key, or with the account's (``account``: what the
        account's own client would see)."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {await self._token(account)}"}
            try:
                return await self._send(method, path, body, headers, timeout)
            except _Expired:
                self._forget_token()
                if attempt == 2:
                    raise ProviderUnavailable(
                        "The emulator refused the lab server's key."
                    ) from None
        return None

    async def _send(
        self,
        method: str,
        path: str,
        body: Any,
        headers: dict[str, str],
        timeout: float,
        *,
        form: bool = False,
    ) -> Any:
        if self.process.url is None:
            raise ProviderUnavailable(self.problem or "The emulator has not started.")
        payload = None
        if body is not None:
            payload = body if form else json.dumps(body)
            headers = {
                **headers,
                "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
            }
        request = HTTPRequest(
            self.process.url + path,
            method=method,
            headers=headers,
            body=payload,
            request_timeout=timeout,
            allow_nonstandard_methods=True,
        )
        try:
            response = await self._http.fetch(request)
        except HTTPClientError as exc:
            message = _message(exc)
            if exc.code == 401:
                raise _Expired() from None
            if exc.code == 404:
                raise NotFound(message) from None
            if exc.code == 409:
                raise Conflict(message) from None
            raise ProviderUnavailable(f"The emulator refused: {message}") from None
        except OSError as exc:
            raise ProviderUnavailable(f"The emulator is unreachable: {exc}") from None
        return json.loads(response.body) if response.body else None


def _session(view: dict[str, Any]) -> ServiceSession:
    """The emulator's session view (``emulator/views.py``) as the model it was made for."""
    return ServiceSession.model_validate(
        {k: v for k, v in view.items() if k not in ("id", "user_id")}
    )


class _Expired(Exception):
    """The bearer token was refused: get a new one."""


def _message(exc: HTTPClientError) -> str:
    try:
        return json.loads(exc.response.body)["message"]  # type: ignore[union-attr]
    except (AttributeError, ValueError, KeyError, TypeError):
        return str(exc)
