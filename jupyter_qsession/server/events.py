"""``/qsession/api/events``: every change of a session, pushed to every browser that may see it.

On connect a socket gets a snapshot of the sessions its user may read (the live view: open
sessions, and ended ones for ``c.QSessionApp.ended_sessions_visible_for``), then one message
per change in the order the manager made them. A message is built around the session's JSON as
the manager serialized it once for the registry (no second serialization), and written to
every socket whose user may read that session.

Sessions found elsewhere on the account go only to sockets whose user may read
``qsession:account``. The accounts (their state, backends and usage; never a token) go to
every socket: in the snapshot, then as an ``account`` message each time one changes, comes or
goes (:mod:`.providers.accounts`).

A snapshot's text is built once per view (whose sessions, and whether those found elsewhere)
and reused by every socket that connects until a session or an account changes or an ended one
ages out: fifty tabs reconnecting at once cost one join, not fifty.
"""

from __future__ import annotations

import json
import logging
import math

from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from ..errors import Forbidden
from . import access
from .handlers import Refusals
from .manager import SessionManager
from .models import AccountModel, SessionModel
from .providers.accounts import AccountsProvider

log = logging.getLogger(__name__)


class EventHub:
    """Fans the manager's changes out to the open sockets."""

    def __init__(self, manager: SessionManager, accounts: AccountsProvider | None = None) -> None:
        self.manager = manager
        self.accounts = accounts
        self.sockets: set[EventsSocket] = set()
        # View (None: every owner's, else one owner's; and whether it includes sessions
        # found elsewhere) -> the snapshot's text; all of them dropped on any change, and
        # when the live view loses an ended session by age.
        self._snapshots: dict[tuple[str | None, bool], bytes] = {}
        self._valid_until = math.inf
        self.snapshots_built = 0  # how many texts were joined (tests check the reuse)
        manager.listeners.append(self.publish)
        if accounts is not None:
            accounts.listeners.append(self.publish_account)

    def publish(self, session: SessionModel, session_json: str) -> None:
        self._snapshots.clear()
        if not self.sockets:
            return
        message = f'{{"type":"session","session":{session_json}}}'
        for socket in list(self.sockets):
            if socket.may_read(session):
                socket.send(message)

    def publish_account(self, account: AccountModel | None, name: str) -> None:
        """An account changed (its state, backends or usage), or is gone (``None``)."""
        self._snapshots.clear()
        if account is None:
            message = f'{{"type":"account","gone_account":{json.dumps(name)}}}'
        else:
            message = f'{{"type":"account","account":{account.model_dump_json()}}}'
        for socket in list(self.sockets):
            socket.send(message)

    def snapshot(self, socket: EventsSocket) -> bytes:
        """The live view ``socket``'s user may read, as one message (UTF-8, sent as a text
        frame); built and encoded once per view and change."""
        if self.manager.clock() >= self._valid_until:
            self._snapshots.clear()
        if not self._snapshots:
            self._valid_until = self.manager.next_age_out()
        view = (None if socket.sees_others else socket.user_name, socket.sees_account)
        text = self._snapshots.get(view)
        if text is None:
            texts = [
                self.manager.json_of(s.id) for s in self.manager.live_view() if socket.may_read(s)
            ]
            models = self.accounts.models() if self.accounts is not None else []
            accounts = ",".join(a.model_dump_json() for a in models)
            text = (
                f'{{"type":"snapshot","sessions":[{",".join(texts)}],"accounts":[{accounts}]}}'
            ).encode()
            self._snapshots[view] = text
            self.snapshots_built += 1
        return text


class EventsSocket(
    Refusals, WebSocketMixin, WebSocketHandler, ExtensionHandlerMixin, JupyterHandler
):
    auth_resource = access.RESOURCE
    user_name = ""
    sees_others = False
    sees_account = False
    rights = access.Rights("", on_others=False, on_account=False)

    @property
    def hub(self) -> EventHub:
        return self.settings["qsession_events"]

    def set_default_headers(self) -> None:
        """JupyterHandler's page headers make no sense on a WebSocket (as in jupyter-server's
        own kernel and event sockets)."""

    @ws_authenticated
    async def get(self, *args, **kwargs) -> None:
        if not await access.allowed(self, "read"):
            raise Forbidden("Not allowed to read qsession.")
        # Refused before the upgrade, rather than an empty snapshot that would look like "no
        # sessions"; /info tells the sidebar why.
        await self.hub.manager.started.wait()
        self.hub.manager.require_registry()
        self.user_name = access.username(self)
        self.sees_others = await access.may_on_others(self, "read")
        self.sees_account = await access.may_on_account(self, "read")
        self.rights = access.Rights(self.user_name, self.sees_others, self.sees_account)
        await super().get(*args, **kwargs)

    def open(self, *args, **kwargs) -> None:
        super().open(*args, **kwargs)
        self.hub.sockets.add(self)
        self.send(self.hub.snapshot(self))

    def on_close(self) -> None:
        super().on_close()
        self.hub.sockets.discard(self)

    def may_read(self, session: SessionModel) -> bool:
        """As :func:`access.visible`, with the decisions asked once at connect."""
        return self.rights.cover(session)

    def send(self, message: str | bytes) -> None:
        try:
            self.write_message(message)
        except WebSocketClosedError:
            self.hub.sockets.discard(self)
