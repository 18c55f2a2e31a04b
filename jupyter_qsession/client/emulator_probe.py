"""Is an account's URL a jupyter-qsession emulator, or IBM's service (or another Runtime API)?

The plain client cannot use an emulator from a saved account alone (it looks the instance up at
IBM Cloud and trades the key at IBM's IAM), so whoever builds a service for an account asks
first: an emulator answers ``GET /api/v1/qsession/info`` without a key. IBM's hosts are never
asked. No qiskit here: the lab server may probe before it imports the client.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

import requests

from ..emulator.instance import INFO_PATH, SERVICE_NAME
from ..errors import ProviderUnavailable

ServiceKind = Literal["emulator", "ibm"]
IBM_DOMAIN = "ibm.com"


def is_ibm_host(url: str | None) -> bool:
    """No URL (the client's default) or a host under ibm.com: IBM's service, not asked."""
    host = (urlparse(url).hostname or "") if url else ""
    return not host or host == IBM_DOMAIN or host.endswith("." + IBM_DOMAIN)


def service_kind(url: str | None, timeout: float = 2.0, *, verify: bool = True) -> ServiceKind:
    """``"emulator"`` if ``url`` serves a jupyter-qsession emulator, else ``"ibm"``.

    A 404, a 4xx or an answer that is not the emulator's JSON is another Runtime API: "ibm".
    Raises :class:`ProviderUnavailable` (one line, naming the URL) when nothing answers within
    ``timeout`` seconds or the server fails (5xx): the question is still open, ask again later.
    """
    if is_ibm_host(url):
        return "ibm"
    assert url is not None
    probe = url.rstrip("/") + INFO_PATH
    try:
        answer = requests.get(probe, timeout=timeout, verify=verify, allow_redirects=False)
    except requests.Timeout:
        raise ProviderUnavailable(f"{url} did not answer within {timeout:g} s.") from None
    except requests.ConnectionError as exc:
        raise ProviderUnavailable(f"{url} cannot be reached: {_why(exc)}.") from None
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"{url} cannot be asked: {_why(exc)}.") from None
    if answer.status_code >= 500:
        raise ProviderUnavailable(f"{url} answered {answer.status_code} to {INFO_PATH}.")
    try:
        body = answer.json()
    except ValueError:
        return "ibm"
    ours = answer.status_code == 200 and isinstance(body, dict)
    return "emulator" if ours and body.get("service") == SERVICE_NAME else "ibm"


REASONS = (
    ("Connection refused", "connection refused"),
    ("Name or service not known", "unknown host"),
    ("Temporary failure in name resolution", "unknown host"),
    ("SSL", "TLS failed"),
)


def _why(exc: BaseException) -> str:
    """The reason in two words ("connection refused"), not urllib3's nested reprs."""
    text = str(exc)
    return next((said for marker, said in REASONS if marker in text), type(exc).__name__)
