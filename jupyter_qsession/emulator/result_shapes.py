"""Estimator results in the shapes the service returns them.

``stds`` has "the same shape" as ``evs``, the PUB's shape
(https://quantum.cloud.ibm.com/docs/guides/estimator-input-output, Output): for a PUB without a
parameter sweep the service returns both as 0-d NumPy arrays, which the client prints as
``np.ndarray(<shape=(), dtype=float64>)``. Qiskit's ``BackendEstimatorV2`` returns ``stds`` as
a NumPy scalar, which ``RuntimeEncoder`` writes as a plain number, so the client would decode a
``float``. :func:`as_service_shapes` rewrites such fields of an encoded
``PrimitiveResult`` as encoded 0-d arrays, without decoding the rest of the result.
"""

from __future__ import annotations

import json
from typing import Any

ARRAY_FIELDS = ("evs", "stds")


def as_service_shapes(encoded: str) -> str:
    """``encoded`` (an estimator's ``PrimitiveResult`` as ``RuntimeEncoder`` wrote it) with
    every scalar ``evs``/``stds`` turned into an encoded 0-d array; anything else unchanged."""
    tree = json.loads(encoded)
    changed = False
    for pub in _value(tree, "PrimitiveResult").get("pub_results", []):
        data = _value(_value(pub, "PubResult").get("data"), "DataBin")
        fields = data.get("fields", {})
        for name in ARRAY_FIELDS:
            if isinstance(fields.get(name), (int, float)):
                fields[name] = _zero_d_array(fields[name])
                changed = True
    return json.dumps(tree) if changed else encoded


def _value(node: Any, type_name: str) -> dict[str, Any]:
    if isinstance(node, dict) and node.get("__type__") == type_name:
        value = node.get("__value__")
        if isinstance(value, dict):
            return value
    return {}


def _zero_d_array(value: float) -> Any:
    import numpy as np
    from qiskit_ibm_runtime.json import RuntimeEncoder

    return json.loads(json.dumps(np.asarray(value, dtype=float), cls=RuntimeEncoder))
