"""A ``QiskitRuntimeService`` for an account: the emulator's client service for an emulator,
the plain client for IBM's service (``service_kind`` of :mod:`.emulator_probe` says which).

The client reads ``$IAM_URL`` (where API keys are traded for tokens) from the process
environment whenever it builds a service, and the emulator's service works by setting it to
the emulator. In one process holding several accounts that would send an IBM key to an
emulator, or one emulator's key to another: so services are built one at a time here, and
``$IAM_URL`` is put back as it was once an emulator's service is built (the service keeps the
URL it was built with).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from qiskit_ibm_runtime import QiskitRuntimeService

    from .accounts_file import AccountSpec

IAM_URL_ENV = "IAM_URL"  # the client's
_building = threading.Lock()


def service_for(spec: AccountSpec, kind: Literal["emulator", "ibm"]) -> QiskitRuntimeService:
    """The client's service for ``spec``: raises whatever the client raises when the service
    cannot be reached or refuses the account (the callers map it to :mod:`..errors`)."""
    if kind not in ("emulator", "ibm"):
        raise ValueError(f"kind must be 'emulator' or 'ibm', not {kind!r}")
    with _building:
        if kind == "emulator":
            return _emulator_service(spec)
        from qiskit_ibm_runtime import QiskitRuntimeService

        return QiskitRuntimeService(
            channel=spec.channel,
            token=spec.token,
            instance=spec.instance,
            url=spec.url,
            verify=spec.verify,
        )


def _emulator_service(spec: AccountSpec) -> QiskitRuntimeService:
    from .emulator_service import runtime_service

    before = os.environ.get(IAM_URL_ENV)
    try:
        return runtime_service(spec.url, spec.token)
    finally:
        if before is None:
            os.environ.pop(IAM_URL_ENV, None)
        else:
            os.environ[IAM_URL_ENV] = before
