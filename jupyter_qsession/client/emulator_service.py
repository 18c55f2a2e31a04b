"""A ready ``QiskitRuntimeService`` for an emulator, through the client's public knobs only.

The client reaches the emulator with ``url_resolver=`` (Runtime API base) and ``IAM_URL``
(token exchange). The one bypass is the instance look-up, which the real client does against
IBM Cloud's global search: :class:`EmulatorRuntimeService` answers it with the emulator's
single instance.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from qiskit_ibm_runtime import QiskitRuntimeService

from ..emulator.instance import INSTANCE_CRN
from ..wire import EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV


class EmulatorRuntimeService(QiskitRuntimeService):
    """``QiskitRuntimeService`` whose only instance is the emulator's."""

    def instances(self) -> Sequence[dict[str, Any]]:
        return [{"crn": INSTANCE_CRN, "plan": "emulator", "name": "qsession-emulator", "tags": []}]


def api_base_resolver(url: str, *_: Any) -> str:
    """The emulator serves the Runtime API under ``/api/v1``, as the real service does."""
    return f"{url.rstrip('/')}/api/v1"


def runtime_service(url: str | None = None, token: str | None = None) -> QiskitRuntimeService:
    """Return a ``QiskitRuntimeService`` talking to the emulator at ``url`` with API key ``token``.

    Both default to ``$QSESSION_EMULATOR_URL`` and ``$QSESSION_EMULATOR_TOKEN``
    (:mod:`jupyter_qsession.wire`), which the Jupyter server sets in the kernels it starts.
    Sets ``IAM_URL`` for this process so the client's token exchange goes to the emulator too.
    """
    url = url or os.environ.get(EMULATOR_URL_ENV)
    token = token or os.environ.get(EMULATOR_TOKEN_ENV)
    if not url or not token:
        raise ValueError(
            "No emulator given: pass url= and token= or set "
            f"${EMULATOR_URL_ENV}/${EMULATOR_TOKEN_ENV}."
        )
    os.environ["IAM_URL"] = url.rstrip("/")
    return EmulatorRuntimeService(
        channel="ibm_cloud",
        token=token,
        url=url,
        instance=INSTANCE_CRN,
        url_resolver=api_base_resolver,
    )
