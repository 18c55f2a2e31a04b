"""Which accounts the lab serves, kept in step with where they come from.

The lab's emulator (unless ``c.QSessionApp.emulator = False``), every account in the client's
own account file, the ``$QISKIT_IBM_TOKEN`` account and ``c.QSessionApp.accounts``. The file
is read with the client's API (``client/accounts_file.py``) in a worker thread, after the lab
has started (an account must not slow the lab down), and looked at again every
``interval``: an account saved or deleted while the lab runs appears or goes within one look.
A bad file or entry is a warning (``GET /info``), never a failed lab.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..vocabulary import EMULATOR_ACCOUNT, LOCAL_CHANNEL, AccountSource
from .account_health import AccountHealth
from .models import AccountRef
from .providers.accounts import AccountsProvider
from .providers.runtime import RuntimeServiceProvider
from .served_account import ServedAccount

log = logging.getLogger(__name__)


def _spec_key(spec: Any) -> tuple:
    """What makes an account another connection when it changes (the token included)."""
    return (spec.channel, spec.url, spec.instance, spec.token, spec.verify)


class AccountSources:
    """Reads the accounts' sources and adds, replaces or removes accounts of ``provider``."""

    def __init__(
        self,
        provider: AccountsProvider,
        *,
        make_provider: Callable[[Any], RuntimeServiceProvider],
        account_file: str,
        config_entries: list[dict[str, Any]],
        environ: Mapping[str, str] = os.environ,
        retry_max: float = 300.0,
        interval: float = 5.0,
    ) -> None:
        self.provider = provider
        self.make_provider = make_provider
        self.account_file = Path(account_file)
        self.config_entries = config_entries
        self.environ = environ
        self.retry_max = retry_max
        self.interval = interval
        self._keys: dict[str, tuple] = {}
        self._seen: tuple | None = None  # the file's (mtime, size, inode) at the last read
        self._read_once = False
        self._task: asyncio.Task | None = None

    def emulator_account(self, emulator: Any) -> ServedAccount:
        """The lab's own emulator as an account."""
        return ServedAccount(
            ref=AccountRef(name=EMULATOR_ACCOUNT, channel=LOCAL_CHANNEL),
            source=AccountSource.LAB,
            is_default=True,
            provider=emulator,
            health=AccountHealth(EMULATOR_ACCOUNT, retry_after=1.0, retry_max=30.0),
            kind="emulator",
        )

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self) -> None:
        while True:
            try:
                await self.look()
            except asyncio.CancelledError:
                raise
            except Exception:  # never the end of the watch
                log.exception("jupyter_qsession: reading the accounts")
            self.provider.loaded.set()  # whatever the first read gave
            await asyncio.sleep(self.interval)

    def _stat(self) -> tuple | None:
        try:
            st = self.account_file.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    async def look(self, *, force: bool = False) -> None:
        """Read the sources again if the account file changed (or ``force``), and serve
        exactly the accounts they name."""
        seen = self._stat()
        if not force and self._read_once and seen == self._seen:
            return
        self._read_once, self._seen = True, seen
        specs, warnings = await asyncio.to_thread(self._read)
        self.provider.warnings = warnings
        await self._serve(specs)

    def _read(self) -> tuple[list[Any], list[str]]:
        from ..client.accounts_file import config_accounts, environment_account, read_account_file

        warnings: list[str] = []
        specs: list[Any] = []
        if self.account_file.exists():
            saved = read_account_file(self.account_file)
            specs += saved.specs
            warnings += saved.warnings
        env = environment_account(self.environ)
        if env is not None:
            specs.append(env)
        configured = config_accounts(self.config_entries)
        specs += configured.specs
        warnings += configured.warnings
        return self._unique(specs, warnings), warnings

    def _unique(self, specs: list[Any], warnings: list[str]) -> list[Any]:
        kept: dict[str, Any] = {}
        lab = self.provider.emulator is not None
        for spec in specs:
            if spec.name in kept or (lab and spec.name == EMULATOR_ACCOUNT):
                warnings.append(
                    f"Account {spec.name!r} ({spec.source}) is left out: another account "
                    "of that name is served."
                )
                continue
            kept[spec.name] = spec
        return list(kept.values())

    async def _serve(self, specs: list[Any]) -> None:
        wanted = {spec.name: spec for spec in specs}
        lab = {n for n, a in self.provider.accounts.items() if a.source == AccountSource.LAB}
        for name in list(self.provider.accounts):
            if name in lab:
                continue
            if name not in wanted or self._keys.get(name) != _spec_key(wanted[name]):
                self._keys.pop(name, None)
                await self.provider.remove(name)
        self.provider.config_tokens = [
            {k: getattr(s, k) for k in ("name", "channel", "url", "token", "instance")}
            for s in specs
            if s.source == AccountSource.CONFIG
        ]
        default = next((s.name for s in specs if s.is_default), None)
        for name, account in self.provider.accounts.items():
            account.is_default = name == default or (default is None and name in lab)
        for name, spec in wanted.items():
            if name in self.provider.accounts:
                continue
            self._keys[name] = _spec_key(spec)
            await self.provider.add(self._account(spec, is_default=name == default))
            log.info("jupyter_qsession: serving account %s (%s)", name, spec.source)
        self.provider.loaded.set()

    def _account(self, spec: Any, *, is_default: bool) -> ServedAccount:
        provider = self.make_provider(spec)
        return ServedAccount(
            ref=AccountRef(name=spec.name, channel=spec.channel, instance=spec.instance),
            source=AccountSource(spec.source),
            is_default=is_default,
            provider=provider,
            health=AccountHealth(
                spec.name, retry_after=provider.refresh_interval, retry_max=self.retry_max
            ),
        )
