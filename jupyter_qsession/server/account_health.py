"""Whether an account's service answers, and when to ask an unreachable one again.

An unreachable account must cost nothing: each failure doubles the wait before the next try
(from ``retry_after`` up to ``retry_max``), one log line says it became unreachable (and one
that it is back), and what is due is asked only when :meth:`AccountHealth.due` says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from ..timing import to_iso
from ..vocabulary import AccountState

log = logging.getLogger(__name__)


class AccountHealth:
    """The last try of one account and what it said."""

    def __init__(
        self,
        name: str,
        *,
        retry_after: float = 5.0,
        retry_max: float = 300.0,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.name = name
        self.retry_after = retry_after
        self.retry_max = retry_max
        self.clock = clock
        self.on_change = on_change
        self.state = AccountState.UNKNOWN
        self.problem: str | None = None
        self.last_try: float | None = None
        self.next_try: float | None = None
        self._wait = retry_after

    def due(self) -> bool:
        """May the account be asked now? Always, unless it is unreachable and its wait runs."""
        return self.next_try is None or self.clock() >= self.next_try

    def succeeded(self) -> None:
        self.last_try = self.clock()
        if self.state != AccountState.REACHABLE:
            if self.state == AccountState.UNREACHABLE:
                log.info("jupyter_qsession: account %s is reachable again", self.name)
            self.state, self.problem, self.next_try = AccountState.REACHABLE, None, None
            self._wait = self.retry_after
            self.on_change()

    def failed(self, problem: str) -> None:
        """The account could not be asked: wait longer before the next try (doubling)."""
        now = self.clock()
        self.last_try, self.next_try = now, now + self._wait
        self._wait = min(self._wait * 2, self.retry_max)
        if self.state != AccountState.UNREACHABLE or self.problem != problem:
            if self.state != AccountState.UNREACHABLE:
                log.warning(
                    "jupyter_qsession: account %s is unreachable: %s (asked again with backoff)",
                    self.name,
                    problem,
                )
            self.state, self.problem = AccountState.UNREACHABLE, problem
        self.on_change()  # last_try / next_try moved

    def facts(self) -> dict[str, object]:
        """The fields of :class:`~jupyter_qsession.server.models.AccountModel` this owns."""
        return {
            "state": self.state,
            "problem": self.problem,
            "last_try": to_iso(self.last_try),
            "next_try": to_iso(self.next_try) if self.state == AccountState.UNREACHABLE else None,
        }
