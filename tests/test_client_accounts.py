"""The accounts a user has, read as qiskit-ibm-runtime reads them (client/accounts_file.py):
saved with the client's own ``save_account``, from ``$QISKIT_IBM_TOKEN`` and from config; a bad
file or entry is a warning naming the file and the account, never an exception or a token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from qiskit_ibm_runtime import QiskitRuntimeService
from qiskit_ibm_runtime.accounts import AccountManager

from jupyter_qsession.client.accounts_file import (
    account_file_path,
    config_accounts,
    environment_account,
    read_account_file,
)
from jupyter_qsession.vocabulary import AccountSource

CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/abc::paid"


@pytest.fixture
def account_file(tmp_path, monkeypatch):
    """A temporary account file and no environment account (which the client prefers)."""
    for name in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_URL", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "qiskit-ibm.json"


def save(path, name, token, **kw) -> None:
    kw.setdefault("channel", "ibm_quantum_platform")
    QiskitRuntimeService.save_account(token=token, name=name, filename=str(path), **kw)


def by_name(read) -> dict:
    return {spec.name: spec for spec in read.specs}


def test_accounts_saved_with_the_client_read_back_with_the_clients_default(account_file):
    save(account_file, "open", "tok-open")
    save(account_file, "paid", "tok-paid", channel="ibm_cloud", instance=CRN, set_as_default=True)
    save(account_file, "local-emu", "tok-emu", url="http://127.0.0.1:8123", instance=CRN)
    read = read_account_file(account_file)
    assert read.warnings == ()
    specs = by_name(read)
    assert sorted(specs) == ["local-emu", "open", "paid"]
    assert specs["paid"].ref() == {"name": "paid", "channel": "ibm_cloud", "instance": CRN}
    assert specs["local-emu"].url == "http://127.0.0.1:8123"
    assert specs["open"].token == "tok-open"
    assert {s.source for s in read.specs} == {AccountSource.SAVED}
    assert [s.name for s in read.specs if s.is_default] == ["paid"]
    assert AccountManager.get(filename=str(account_file)).token == "tok-paid"


def test_without_a_marked_default_the_default_is_the_one_the_client_picks(account_file):
    save(account_file, "zeta", "tok-zeta")
    save(account_file, "default-ibm-quantum-platform", "tok-default")
    save(account_file, "cloud", "tok-cloud", channel="ibm_cloud")
    read = read_account_file(account_file)
    chosen = AccountManager.get(filename=str(account_file))
    assert [s.token for s in read.specs if s.is_default] == [chosen.token] == ["tok-default"]


def test_a_bad_entry_is_one_warning_naming_file_and_account_and_the_others_load(account_file):
    save(account_file, "good", "tok-good")
    data = json.loads(account_file.read_text())
    data.update(
        {
            "no-token": {"channel": "ibm_quantum_platform", "url": "https://cloud.ibm.com"},
            "no-channel": {"token": "tok-secret-1"},
            "odd-channel": {"channel": "quantum_somewhere", "token": "tok-secret-2"},
            "legacy": {"channel": "ibm_quantum", "token": "tok-secret-3"},
            "not-a-dict": "tok-secret-4",
            "bad-region": {"channel": "ibm_cloud", "token": "tok-secret-5", "region": "mars"},
            "bad-tags": {"channel": "ibm_cloud", "token": "tok-secret-6", "tags": "tok-secret-6"},
        }
    )
    account_file.write_text(json.dumps(data))
    read = read_account_file(account_file)
    assert [s.name for s in read.specs] == ["good"]
    # Nobody made it the default: the client would fall back to it, the lab does not (the
    # lab's emulator stays the default; an account is the default only if saved as one).
    assert not read.specs[0].is_default
    bad = [
        "no-token",
        "no-channel",
        "odd-channel",
        "legacy",
        "not-a-dict",
        "bad-region",
        "bad-tags",
    ]
    assert len(read.warnings) == len(bad)
    for name, warning in zip(bad, read.warnings, strict=True):
        assert warning.startswith(f"{account_file}: account {name!r} "), warning
        assert "\n" not in warning
        assert "tok-" not in warning, warning
    assert "retired 'ibm_quantum' channel" in read.warnings[3]
    assert "quantum_somewhere" in read.warnings[2]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '"a string"', "\xff\xfe"])
def test_a_garbage_file_is_one_warning_naming_it_and_no_accounts(account_file, content):
    account_file.write_bytes(content.encode("latin-1"))
    read = read_account_file(account_file)
    assert read.specs == ()
    assert len(read.warnings) == 1 and read.warnings[0].startswith(f"{account_file}: ")


def test_a_missing_file_is_no_accounts_and_is_not_created(tmp_path):
    path = tmp_path / "home" / ".qiskit" / "qiskit-ibm.json"
    assert read_account_file(path) == read_account_file(path.parent) is not None
    assert read_account_file(path).specs == read_account_file(path).warnings == ()
    assert not (tmp_path / "home").exists()


def test_the_account_file_is_the_clients_under_the_home_of_now(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert account_file_path() == tmp_path / ".qiskit" / "qiskit-ibm.json"


def test_no_account_file_imports_no_qiskit(tmp_path):
    """The lab server reads the file at start: without one it must not pay for qiskit."""
    code = (
        "import sys\n"
        "from jupyter_qsession.client import accounts_file, account_service, emulator_probe\n"
        "read = accounts_file.read_account_file(accounts_file.account_file_path())\n"
        "env = accounts_file.environment_account({})\n"
        "assert read.specs == () and env is None, read\n"
        "roots = ('qiskit', 'qiskit_ibm_runtime')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in roots))\n"
    )
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_environment_account_is_named_environment_and_is_the_default():
    spec = environment_account(
        {
            "QISKIT_IBM_TOKEN": "tok-env",
            "QISKIT_IBM_URL": "http://127.0.0.1:9999",
            "QISKIT_IBM_INSTANCE": CRN,
            "QISKIT_IBM_CHANNEL": "ibm_cloud",
        }
    )
    assert spec is not None
    assert (spec.name, spec.channel, spec.url, spec.instance, spec.token) == (
        "environment",
        "ibm_cloud",
        "http://127.0.0.1:9999",
        CRN,
        "tok-env",
    )
    assert spec.source is AccountSource.ENVIRONMENT and spec.is_default
    assert "tok-env" not in repr(spec)
    assert environment_account({"QISKIT_IBM_URL": "http://127.0.0.1:9999"}) is None
    odd = {"QISKIT_IBM_TOKEN": "tok-env", "QISKIT_IBM_CHANNEL": "elsewhere"}
    assert environment_account(odd) is None


def test_config_accounts_load_and_a_bad_one_is_a_warning_naming_it():
    read = config_accounts(
        [
            {"name": "lab-b", "token": "tok-b", "url": "http://127.0.0.1:8123", "instance": CRN},
            {"name": "lab-b", "token": "tok-dup"},
            {"name": "cloud", "channel": "ibm_cloud", "token": "tok-c", "instance": CRN},
            {"token": "tok-nameless"},
            {"name": "odd", "channel": "carrier-pigeon", "token": "tok-odd"},
            {"name": "typo", "token": "tok-typo", "instnace": CRN},
            "tok-not-a-dict",
        ]
    )
    assert [(s.name, s.channel, s.source) for s in read.specs] == [
        ("lab-b", "ibm_quantum_platform", AccountSource.CONFIG),
        ("cloud", "ibm_cloud", AccountSource.CONFIG),
    ]
    assert not any(s.is_default for s in read.specs)
    assert read.specs[0].url == "http://127.0.0.1:8123"
    labels = ["'lab-b'", "number 4", "'odd'", "'typo'", "number 7"]
    assert len(read.warnings) == len(labels)
    for label, warning in zip(labels, read.warnings, strict=True):
        assert warning.startswith(f"c.QSessionApp.accounts: account {label} "), warning
        assert "tok-" not in warning, warning
