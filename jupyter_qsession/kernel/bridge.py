"""The bridge: the kernel's client of its lab server's kernel endpoints, through which the
kernel tells the server about the sessions it opens.

The server puts its URL in ``$QSESSION_BRIDGE_URL``. The kernel proves who it is with a token
derived from its own connection key (which only the kernel and its server hold) and its kernel
id, so a kernel can register and act only under its own id. No user credential is involved.
The names and the token are the wire contract (:mod:`jupyter_qsession.wire`); a refusal is the
error of :mod:`jupyter_qsession.errors` that its HTTP status stands for.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from ..errors import ProviderUnavailable, from_status
from ..wire import API_PREFIX, BRIDGE_URL_ENV, KERNEL_TOKEN_HEADER, kernel_token

_KERNEL_FILE = re.compile(r"kernel-(?P<id>[0-9a-fA-F-]{8,})\.json$")


@dataclass
class BridgeClient:
    """Calls the server's kernel endpoints as one kernel. Every failure is a
    :class:`~jupyter_qsession.errors.QSessionError`: the server's refusal as its status says,
    a server that does not answer as :class:`~jupyter_qsession.errors.ProviderUnavailable`."""

    url: str
    kernel_id: str
    token: str

    @classmethod
    def from_kernel(cls) -> BridgeClient | None:
        """The bridge of the running IPython kernel, or None outside a Jupyter server's kernel."""
        url = os.environ.get(BRIDGE_URL_ENV)
        if not url:
            return None
        try:
            from ipykernel.connect import get_connection_file
            from IPython import get_ipython

            shell = get_ipython()
            kernel = getattr(shell, "kernel", None)
            match = _KERNEL_FILE.search(get_connection_file())
        except (ImportError, RuntimeError, AttributeError):
            return None
        if kernel is None or match is None:
            return None
        kernel_id = match.group("id")
        return cls(url=url, kernel_id=kernel_id, token=kernel_token(kernel.session.key, kernel_id))

    def register(self, session_id: str, account: str | None = None) -> dict[str, Any]:
        """Hold ``session_id`` under this kernel; ``account`` None: the lab asks its accounts
        which one knows the session."""
        body = {"session_id": session_id, "account": account}
        return self._send("POST", f"kernels/{self.kernel_id}/sessions", body)

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts the lab serves (``AccountModel``s: no tokens), the emulator first."""
        return self._send("GET", f"kernels/{self.kernel_id}/accounts")["accounts"]

    def sessions(self) -> list[dict[str, Any]]:
        """The sessions registered under this kernel, newest first."""
        return self._send("GET", f"kernels/{self.kernel_id}/sessions")["sessions"]

    def _send(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url.rstrip('/')}{API_PREFIX}/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={KERNEL_TOKEN_HEADER: self.token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("message") or exc.reason
            except ValueError:
                message = exc.reason
            raise from_status(exc.code, str(message)) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ProviderUnavailable(
                f"The Jupyter server at {self.url} is unreachable: {exc}"
            ) from None
