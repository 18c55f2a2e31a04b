"""The backend catalog: every fake backend under its name, and extra names from the environment."""

from __future__ import annotations

import pytest

from jupyter_qsession.emulator.backends import BackendCatalog
from jupyter_qsession.wire import ALIASES_ENV


def test_an_alias_serves_the_fake_backend_under_the_new_name(monkeypatch):
    monkeypatch.setenv(ALIASES_ENV, "test_eagle=fake_sherbrooke")
    catalog = BackendCatalog()
    assert "test_eagle" in catalog.names()
    config = catalog.configuration("test_eagle")
    assert config["backend_name"] == "test_eagle"
    assert config["n_qubits"] == catalog.num_qubits("fake_sherbrooke") == 127
    assert catalog.configuration("fake_sherbrooke")["backend_name"] == "fake_sherbrooke"


@pytest.mark.parametrize("value", ["test_eagle", "test_eagle=fake_nowhere"])
def test_a_bad_alias_is_refused_when_the_catalog_is_first_read(monkeypatch, value):
    monkeypatch.setenv(ALIASES_ENV, value)
    with pytest.raises(ValueError, match=ALIASES_ENV):
        BackendCatalog().names()


def test_without_aliases_only_fake_backends_are_served(monkeypatch):
    monkeypatch.delenv(ALIASES_ENV, raising=False)
    names = BackendCatalog().names()
    assert names and all(name.startswith("fake_") for name in names)
