"""Which account a ``%%qsession`` cell runs on, and the kernel's one service per account.

The lab says which accounts it serves and which backends each has (the bridge's
``GET kernels/{id}/accounts``: no tokens); the kernel finds each one's credentials itself
(:func:`~jupyter_qsession.client.account_lookup.local_accounts`). Outside a lab the local
accounts are all there is, and a backend's owner is found by asking them in turn.

The choice (issue 19): ``--account`` names it; else the accounts that have ``--backend``,
the default one among several (the client's default, else the emulator, else the first by
name); with no backend, the kernel's session's account, else the default account.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..client.account_lookup import local_accounts, named, spec_named
from ..client.accounts_file import AccountSpec
from ..client.service import connect_quietly
from ..errors import NotFound, QSessionError
from ..vocabulary import EMULATOR_ACCOUNT, AccountState
from .bridge import BridgeClient


@dataclass(frozen=True)
class Account:
    """One account as this kernel sees it: the lab's ``AccountModel`` (or, outside a lab, a
    local account whose state and backends nobody asked yet: ``backends`` None)."""

    name: str
    channel: str | None
    instance: str | None
    is_default: bool
    state: str = AccountState.UNKNOWN
    problem: str | None = None
    last_try: str | None = None
    provider: str | None = None  # 'emulator' | 'ibm' as the lab found it; None: probe
    backends: tuple[str, ...] | None = None

    @classmethod
    def from_model(cls, model: dict[str, Any]) -> Account:
        return cls(
            name=model["name"],
            channel=model.get("channel"),
            instance=model.get("instance"),
            is_default=bool(model.get("is_default")),
            state=model.get("state") or AccountState.UNKNOWN,
            problem=model.get("problem"),
            last_try=model.get("last_try"),
            provider=model.get("provider"),
            backends=tuple(model.get("backends") or ()),
        )

    @classmethod
    def from_spec(cls, spec: AccountSpec) -> Account:
        return cls(spec.name, spec.channel, spec.instance, spec.is_default)


def preference(account: Account) -> tuple[bool, bool, str]:
    """Sort key of the rule among several accounts: the default, the emulator, by name."""
    return (not account.is_default, account.name != EMULATOR_ACCOUNT, account.name)


class KernelAccounts:
    """The accounts this kernel reaches, and one service for each (built once, on first use)."""

    def __init__(
        self,
        bridge: Callable[[], BridgeClient | None] = BridgeClient.from_kernel,
        specs: Callable[[], list[AccountSpec]] = local_accounts,
        connect: Callable[[AccountSpec, str | None], Any] = connect_quietly,
    ) -> None:
        self._bridge = bridge
        self._specs = specs
        self._connect = connect
        self._services: dict[str, Any] = {}
        self.seen: list[Account] = []  # as last listed

    # ----------------------------------------------------------------- what there is
    def listing(self) -> list[Account]:
        """The accounts, as the lab serves them (the emulator first, then by name), or the
        local ones outside a lab."""
        bridge = self._bridge()
        if bridge is None:
            self.seen = [Account.from_spec(spec) for spec in self._specs()]
            return self.seen
        try:
            models = bridge.accounts()
        except QSessionError as error:
            raise type(error)(f"The lab server did not answer: {error.message}") from None
        self.seen = [Account.from_model(model) for model in models]
        return self.seen

    def in_lab(self) -> bool:
        return self._bridge() is not None

    def default(self, accounts: list[Account] | None = None) -> Account:
        accounts = self.listing() if accounts is None else accounts
        if not accounts:
            raise NotFound(
                "No Qiskit Runtime account: run this kernel from a JupyterLab with "
                "jupyter-qsession, or save an IBM Quantum account."
            )
        return sorted(accounts, key=preference)[0]

    # ----------------------------------------------------------------- services
    def service(self, name: str, provider: str | None = None) -> Any:
        """The client's service for the account ``name`` (one per account, kept)."""
        if name not in self._services:
            spec = spec_named(name, self._specs())
            self._services[name] = self._connect(spec, provider)
        return self._services[name]

    # ----------------------------------------------------------------- the choice
    def choose(self, account: str | None, backend: str | None, fallback: str | None) -> Account:
        """The account a cell runs on: ``account`` if named, else the one that has
        ``backend``, else ``fallback`` (the kernel's session's account), else the default."""
        accounts = self.listing()
        if account is not None:
            return _named(account, accounts)
        if backend is not None and len(accounts) == 1:
            return accounts[0]  # the service's own words for a backend it lacks
        if backend is not None:
            return self._owner(backend, accounts)
        if fallback is not None:
            return next((a for a in accounts if a.name == fallback), self.default(accounts))
        return self.default(accounts)

    def _owner(self, backend: str, accounts: list[Account]) -> Account:
        """The account that has ``backend``; unreachable ones are skipped (and named if no
        other has it); accounts whose backends nobody knows yet are asked in turn."""
        usable = [a for a in accounts if a.state != AccountState.UNREACHABLE]
        having = [a for a in usable if a.backends and backend in a.backends]
        if having:
            return sorted(having, key=preference)[0]
        problems = {a.name: a.problem or "no answer" for a in accounts if a not in usable}
        known = {name for a in usable for name in a.backends or ()}
        for account in sorted((a for a in usable if not a.backends), key=preference):
            try:
                names = self.backend_names(account)
            except QSessionError as error:
                problems[account.name] = error.message
                continue
            if backend in names:
                return account
            known.update(names)
        close = difflib.get_close_matches(backend, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "."
        down = "".join(f" {name} is unreachable: {_line(why)}" for name, why in problems.items())
        raise NotFound(f"Unknown backend {backend!r} on every account{hint}{down}")

    def backend_names(self, account: Account) -> list[str]:
        from ..client.calls import call

        return [b.name for b in call(self.service(account.name, account.provider).backends)]


def _named(name: str, accounts: list[Account]) -> Account:
    return named(name, accounts)


def _line(text: str) -> str:
    """A service's error on one line, ending with a full stop."""
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!")) else f"{text}."
