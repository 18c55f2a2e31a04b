"""The emulator's own routes for the lab server that runs it (``/api/v1/qsession/…``).

Only the operator key (the one the emulator was started with) may call them, but ``info``;
they are not part of IBM's Runtime API, which a lab server reads by polling instead.

* ``GET  info`` — without a key: ``{"service", "version", "instance"}``, so a lab or a kernel
  holding a saved account's URL can tell an emulator from IBM's service (:data:`.INFO_PATH`).

* ``GET  changes?epoch=E&after=N&timeout=S`` — the change feed (:mod:`.feed`), as session views.
* ``GET  sessions/{id}`` — one session's view (:mod:`.views`).
* ``POST users/{name}/key`` — the API key of user ``name`` (made on first call, and committed
  before it is handed out): what the lab server hands to that user's kernels, so they see and
  act on their own sessions only.
* ``POST clock`` ``{"advance": seconds}`` — a manual clock moved one event at a time, waiting
  for each running simulation (tests of a lab server drive the emulator process this way).
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import BadRequest, Forbidden
from ..timing import from_iso
from .handlers import ID
from .instance import INFO_PATH, INSTANCE_CRN, SERVICE_NAME
from .query_args import float_arg, int_arg
from .request_handler import EmulatorHandler
from .views import session_view

if TYPE_CHECKING:
    from .emulator import Emulator

PREFIX = "/api/v1/qsession"
USER = r"([A-Za-z0-9_.@-]{1,64})"
MAX_FEED_WAIT = 60.0
# Times are rendered as ISO 8601 through datetime, which ends with the year 9999: a manual
# clock stops well before, so every deadline (now + a TTL) can still be rendered.
LATEST_CLOCK = from_iso("9000-01-01T00:00:00Z")


class InfoHandler(EmulatorHandler):
    """What this service is; asked before any key is known (it reveals nothing of anyone's)."""

    requires_auth = False

    def get(self) -> None:
        self.send({"service": SERVICE_NAME, "version": __version__, "instance": INSTANCE_CRN})


class OperatorHandler(EmulatorHandler):
    def prepare(self) -> None:
        super().prepare()
        if not self.is_operator:
            raise Forbidden("Only the emulator's operator key may use /api/v1/qsession.")


class ChangesHandler(OperatorHandler):
    async def get(self) -> None:
        feed = self.emulator.feed
        epoch = self.get_query_argument("epoch", "")
        after = int_arg(self, "after", 0) if self.get_query_argument("after", "0") != "-1" else -1
        timeout = float_arg(self, "timeout", 25.0)
        if feed.since(epoch, after) == set():
            try:
                await feed.wait(after, min(timeout, MAX_FEED_WAIT))
            except asyncio.CancelledError:
                # The emulator is stopping (its tasks are cancelled): answer as a timeout
                # would, where tornado would answer 500, then let the cancellation go on.
                self._answer(epoch, after)
                raise
            self.scheduler.advance()
        self._answer(epoch, after)

    def _answer(self, epoch: str, after: int) -> None:
        feed = self.emulator.feed
        changed = feed.since(epoch, after)
        reset = changed is None
        if reset:  # a new caller, or one from another run: it re-reads what it holds
            changed = set()
        known = self.scheduler.sessions
        sessions = [known[i] for i in sorted(changed or ()) if i in known]
        self.send(
            {
                "epoch": feed.epoch,
                "seq": feed.seq,
                "reset": reset,
                "sessions": [session_view(self.scheduler, s) for s in sessions],
            }
        )


class SessionViewHandler(OperatorHandler):
    def get(self, session_id: str) -> None:
        self.send(session_view(self.scheduler, self.scheduler.session(session_id)))


class UserKeyHandler(OperatorHandler):
    def post(self, user: str) -> None:
        self.send({"user_id": user, "api_key": self.emulator.tokens.key_for(user)})


class ClockHandler(OperatorHandler):
    # What the clock moved (jobs started and finished) is the clock's doing, not a command's:
    # answered only once committed, but kept if the commit fails (written by the next save).
    undo_on_failure = False

    async def post(self) -> None:
        seconds = self.json_body().get("advance")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise BadRequest("advance must be a number of seconds.")
        if not math.isfinite(seconds) or seconds < 0:
            raise BadRequest("advance must be a finite, non-negative number of seconds.")
        if self.emulator.clock.to_wall_delay(0) is not None:
            raise BadRequest("This emulator runs on wall time; only a manual clock can advance.")
        if self.emulator.clock.now() + seconds > LATEST_CLOCK:
            raise BadRequest("advance would move the clock past the year 9000.")
        await self.emulator.advance_clock(float(seconds))
        self.send({"now": self.emulator.clock.now()})


def operator_routes(emulator: Emulator) -> list[tuple[str, type, dict]]:
    kw = {"emulator": emulator}
    return [
        (INFO_PATH, InfoHandler, kw),
        (rf"{PREFIX}/changes", ChangesHandler, kw),
        (rf"{PREFIX}/sessions/{ID}", SessionViewHandler, kw),
        (rf"{PREFIX}/users/{USER}/key", UserKeyHandler, kw),
        (rf"{PREFIX}/clock", ClockHandler, kw),
    ]
