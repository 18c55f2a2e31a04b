"""Every account at once: the manager's one provider, which routes each session to its account.

Each account (:class:`~jupyter_qsession.server.served_account.ServedAccount`) has its own
provider — the lab's emulator, or a Runtime service through the client — and this provider
hands every command to the account the session lives on (``locate``: the registry's row, or
the account a kernel named; else the first account that knows the id). What a child pushes
is pushed on as it is; :meth:`account_of` says whose it is.

Per account, one task tends it every ``refresh_interval`` (and backs off while it is
unreachable, :mod:`..account_health`): its backends' names, its usage every
``usage_interval``, and, once the manager asks (``start_discovery``), a look for its open
sessions. An account added while the lab runs (a saved account) is started and tended the
same way; one removed is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable

from ...errors import NotFound, ProviderUnavailable
from ...vocabulary import AccountSource
from ...wire import CONFIG_ACCOUNTS_ENV
from ..models import AccountModel, AccountRef, ServiceSession
from ..served_account import ServedAccount
from .base import ChangeListener, Provider
from .emulator import EmulatorProvider

log = logging.getLogger(__name__)

LOAD_WAIT = 60.0  # s at most a request waits for the accounts' sources to be first read
NUDGE_DELAY = 1.0  # s: the usage changes of one burst (a job ending) read once

# Told an account's model when it changed, or (None, name) when it is no longer served.
AccountListener = Callable[[AccountModel | None, str], None]


class AccountsProvider(Provider):
    """The accounts the lab serves, as one provider."""

    name = "accounts"

    def __init__(
        self, accounts: Iterable[ServedAccount] = (), usage_interval: float = 60.0, **kw: object
    ) -> None:
        super().__init__(**kw)
        self.accounts: dict[str, ServedAccount] = {}
        self.usage_interval = usage_interval
        self.listeners: list[AccountListener] = []
        self.config_tokens: list[dict[str, str | None]] = []  # for the kernels' environment
        self.warnings: list[str] = []  # the account file's and config's, as last read
        self._owner: dict[str, str] = {}  # session id -> account name
        self._tending: dict[str, asyncio.Task] = {}
        self._on_change: ChangeListener | None = None
        self._discovering = False
        self._usage_read: dict[str, float] = {}  # account -> when (monotonic)
        self._session_usage: dict[str, float] = {}
        self._nudged: set[str] = set()
        # Set once the accounts' sources were first read (they are read beside the start).
        self.loaded = asyncio.Event()
        for account in accounts:
            self.accounts[account.name] = account

    # ----------------------------------------------------------------- the accounts
    @property
    def emulator(self) -> EmulatorProvider | None:
        """The lab's own emulator's provider, if the lab runs one."""
        for account in self.accounts.values():
            if account.source == AccountSource.LAB:
                return account.provider  # type: ignore[return-value]
        return None

    def models(self) -> list[AccountModel]:
        """Every account, the lab's emulator first, then by name."""
        ordered = sorted(
            self.accounts.values(), key=lambda a: (a.source != AccountSource.LAB, a.name)
        )
        return [account.model() for account in ordered]

    def default_account(self) -> str | None:
        for account in self.accounts.values():
            if account.is_default:
                return account.name
        return None

    async def add(self, account: ServedAccount) -> None:
        """Serve one more account (at start, or a saved account that appeared)."""
        self.accounts[account.name] = account
        account.health.on_change = lambda: self._tell(account)
        account.provider.health = account.health
        account.provider.hold(self.held)
        # Sessions the registry put on it before it was served (it is read after the start).
        account.provider.follow(s for s in self.followed if self._owner.get(s) == account.name)
        if self._on_change is not None:
            await self._start_account(account)
        self._tell(account)

    async def remove(self, name: str) -> None:
        """Stop serving an account (its saved account was deleted). Its sessions stay in the
        registry as last read."""
        account = self.accounts.pop(name, None)
        if account is None:
            return
        task = self._tending.pop(name, None)
        if task is not None:
            task.cancel()
        await account.provider.stop_discovery()
        await account.provider.stop()
        for listener in list(self.listeners):
            listener(None, name)

    def _tell(self, account: ServedAccount) -> None:
        if self.accounts.get(account.name) is not account:
            return
        model = account.model()
        for listener in list(self.listeners):
            listener(model, account.name)

    # ----------------------------------------------------------------- lifecycle
    async def start(self, on_change: ChangeListener) -> None:
        self._on_change = on_change
        for account in list(self.accounts.values()):
            account.health.on_change = lambda a=account: self._tell(a)
            account.provider.health = account.health
            await self._start_account(account)

    async def _start_account(self, account: ServedAccount) -> None:
        await account.provider.start(self._push_from(account.name))
        problem = getattr(account.provider, "problem", None)
        if problem:
            account.health.failed(problem)
        self._tending[account.name] = asyncio.ensure_future(self._tend(account))

    async def stop(self) -> None:
        for task in self._tending.values():
            task.cancel()
        self._tending.clear()
        for account in self.accounts.values():
            await account.provider.stop_discovery()
            await account.provider.stop()

    @property
    def notices(self) -> list[str]:
        return self.warnings + [n for a in self.accounts.values() for n in a.provider.notices]

    def kernel_env(self) -> dict[str, str]:
        """The lab emulator's URL and key, and the config accounts (the kernels read saved
        accounts from the client's own account file)."""
        env: dict[str, str] = {}
        if self.emulator is not None:
            env.update(self.emulator.kernel_env())
        if self.config_tokens:
            env[CONFIG_ACCOUNTS_ENV] = json.dumps(self.config_tokens)
        return env

    # ----------------------------------------------------------------- tending
    async def _tend(self, account: ServedAccount) -> None:
        """Backends, usage and discovery of one account, every ``refresh_interval``."""
        while True:
            if account.health.due():
                await self.refresh(account)
            await asyncio.sleep(account.provider.refresh_interval)

    async def refresh(
        self, account: ServedAccount, *, usage: bool = False, look: bool = True
    ) -> None:
        """Ask one account what is due now (``usage``: its usage too; ``look``: a look for
        its open sessions, once discovery started); any failure makes it unreachable for a
        while, never a dead task."""
        provider = account.provider
        try:
            if not account.backends:
                account.backends = sorted(await provider.backends())
                account.kind = getattr(provider, "kind", account.kind)
                self._tell(account)
            if usage or self._usage_due(account):
                self._usage_read[account.name] = time.monotonic()
                fresh = await provider.usage()
                if account.usage is None or _facts(account.usage) != _facts(fresh):
                    account.usage = fresh
                    self._tell(account)
            if look and self._discovering:
                await provider.look(self._push_from(account.name))
            account.health.succeeded()
        except ProviderUnavailable as exc:
            account.health.failed(str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a client's surprise must not end the tending
            log.exception("jupyter_qsession: account %s", account.name)
            account.health.failed(f"{type(exc).__name__}: {exc}")

    def _usage_due(self, account: ServedAccount) -> bool:
        if self.usage_interval <= 0:
            return False  # on request only
        last = self._usage_read.get(account.name)
        return last is None or time.monotonic() - last >= self.usage_interval

    async def refresh_all(self, *, usage: bool = False) -> None:
        """Ask every account that is due now for its usage (``GET /accounts?refresh=1``):
        one request each; discovery keeps its own pace."""
        due = [a for a in self.accounts.values() if a.health.due()]
        await asyncio.gather(*(self.refresh(a, usage=usage, look=False) for a in due))

    def nudge(self, session_id: str, usage_seconds: float) -> None:
        """A session's usage moved (a manager listener): read its account's usage soon, once
        for a burst of such changes."""
        if self._session_usage.get(session_id) == usage_seconds:
            return
        self._session_usage[session_id] = usage_seconds
        name = self._owner.get(session_id)
        account = self.accounts.get(name or "")
        if account is None or name in self._nudged or self.usage_interval <= 0:
            return
        self._nudged.add(account.name)
        asyncio.get_running_loop().call_later(NUDGE_DELAY, self._read_nudged, account)

    def _read_nudged(self, account: ServedAccount) -> None:
        self._nudged.discard(account.name)
        if self.accounts.get(account.name) is account and account.health.due():
            asyncio.ensure_future(self.refresh(account, usage=True))

    # ----------------------------------------------------------------- discovery
    def start_discovery(self, on_change: ChangeListener) -> None:
        self._discovering = True
        for account in self.accounts.values():
            if account.name in self._tending:
                self._tending[account.name].cancel()
                self._tending[account.name] = asyncio.ensure_future(self._tend(account))

    async def stop_discovery(self) -> None:
        self._discovering = False

    async def discover_now(self, on_change: ChangeListener) -> None:
        for account in list(self.accounts.values()):
            if not account.health.due():
                continue
            try:
                await account.provider.look(self._push_from(account.name, on_change))
            except ProviderUnavailable as exc:
                account.health.failed(str(exc))

    # ----------------------------------------------------------------- routing
    def locate(self, session_id: str, account: str) -> None:
        """The session lives on ``account`` (a registry row, or what its kernel said)."""
        self._owner[session_id] = account

    async def _sources_read(self) -> None:
        """Wait (bounded) until the saved and configured accounts were first read."""
        if not self.loaded.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.loaded.wait(), LOAD_WAIT)

    async def check_account(self, name: str) -> None:
        """:class:`NotFound` naming the accounts, for a name the lab does not serve."""
        if name not in self.accounts:
            await self._sources_read()
        if name not in self.accounts:
            names = ", ".join(sorted(self.accounts)) or "none"
            raise NotFound(f"No account named {name!r} (the lab serves: {names}).")

    def account_of(self, session_id: str) -> tuple[str, AccountRef]:
        account = self.accounts.get(self._owner.get(session_id, ""))
        if account is None:
            raise NotFound(f"Session {session_id} is on no account this lab serves.")
        return account.kind, account.ref

    def follow(self, session_ids: Iterable[str]) -> None:
        ids = set(session_ids)
        super().follow(ids)
        for session_id in ids:
            account = self.accounts.get(self._owner.get(session_id, ""))
            if account is not None:
                account.provider.follow([session_id])

    def hold(self, session_ids: Iterable[str]) -> None:
        ids = set(session_ids)
        super().hold(ids)
        for account in self.accounts.values():
            account.provider.hold(ids)

    def _push_from(self, name: str, on_change: ChangeListener | None = None) -> ChangeListener:
        """What account ``name``'s provider pushes, with its sessions marked as its own."""

        def pushed(changed: dict[str, ServiceSession | None]) -> None:
            for session_id in changed:
                self._owner.setdefault(session_id, name)
            forward = on_change or self._on_change
            if forward is not None:
                forward(changed)

        return pushed

    async def _owner_of(self, session_id: str) -> ServedAccount:
        """The account the session lives on; asked of each account (the default first) when
        nobody said."""
        name = self._owner.get(session_id)
        if name not in self.accounts:
            await self._sources_read()
        if name is not None:
            if name not in self.accounts:
                raise ProviderUnavailable(
                    f"Session {session_id} is on account {name!r}, which this lab no longer serves."
                )
            return self.accounts[name]
        unavailable: list[str] = []
        for account in sorted(self.accounts.values(), key=lambda a: not a.is_default):
            if not account.health.due():
                unavailable.append(account.name)
                continue
            try:
                await account.provider.read(session_id)
            except NotFound:
                continue
            except ProviderUnavailable as exc:
                account.health.failed(str(exc))
                unavailable.append(account.name)
                continue
            self._owner[session_id] = account.name
            return account
        if unavailable:
            raise ProviderUnavailable(
                f"Session {session_id} is on none of the accounts that answered; "
                f"unreachable: {', '.join(unavailable)}."
            )
        raise NotFound(f"No account of this lab knows session {session_id}.")

    async def read(self, session_id: str) -> ServiceSession:
        return await (await self._owner_of(session_id)).provider.read(session_id)

    async def close(self, session_id: str) -> ServiceSession:
        return await (await self._owner_of(session_id)).provider.close(session_id)

    async def cancel(self, session_id: str) -> ServiceSession:
        return await (await self._owner_of(session_id)).provider.cancel(session_id)

    async def cancel_job(self, job_id: str, session_id: str) -> ServiceSession:
        account = await self._owner_of(session_id)
        return await account.provider.cancel_job(job_id, session_id)

    async def caught_up(self) -> None:
        """Every change the lab's emulator made so far was pushed (tests)."""
        if self.emulator is not None:
            with contextlib.suppress(ProviderUnavailable):
                await self.emulator.caught_up()


def _facts(usage: object) -> dict:
    return usage.model_dump(exclude={"read_at"})  # type: ignore[attr-defined]
