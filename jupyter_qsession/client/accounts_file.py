"""The accounts a user has for Qiskit Runtime, as qiskit-ibm-runtime itself finds them: its
account file (``save_account``), ``$QISKIT_IBM_TOKEN`` and the lab's configured ones.

Read with the client's own API (``Account.from_saved_format``, ``validate``, its default-account
rules), but tolerant where the client is not: a bad file or entry is a warning naming the file
and the account, never an exception, and the other accounts still load. A warning, a repr or a
log line never holds a token. The file is never created (the client's ``read_config`` would),
and qiskit is imported only once there is something to read: a lab server with no account file
imports no qiskit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..vocabulary import AccountSource

ENVIRONMENT_ACCOUNT = "environment"
CONFIG_NAME = "c.QSessionApp.accounts"
# The channel the client no longer loads (it skips such entries silently; we say so).
LEGACY_CHANNEL = "ibm_quantum"
DEFAULT_CHANNEL = "ibm_quantum_platform"  # the client's, when none is given
CONFIG_KEYS = frozenset({"name", "channel", "url", "token", "instance", "verify"})


@dataclass(frozen=True)
class AccountSpec:
    """One account: what the client needs to reach its service. ``token`` is never shown."""

    name: str
    channel: str
    token: str = field(repr=False)
    url: str | None
    instance: str | None
    source: AccountSource
    is_default: bool = False
    verify: bool = True

    def ref(self) -> dict[str, Any]:
        """The account as every view names it (``AccountRef``): no token."""
        return {"name": self.name, "channel": self.channel, "instance": self.instance}


@dataclass(frozen=True)
class AccountsRead:
    """The accounts read, in order, and one line for each one that could not be."""

    specs: tuple[AccountSpec, ...] = ()
    warnings: tuple[str, ...] = ()


def account_file_path() -> Path:
    """The client's account file (``~/.qiskit/qiskit-ibm.json``), for the home of now."""
    return Path(os.path.expanduser("~")) / ".qiskit" / "qiskit-ibm.json"


def read_account_file(
    path: str | os.PathLike, environ: Mapping[str, str] | None = None
) -> AccountsRead:
    """Every account saved in ``path``; the default one marked by the client's rules
    (``$QISKIT_IBM_CHANNEL`` from ``environ``, default ``os.environ``, picks the channel).
    A missing file is no accounts and no warning, and stays missing."""
    path = Path(path)
    if not path.exists():
        return AccountsRead()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return AccountsRead(
            warnings=(
                f"{path}: cannot be read as JSON ({_reason(exc)}); no account in it is used.",
            )
        )
    if not isinstance(data, dict):
        return AccountsRead(
            warnings=(f"{path}: is not a JSON object of accounts; no account in it is used.",)
        )
    good: dict[str, dict] = {}
    warnings: list[str] = []
    specs: dict[str, AccountSpec] = {}
    for name, entry in data.items():
        try:
            specs[name] = _spec(name, entry, AccountSource.SAVED)
            good[name] = entry
        except ValueError as exc:
            warnings.append(f"{path}: account {name!r} {exc}; it is not used.")
    default = _default_name(good, (environ if environ is not None else os.environ))
    out = tuple(_with_default(spec, spec.name == default) for spec in specs.values())
    return AccountsRead(out, tuple(warnings))


def environment_account(environ: Mapping[str, str]) -> AccountSpec | None:
    """The ``$QISKIT_IBM_TOKEN`` account (with ``_URL``, ``_INSTANCE``, ``_CHANNEL``), named
    ``environment``; ``None`` without a token or with a channel the client refuses. The client
    takes it before any saved account, so it is the default."""
    token = environ.get("QISKIT_IBM_TOKEN")
    if not token:
        return None
    entry = {
        "token": token,
        "channel": environ.get("QISKIT_IBM_CHANNEL") or DEFAULT_CHANNEL,
        "url": environ.get("QISKIT_IBM_URL") or None,
        "instance": environ.get("QISKIT_IBM_INSTANCE") or None,
    }
    try:
        spec = _spec(ENVIRONMENT_ACCOUNT, entry, AccountSource.ENVIRONMENT)
    except ValueError:
        return None
    return _with_default(spec, True)


