"""The emulator's change feed: who changed, pushed to a lab server as the changed sessions.

``GET /api/v1/qsession/changes?epoch=E&after=N`` (a long poll, the operator's key only)
answers as soon as some session changed after sequence number ``N``, with the views of those
sessions (:mod:`.views`) and the new sequence number, or after ``timeout`` seconds with none.
A caller too far behind, new (``after=-1``) or from another run of the emulator (``epoch``)
gets ``reset: true`` and re-reads what it holds. This is the emulator's own extension of the
Runtime API; IBM's service has nothing like it, so a lab server polls IBM instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Iterable

KEEP = 1000  # changes remembered for callers that reconnect


class ChangeFeed:
    """Sequence-numbered sets of changed session ids, and the callers waiting for the next."""

    def __init__(self) -> None:
        # Numbers from another run of the emulator mean nothing here: callers send it back.
        self.epoch = uuid.uuid4().hex[:12]
        self.seq = 0
        self._log: deque[tuple[int, frozenset[str]]] = deque(maxlen=KEEP)
        self._waiters: list[asyncio.Future] = []

    def publish(self, session_ids: Iterable[str]) -> None:
        ids = frozenset(session_ids)
        if not ids:
            return
        self.seq += 1
        self._log.append((self.seq, ids))
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def since(self, epoch: str, after: int) -> set[str] | None:
        """Ids changed after ``after``; None when that is further back than the log reaches or
        ``epoch`` is another run's."""
        if epoch != self.epoch or after < 0 or after > self.seq:
            return None
        if self._log and after < self._log[0][0] - 1:
            return None
        changed: set[str] = set()
        for seq, ids in self._log:
            if seq > after:
                changed |= ids
        return changed

    async def wait(self, after: int, timeout: float) -> None:
        """Return when something newer than ``after`` exists, or after ``timeout`` seconds."""
        if self.seq != after:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            pass
