"""Sessions the kernel's own client opened without ``%%qsession``, told to the lab server.

A cell like ``session = Session(backend=...)`` opens a session the lab server would otherwise
only find on the account (``origin: elsewhere``), where no kernel policy touches it. After each
cell (IPython's ``post_run_cell``) :class:`SessionAttribution` looks for ``Session`` and
``Batch`` objects among the user namespace's **top-level names** whose session the kernel has
not registered yet, and registers each through the bridge; from then on it is this kernel's,
and closing or shutting the kernel down ends it as the kernel policies say. A session kept
only inside a list, a dict or another object is not seen (the limit of a cheap look); one
attached with ``Session.from_id`` counts as the kernel's, as ``%qsession use`` does.

It never imports the client: until a cell imported ``qiskit_ibm_runtime`` it does nothing,
and after that one pass over the namespace's values per cell, with a request only for a
session id it has not seen.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ..errors import Conflict, QSessionError
from .bridge import BridgeClient


class SessionAttribution:
    """Registers the sessions found in ``shell.user_ns`` under this kernel, once each.

    ``held()``: the ids the magic registered itself (skipped). ``bridge``: how to reach the
    lab server (None outside a lab server's kernel: then nothing is registered).
    """

    def __init__(
        self,
        shell: Any,
        held: Callable[[], set[str]] = set,
        bridge: Callable[[], BridgeClient | None] = BridgeClient.from_kernel,
    ) -> None:
        self.shell = shell
        self.held = held
        self._bridge_of = bridge
        self._bridge: BridgeClient | None = None
        self._looked = False
        self.seen: set[str] = set()  # ids registered, or tried once (never asked again)

    def after_cell(self, result: Any = None) -> None:
        """``post_run_cell``: register the sessions new to this kernel."""
        runtime = sys.modules.get("qiskit_ibm_runtime")
        session_class = getattr(runtime, "Session", None)
        if session_class is None:  # the client was never imported: no session can exist
            return
        fresh = [sid for sid in self._session_ids(session_class) if sid not in self.seen]
        if not fresh:
            return
        self.seen.update(fresh)
        bridge = self.bridge()
        if bridge is None:
            return
        held = self.held()
        for session_id in dict.fromkeys(fresh):
            if session_id not in held:
                self._register(bridge, session_id)

    def bridge(self) -> BridgeClient | None:
        if not self._looked:
            self._bridge, self._looked = self._bridge_of(), True
        return self._bridge

    def _session_ids(self, session_class: type) -> list[str]:
        ids = []
        for value in list(self.shell.user_ns.values()):
            try:
                if isinstance(value, session_class) and value.session_id:
                    ids.append(str(value.session_id))
            except Exception:  # noqa: BLE001 (a user's object may fail however it likes)
                continue
        return ids

    def _register(self, bridge: BridgeClient, session_id: str) -> None:
        try:
            bridge.register(session_id)
        except Conflict:
            pass  # another kernel's (it keeps it), or it has already ended: nothing to hold
        except QSessionError as error:
            print(
                f"jupyter-qsession: the lab server did not register session {session_id} "
                f"under this kernel: {error.message}",
                file=sys.stderr,
            )


def install(shell: Any, held: Callable[[], set[str]]) -> SessionAttribution:
    """Run a :class:`SessionAttribution` after every cell of ``shell`` (once: loading the
    extension again only updates what the magic holds)."""
    for callback in shell.events.callbacks["post_run_cell"]:
        attribution = getattr(callback, "__self__", None)
        if isinstance(attribution, SessionAttribution):
            attribution.held = held
            return attribution
    attribution = SessionAttribution(shell, held)
    shell.events.register("post_run_cell", attribution.after_cell)
    return attribution