def config_accounts(entries: Iterable[Any]) -> AccountsRead:
    """The accounts of ``c.QSessionApp.accounts``: dicts with name, channel, url, token,
    instance (and verify), like ``save_account``'s arguments; none is the default."""
    specs: list[AccountSpec] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries or ()):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = repr(name) if isinstance(name, str) and name else f"number {index + 1}"
        problem = None
        if not isinstance(entry, dict):
            problem = "is not a dict of name, channel, url, token, instance"
        elif not isinstance(name, str) or not name:
            problem = "has no name"
        elif name in seen:
            problem = "has the name of an account before it"
        elif set(entry) - CONFIG_KEYS:
            problem = f"has unknown keys {sorted(set(entry) - CONFIG_KEYS)}"
        if problem is None:
            try:
                specs.append(
                    _spec(
                        name, {k: v for k, v in entry.items() if k != "name"}, AccountSource.CONFIG
                    )
                )
                seen.add(name)
                continue
            except ValueError as exc:
                problem = str(exc)
        warnings.append(f"{CONFIG_NAME}: account {label} {problem}; it is not used.")
    return AccountsRead(tuple(specs), tuple(warnings))


def save_account(
    name: str,
    *,
    url: str,
    token: str,
    instance: str,
    path: str | os.PathLike | None = None,
    default: bool = False,
) -> Path:
    """Save an account the way a user does (``QiskitRuntimeService.save_account``, channel
    ``ibm_quantum_platform``, replacing one of that name); return the file it went to."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    target = Path(path) if path is not None else account_file_path()
    QiskitRuntimeService.save_account(
        channel=DEFAULT_CHANNEL,
        url=url,
        token=token,
        instance=instance,
        name=name,
        filename=str(target),
        overwrite=True,
        set_as_default=default or None,
    )
    return target


# ----------------------------------------------------------------- one entry
def _spec(name: str, entry: Any, source: AccountSource) -> AccountSpec:
    """An entry as the client loads it, or ValueError saying what is wrong (without the token)."""
    if not isinstance(entry, dict):
        raise ValueError("is not a JSON object")
    channel = entry.get("channel", DEFAULT_CHANNEL if source is AccountSource.CONFIG else None)
    if channel == LEGACY_CHANNEL:
        raise ValueError(
            "uses the retired 'ibm_quantum' channel, which qiskit-ibm-runtime no longer loads"
        )
    if channel is None:
        raise ValueError("has no channel")
    token = entry.get("token")
    if not isinstance(token, str) or not token:
        raise ValueError("has no token")
    from qiskit_ibm_runtime.accounts import Account

    try:
        account = Account.from_saved_format({**entry, "channel": channel}).validate()
    except Exception as exc:  # the client's own refusal: InvalidAccountError, TypeError, ...
        said = _reason(exc).strip("\"'").replace(token, "<token>")
        raise ValueError(f"is refused by qiskit-ibm-runtime: {said}") from None
    return AccountSpec(
        name=name,
        channel=str(account.channel),
        token=token,
        url=account.url,
        instance=account.instance,
        source=source,
        verify=account.verify is not False,
    )


def _with_default(spec: AccountSpec, is_default: bool) -> AccountSpec:
    return replace(spec, is_default=is_default)


def _default_name(good: dict[str, dict], environ: Mapping[str, str]) -> str | None:
    """The saved account the user made the default: one saved with ``set_as_default``
    (``is_default_account``; the one of ``$QISKIT_IBM_CHANNEL``'s channel first), else one
    under the client's default names (``default``, ``default-ibm-quantum-platform``, ...).
    Not the client's last resort (any account of the channel, when none is the default):
    an emulator saved without ``--default`` must not take cells from the lab's emulator."""
    if not good:
        return None
    from qiskit_ibm_runtime.accounts.management import _CHANNEL_TYPES, AccountManager

    channel = environ.get("QISKIT_IBM_CHANNEL") or DEFAULT_CHANNEL
    marked = [name for name, entry in good.items() if entry.get("is_default_account")]
    for name in marked:
        if good[name].get("channel") == channel:
            return name
    if marked:
        return marked[0]
    for kind in (channel, *_CHANNEL_TYPES):
        name = AccountManager._get_default_account_name(kind)
        if name in good:
            return name
    return None


def _reason(exc: BaseException) -> str:
    """One line."""
    return " ".join(str(exc).split()) or type(exc).__name__
