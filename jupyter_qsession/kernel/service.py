"""The kernel's Qiskit Runtime service: the one its server uses, through the public client.

Kernels of a lab server inherit the provider from the server's environment (the embedded
emulator's URL and key, or IBM credentials). Elsewhere the same variables, or a saved IBM
Quantum account, are used. Every failure becomes a :class:`MagicError` with one short message.
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ..emulator.client import TOKEN_ENV, URL_ENV

T = TypeVar("T")


class MagicError(Exception):
    """Something the user can act on; the magic shows ``message`` and no traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def where() -> str:
    return os.environ.get(URL_ENV) or "IBM Quantum"


def connect() -> Any:
    """A ``QiskitRuntimeService`` for this kernel's provider."""
    if os.environ.get(URL_ENV) and os.environ.get(TOKEN_ENV):
        from ..emulator.client import runtime_service

        _probe(os.environ[URL_ENV])
        with _without_token_notice():
            return call(runtime_service)
    from qiskit_ibm_runtime import QiskitRuntimeService

    try:
        return call(QiskitRuntimeService)
    except MagicError as error:
        raise MagicError(
            f"No Qiskit Runtime service: {error.message} Run this kernel from a JupyterLab "
            f"with jupyter-qsession, set ${URL_ENV}/${TOKEN_ENV} to a `jupyter qsession "
            "emulator`, or save an IBM Quantum account."
        ) from None


@contextmanager
def _without_token_notice() -> Iterator[None]:
    """Drop the client's "Loading account with the given token" WARNING while we construct the
    service: the token is the emulator's key, passed on purpose, and the notice would otherwise
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
        raise MagicError(
            f"The Qiskit Runtime service at {url} is unreachable ({type(error).__name__})."
        ) from None


def find_backend(service: Any, name: str) -> Any:
    """The backend called ``name``, or an error that lists the closest names."""
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    try:
        return call(service.backend, name)
    except (QiskitBackendNotFoundError, MagicError):
        names = [backend.name for backend in call(service.backends)]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else f" Try one of {names[:5]}."
        raise MagicError(f"Unknown backend {name!r}.{hint}") from None


def is_open_plan(service: Any) -> bool:
    """Open-plan instances cannot hold a session: their jobs run in job mode."""
    try:
        plan = call(service.usage).get("plan_id") or ""
    except MagicError:
        return False
    return "open" in str(plan).lower()


# The client walks the calling thread's whole stack (inspect.stack) on every request to tag
# its usage header; under IPython, cell frames make that cost ~10-20 ms a request. The magic's
# own requests run on this worker thread, whose stack is short.
_worker = ThreadPoolExecutor(max_workers=4, thread_name_prefix="qsession-client")


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a client call; turn the client's failures into one-line :class:`MagicError` s."""
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError
    from qiskit_ibm_runtime.exceptions import IBMError
    from requests.exceptions import RequestException

    try:
        if threading.current_thread() is threading.main_thread():
            return _worker.submit(fn, *args, **kwargs).result()
        return fn(*args, **kwargs)
    except RequestsApiError as error:
        if error.status_code is None:
            raise MagicError(f"The Qiskit Runtime service at {where()} is unreachable.") from None
        raise MagicError(f"The Qiskit Runtime service refused: {_short(error)}") from None
    except (RequestException, ConnectionError) as error:
        raise MagicError(
            f"The Qiskit Runtime service at {where()} is unreachable ({type(error).__name__})."
        ) from None
    except IBMError as error:
        raise MagicError(_short(error)) from None


def parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent client calls at once (what a cell waits for is the slowest, not the
    sum); the first failure is raised as its :class:`MagicError`."""
    futures = [_worker.submit(call, fn) for fn in calls]
    return [future.result() for future in futures]


def _short(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error)
    return " ".join(str(text).split())[:300]
