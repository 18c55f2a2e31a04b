"""The accounts a kernel or the command line can reach by itself, and a service for one of them.

A kernel of a lab gets the lab emulator's URL and key and the configured accounts in its
environment (:mod:`jupyter_qsession.wire`); saved accounts it reads from the client's own
account file, as the lab does; ``$QISKIT_IBM_TOKEN`` is the ``environment`` account. So the
credentials never travel through the lab's API: the lab tells which accounts exist and which
backends each has (``GET kernels/{id}/accounts``); the kernel finds each one's credentials here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ..errors import NotFound
from ..vocabulary import EMULATOR_ACCOUNT, LOCAL_CHANNEL, AccountSource
from ..wire import ACCOUNT_FILE_ENV, CONFIG_ACCOUNTS_ENV, EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV
from .accounts_file import (
    AccountSpec,
    account_file_path,
    config_accounts,
    environment_account,
    read_account_file,
)

T = TypeVar("T")


def local_accounts(environ: Mapping[str, str] | None = None) -> list[AccountSpec]:
    """Every account reachable from here: the lab's emulator (``$QSESSION_EMULATOR_URL``
    and key), the configured accounts the lab exported, the saved ones, ``environment``.
    The first of a name wins; the default is the client's default, else the emulator."""
    environ = os.environ if environ is None else environ
    specs: list[AccountSpec] = []
    url, token = environ.get(EMULATOR_URL_ENV), environ.get(EMULATOR_TOKEN_ENV)
    if url and token:
        specs.append(
            AccountSpec(
                name=EMULATOR_ACCOUNT,
                channel=LOCAL_CHANNEL,
                token=token,
                url=url,
                instance=None,
                source=AccountSource.LAB,
            )
        )
    try:
        exported = json.loads(environ.get(CONFIG_ACCOUNTS_ENV) or "[]")
    except ValueError:
        exported = []
    specs += config_accounts(exported if isinstance(exported, list) else []).specs
    saved = environ.get(ACCOUNT_FILE_ENV) or account_file_path()  # the lab's, in its kernels
    specs += read_account_file(saved, environ).specs
    env = environment_account(environ)
    if env is not None:
        specs.append(env)
    unique: dict[str, AccountSpec] = {}
    for spec in specs:
        unique.setdefault(spec.name, spec)
    return _one_default(list(unique.values()))


def _one_default(specs: list[AccountSpec]) -> list[AccountSpec]:
    from dataclasses import replace

    defaults = [s for s in specs if s.is_default]
    # $QISKIT_IBM_TOKEN comes before any saved default, as the client takes it.
    chosen = next((s for s in defaults if s.source == AccountSource.ENVIRONMENT), None)
    chosen = chosen or (defaults[0] if defaults else None)
    if chosen is None:
        chosen = next((s for s in specs if s.source == AccountSource.LAB), None)
    return [replace(s, is_default=s is chosen) for s in specs]


def named(name: str, accounts: Sequence[T], where: str = "") -> T:
    """The account (anything with a ``name``) called ``name``, or :class:`NotFound` naming
    the ones there are (``where``: e.g. " here")."""
    for account in accounts:
        if account.name == name:  # type: ignore[attr-defined]
            return account
    names = ", ".join(a.name for a in accounts) or "none"  # type: ignore[attr-defined]
    raise NotFound(f"No account named {name!r}{where} (accounts: {names}).")


def spec_named(name: str, specs: list[AccountSpec]) -> AccountSpec:
    """The account called ``name`` among the local ones."""
    return named(name, specs, " here")


def connect_account(spec: AccountSpec, kind: str | None = None) -> Any:
    """The client's service for ``spec``: ``kind`` 'emulator' or 'ibm' as the lab said, or
    asked of the account's URL (the lab's own emulator is one)."""
    from .account_service import service_for
    from .emulator_probe import service_kind

    if kind is None:
        kind = "emulator" if spec.source == AccountSource.LAB else service_kind(spec.url)
    return service_for(spec, kind)  # type: ignore[arg-type]
