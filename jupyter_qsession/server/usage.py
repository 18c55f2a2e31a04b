"""The account's QPU usage for the period, read from the provider and told when it changes.

The service reports usage (``GET /instances/usage``, the client's ``service.usage()``); nothing
pushes it, so the lab server asks every ``c.QSessionApp.usage_refresh_interval`` seconds and
tells its listeners (the WebSocket hub) only when what the service said changed — a new
``read_at`` alone is no change. ``GET /qsession/api/usage`` asks at once, and a session whose
usage changed (:meth:`UsageWatch.nudge`) has it read again soon, so the header does not lag
behind the rows by a whole interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..errors import ProviderUnavailable
from .models import AccountUsage, SessionModel
from .providers import Provider

log = logging.getLogger(__name__)

NUDGE_DELAY = 1.0  # s: the changes of one burst (a job ending, its session going idle) read once

# Called with the new usage and its JSON (serialized once, sent to every socket).
UsageListener = Callable[[AccountUsage, str], None]


class UsageWatch:
    """The last usage the service reported, refreshed every ``interval`` seconds."""

    def __init__(self, provider: Provider, interval: float) -> None:
        self.provider = provider
        self.interval = interval
        self.last: AccountUsage | None = None
        self.last_json: str | None = None
        self.listeners: list[UsageListener] = []
        self._task: asyncio.Task | None = None
        self._unavailable: str | None = None  # logged once until the service answers again
        self._session_usage: dict[str, float] = {}
        self._nudged: asyncio.TimerHandle | None = None

    async def read(self) -> AccountUsage:
        """Ask the service now (:class:`ProviderUnavailable` if it cannot be asked); tell the
        listeners if the answer differs from the last one."""
        usage = await self.provider.usage()
        self._unavailable = None
        changed = self.last is None or _facts(self.last) != _facts(usage)
        self.last = usage
        self.last_json = usage.model_dump_json()
        if changed:
            for listener in list(self.listeners):
                listener(usage, self.last_json)
        return usage

    def nudge(self, session: SessionModel, _json: str = "") -> None:
        """A session changed (a manager listener): if its usage moved, read the account's
        soon, once for a burst of such changes."""
        if self._session_usage.get(session.id) == session.usage_seconds:
            return
        self._session_usage[session.id] = session.usage_seconds
        if self._task is None or self._nudged is not None:
            return  # not started (or refreshing only on request), or a read is due already
        loop = asyncio.get_running_loop()
        self._nudged = loop.call_later(NUDGE_DELAY, self._read_nudged)

    def _read_nudged(self) -> None:
        self._nudged = None
        asyncio.ensure_future(self._read_quietly())

    async def _read_quietly(self) -> None:
        try:
            await self.read()
        except ProviderUnavailable as exc:
            if str(exc) != self._unavailable:
                log.warning("jupyter_qsession: cannot read the account's usage: %s", exc)
                self._unavailable = str(exc)

    def start(self) -> None:
        if self._task is None and self.interval > 0:
            self._task = asyncio.ensure_future(self._every())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._nudged is not None:
            self._nudged.cancel()
            self._nudged = None

    async def _every(self) -> None:
        while True:
            await self._read_quietly()
            await asyncio.sleep(self.interval)


def _facts(usage: AccountUsage) -> dict:
    return usage.model_dump(exclude={"read_at"})
