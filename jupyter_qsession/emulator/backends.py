"""Every fake backend of ``qiskit_ibm_runtime.fake_provider``, served under its own name.

The configuration and properties are the snapshot files the fake backends ship, so
``service.backend("fake_manila")`` transpiles against the same target as ``FakeManilaV2()``.
"""

from __future__ import annotations

import copy
import json
import os
import threading
from functools import cached_property
from typing import Any

from ..errors import NotFound
from ..wire import ALIASES_ENV

# Used when a snapshot has no ``default_rep_delay`` (microseconds in the snapshot files).
FALLBACK_REP_DELAY_S = 250e-6


def aliases_from_env() -> dict[str, str]:
    """``{name: fake_name}`` from ``$QSESSION_EMULATOR_BACKEND_ALIASES``."""
    aliases = {}
    items = (item.strip() for item in os.environ.get(ALIASES_ENV, "").split(","))
    for item in filter(None, items):
        name, sep, fake_name = item.partition("=")
        if not sep or not name or not fake_name:
            raise ValueError(f"${ALIASES_ENV}: expected name=fake_name, got {item!r}")
        aliases[name] = fake_name
    return aliases


class BackendCatalog:
    """Lazy look-up of fake backends by name; instances are created on first use and reused."""

    def __init__(self) -> None:
        self._instances: dict[str, Any] = {}
        self._configs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    @cached_property
    def _classes(self) -> dict[str, type]:
        from qiskit_ibm_runtime import fake_provider
        from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

        classes = {}
        for attr in dir(fake_provider):
            cls = getattr(fake_provider, attr)
            if isinstance(cls, type) and issubclass(cls, FakeBackendV2) and hasattr(cls, "dirname"):
                classes[cls.backend_name] = cls
        for name, fake_name in aliases_from_env().items():
            if fake_name not in classes:
                raise ValueError(f"${ALIASES_ENV}: {fake_name!r} is not a fake backend")
            classes[name] = classes[fake_name]
        return dict(sorted(classes.items()))

    def names(self) -> list[str]:
        return list(self._classes)

    def _class(self, name: str) -> type:
        try:
            return self._classes[name]
        except KeyError:
            raise NotFound(f"Backend not found: {name}") from None

    def backend(self, name: str) -> Any:
        """The ``FakeBackendV2`` instance that simulates ``name`` with its noise model."""
        cls = self._class(name)
        with self._lock:
            if name not in self._instances:
                self._instances[name] = cls()
            return self._instances[name]

    def _snapshot(self, name: str, which: str) -> dict[str, Any]:
        cls = self._class(name)
        filename = cls.conf_filename if which == "conf" else cls.props_filename
        with open(os.path.join(cls.dirname, filename), encoding="utf-8") as handle:
            return json.load(handle)

    def require(self, name: str) -> None:
        """Raise :class:`NotFound` unless ``name`` is a served backend."""
        self._class(name)

    def _config(self, name: str) -> dict[str, Any]:
        """The cached configuration itself: read it, never hand it out (it is not copied)."""
        with self._lock:
            if name not in self._configs:
                conf = self._snapshot(name, "conf")
                conf["backend_name"] = name
                conf["simulator"] = False
                self._configs[name] = conf
            return self._configs[name]

    def configuration(self, name: str) -> dict[str, Any]:
        """A copy of the configuration, as ``GET /backends/{name}/configuration`` serves it."""
        return copy.deepcopy(self._config(name))

    def properties(self, name: str) -> dict[str, Any]:
        props = self._snapshot(name, "props")
        props["backend_name"] = name
        return props

    def num_qubits(self, name: str) -> int:
        return int(self._config(name)["n_qubits"])

    def limits(self, name: str) -> tuple[int | None, int | None]:
        """``(max_shots, max_experiments)`` of the backend's configuration (None: no limit)."""
        conf = self._config(name)
        return conf.get("max_shots"), conf.get("max_experiments")

    def rep_delay_range(self, name: str) -> tuple[float, float] | None:
        """Seconds: the range a request's ``rep_delay`` must fall in (µs in the snapshot)."""
        bounds = self._config(name).get("rep_delay_range")
        return None if not bounds else (float(bounds[0]) * 1e-6, float(bounds[1]) * 1e-6)

    def rep_delay(self, name: str) -> float:
        """Seconds between shots: the backend's default repetition delay."""
        micros = self._config(name).get("default_rep_delay")
        return FALLBACK_REP_DELAY_S if micros is None else float(micros) * 1e-6
