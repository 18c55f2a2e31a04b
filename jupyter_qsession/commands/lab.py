"""The running lab server, as ``jupyter server list`` finds it, and its REST API as a client.

``jupyter_server.serverapp.list_running_servers()`` reads the servers' runtime files (URL,
token, pid); a server is ours when ``GET /qsession/api/info`` answers with its token
(``Authorization: token …``). Every failure is an error of :mod:`jupyter_qsession.errors`:
the server's refusal as its status says, no answer as
:class:`~jupyter_qsession.errors.ProviderUnavailable`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFound, ProviderUnavailable, QSessionError, from_status
from ..wire import API_PREFIX, API_VERSION

PROBE_TIMEOUT = 5.0  # a server that does not answer /info this fast is not used
CALL_TIMEOUT = 120.0  # close-idle reads each session from the service again


@dataclass
class LabServer:
    """One lab server's ``/qsession/api`` as one user (its token)."""

    url: str  # ends with its base URL, e.g. http://127.0.0.1:8888/lab-base/
    token: str = ""
    info: dict[str, Any] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        query: dict[str, str] | None = None,
        timeout: float = CALL_TIMEOUT,
    ) -> Any:
        address = f"{self.url.rstrip('/')}{API_PREFIX}/{path}"
        if query:
            address += "?" + urllib.parse.urlencode(query)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        request = urllib.request.Request(
            address,
            data=None if method == "GET" else json.dumps(body or {}).encode(),
            method=method,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise from_status(exc.code, _message(exc)) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ProviderUnavailable(
                f"The lab server at {self.url} did not answer: {reason}"
            ) from None

    def probe(self) -> LabServer:
        """Read ``/info`` (raises when this is no jupyter-qsession server for this token, or
        one of another API version)."""
        try:
            self.info = self.call("GET", "info", timeout=PROBE_TIMEOUT)
        except NotFound:
            raise NotFound(f"The server at {self.url} has no jupyter-qsession.") from None
        theirs = self.info.get("api_version") if isinstance(self.info, dict) else None
        if theirs != API_VERSION:
            raise ProviderUnavailable(
                f"The lab server at {self.url} speaks API version {theirs}, this command "
                f"{API_VERSION}: use the jupyter-qsession installed with that server."
            )
        return self

    # ----------------------------------------------------------------- the routes
    def sessions(self, *, every: bool = False, idle: bool = False) -> list[dict[str, Any]]:
        """The caller's sessions: kernels' ones (with ``every``, the account's found elsewhere
        too); with ``idle``, only the idle ones the caller may close."""
        query = {"origin": "all" if every or idle else "kernel"}
        if idle:
            query["idle"] = "true"
        return self.call("GET", "sessions", query=query)["sessions"]

    def session(self, session_id: str) -> dict[str, Any]:
        """One session as the caller may see it (:class:`NotFound` when not)."""
        return self.call("GET", f"sessions/{urllib.parse.quote(session_id)}")

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts the lab serves (``AccountModel``s, never a token): its emulator first."""
        return self.call("GET", "accounts")["accounts"]

    def end(self, session_id: str, how: str) -> dict[str, Any]:
        """``close`` or ``cancel`` a session: the session as it is afterwards."""
        return self.call("POST", f"sessions/{urllib.parse.quote(session_id)}/{how}")

    def close_idle(self, session_ids: list[str]) -> dict[str, Any]:
        """Close those of ``session_ids`` that are still idle: ``{"closed", "skipped"}``."""
        return self.call("POST", "sessions/close-idle", {"session_ids": session_ids})


@dataclass
class Found:
    """The lab servers that answered, and why the others were passed over."""

    usable: list[LabServer]
    passed_over: list[str]


def find_labs(server_url: str | None = None, token: str | None = None) -> Found:
    """The running lab servers with jupyter-qsession that accept their token (or ``token``).
    With ``server_url``, only that one (its token from the runtime files when it wrote one)."""
    from jupyter_server.serverapp import list_running_servers

    running = list(list_running_servers())
    if server_url is not None:
        wanted = _normal(server_url)
        known = next((info for info in running if _normal(info["url"]) == wanted), {})
        candidates = [LabServer(server_url, token or known.get("token", ""))]
    else:
        candidates = [LabServer(info["url"], token or info.get("token", "")) for info in running]
    usable, passed_over = [], []
    for lab in candidates:
        try:
            usable.append(lab.probe())
        except QSessionError as error:
            passed_over.append(f"{lab.url}: {error.message}")
    return Found(usable, passed_over)


def _normal(url: str) -> str:
    return url.rstrip("/").replace("://localhost:", "://127.0.0.1:")


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("message") or exc.reason)
    except (ValueError, AttributeError):
        return str(exc.reason)
