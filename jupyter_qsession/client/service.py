"""The Qiskit Runtime service of a kernel or of the command line: the one its lab server uses,
through the public client.

Kernels of a lab server inherit the provider from the server's environment (the embedded
emulator's URL and key, or IBM credentials; names in :mod:`jupyter_qsession.wire`). Elsewhere
the same variables, or a saved IBM Quantum account, are used. The client (and the emulator's
``runtime_service``) is imported by :func:`connect`, on the first cell that needs the service.
A service for one named account (the kernel keeps one per account) is :func:`connect_quietly`.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import NotFound, ProviderUnavailable, QSessionError
from ..vocabulary import AccountSource
from ..wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from .calls import call

if TYPE_CHECKING:
    from .accounts_file import AccountSpec


def connect() -> Any:
    """A ``QiskitRuntimeService`` for this kernel's provider: the lab emulator's account
    (:func:`.account_lookup.local_accounts`), else the client's default account."""
    from .account_lookup import local_accounts

    lab = next((s for s in local_accounts() if s.source == AccountSource.LAB), None)
    if lab is not None:
        return connect_quietly(lab, "emulator")
    from qiskit_ibm_runtime import QiskitRuntimeService

    try:
        return call(QiskitRuntimeService)
    except QSessionError as error:
        raise type(error)(
            f"No Qiskit Runtime service: {error.message} Run this kernel from a JupyterLab "
            f"with jupyter-qsession, set ${EMULATOR_URL_ENV}/${EMULATOR_TOKEN_ENV} to a "
            "`jupyter qsession emulator`, or save an IBM Quantum account."
        ) from None


def connect_quietly(spec: AccountSpec, kind: str | None = None) -> Any:
    """:func:`.account_lookup.connect_account` through :func:`call`, without the client's
    token notice (every account here is built with its token on purpose); an emulator that
    does not answer fails in seconds."""
    from .account_lookup import connect_account

    if kind == "emulator" and spec.url:
        _probe(spec.url)
    with without_token_notice():
        return call(connect_account, spec, kind)


@contextmanager
def without_token_notice() -> Iterator[None]:
    """Drop the client's "Loading account with the given token" WARNING while we construct the
    service: the token is the account's key, passed on purpose, and the notice would otherwise
    be the first output of a kernel's first ``%%qsession`` cell. Only that message, only on
    the logger that emits it, only for the construction."""
    service_logger = logging.getLogger("qiskit_ibm_runtime.qiskit_runtime_service")

    def keep(record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Loading account with the given token")

    service_logger.addFilter(keep)
    try:
        yield
    finally:
        service_logger.removeFilter(keep)


def _probe(url: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not after the client's minutes of retries, when nothing listens."""
    import requests

    try:
        requests.get(f"{url.rstrip('/')}/api/v1/backends", timeout=timeout)
    except requests.RequestException as error:
        raise ProviderUnavailable(
            f"The Qiskit Runtime service at {url} is unreachable ({type(error).__name__})."
        ) from None


def find_backend(service: Any, name: str) -> Any:
    """The backend called ``name``, or :class:`~jupyter_qsession.errors.NotFound` listing the
    closest names."""
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    try:
        return call(service.backend, name)
    except (QiskitBackendNotFoundError, QSessionError):
        names = [backend.name for backend in call(service.backends)]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else f" Try one of {names[:5]}."
        raise NotFound(f"Unknown backend {name!r}.{hint}") from None


def is_open_plan(service: Any) -> bool:
    """Open-plan instances cannot hold a session: their jobs run in job mode."""
    try:
        plan = call(service.usage).get("plan_id") or ""
    except QSessionError:
        return False
    return "open" in str(plan).lower()
