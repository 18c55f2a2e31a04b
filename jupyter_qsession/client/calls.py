"""How the magic and the command line call the Qiskit Runtime client: off IPython's main
thread, at once when the calls are independent, and with every failure turned into one error of
:mod:`jupyter_qsession.errors` whose ``message`` is a single line the user can act on.

The client itself is imported here only inside :func:`call`, so loading the magic costs nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..errors import BadRequest, ProviderUnavailable, from_status
from ..wire import EMULATOR_URL_ENV

T = TypeVar("T")

# The client walks the calling thread's whole stack (inspect.stack) on every request to tag
# its usage header; under IPython, cell frames make that cost ~10-20 ms a request. The magic's
# own requests run on this worker thread, whose stack is short. (No thread starts until the
# first call.)
_worker = ThreadPoolExecutor(max_workers=4, thread_name_prefix="qsession-client")


def where() -> str:
    """The service this kernel talks to, as messages name it."""
    return os.environ.get(EMULATOR_URL_ENV) or "IBM Quantum"


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a client call; the client's failures become one-line errors: unreachable is
    :class:`~jupyter_qsession.errors.ProviderUnavailable`, a refusal the error of its HTTP
    status, anything else the client rejects :class:`~jupyter_qsession.errors.BadRequest`."""
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError
    from qiskit_ibm_runtime.exceptions import IBMError
    from requests.exceptions import RequestException

    try:
        if threading.current_thread() is threading.main_thread():
            return _worker.submit(fn, *args, **kwargs).result()
        return fn(*args, **kwargs)
    except RequestsApiError as error:
        if error.status_code is None:
            raise ProviderUnavailable(
                f"The Qiskit Runtime service at {where()} is unreachable."
            ) from None
        refused = f"The Qiskit Runtime service refused: {_short(error)}"
        raise from_status(error.status_code, refused) from None
    except (RequestException, ConnectionError) as error:
        raise ProviderUnavailable(
            f"The Qiskit Runtime service at {where()} is unreachable ({type(error).__name__})."
        ) from None
    except IBMError as error:
        raise BadRequest(_short(error)) from None


def parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent client calls at once (what a cell waits for is the slowest, not the
    sum); the first failure is raised as :func:`call` raises it."""
    futures = [_worker.submit(call, fn) for fn in calls]
    return [future.result() for future in futures]


def _short(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error)
    return " ".join(str(text).split())[:300]
