"""The session manager: the only writer of session state on the Jupyter server side.

Data flows one way: provider -> manager -> registry (persisted first) -> listeners (the
WebSocket hub). Handlers, the kernel bridge and the kernel-lifecycle policy call the manager's
commands; they never touch the registry.

A registry that cannot be used stops nothing silently: the manager still starts (so kernels
get the bridge and the provider), keeps the reason in ``registry_error`` and refuses every
query and command with it (:class:`RegistryUnavailable`, 503).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone

from .errors import (
    Conflict,
    NotFound,
    ProviderUnavailable,
    RegistryUnavailable,
    unknown_job,
    unknown_session,
)
from .models import SessionModel
from .providers import Provider
from .registry import SessionRegistry, SetAsideRow

log = logging.getLogger(__name__)

# Called with the new model and the names of the fields that changed ("*" for a new session).
SessionListener = Callable[[SessionModel, list[str]], None]
POLICIES = ("close", "cancel", "keep")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class SessionManager:
    """Owns the live view of every registered session and applies commands through the provider."""

    def __init__(
        self,
        provider: Provider,
        registry: SessionRegistry,
        *,
        refresh_interval: float = 5.0,
        kernel_alive: Callable[[str], bool] = lambda kernel_id: False,
    ) -> None:
        self.provider = provider
        self.registry = registry
        self.refresh_interval = refresh_interval
        self.kernel_alive = kernel_alive
        self.sessions: dict[str, SessionModel] = {}
        # Why the registry cannot be used (every query and command answers it), or None.
        self.registry_error: str | None = None
        # What the user should know although nothing stopped: rows set aside, one line each.
        self.warnings: list[str] = []
        self.listeners: list[SessionListener] = []
        # Why the manager itself ended a session (kernel policy), until the provider says closed.
        self._ending: dict[str, str] = {}
        self._poller: asyncio.Task | None = None
        self._refreshing: set[asyncio.Future] = set()
        # Set once the registry is loaded and reattached; requests wait for it.
        self.started = asyncio.Event()

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Connect the provider, then reattach to the registry's sessions that are still open."""
        try:
            await self.provider.start(self._on_provider_change)
            self._load()
            await self._refresh_open()
            if not self.provider.pushes:
                self._poller = asyncio.ensure_future(self._poll())
        finally:
            self.started.set()

    def _load(self) -> None:
        try:
            loaded = self.registry.load(now=now_iso())
        except RegistryUnavailable as fault:
            self._registry_failed(fault)
            return
        for session in loaded.sessions:
            self.sessions[session.id] = session
        self.warnings = [self._set_aside_warning(row) for row in loaded.set_aside]

    def _set_aside_warning(self, row: SetAsideRow) -> str:
        return (
            f"Session {row.session_id} could not be read from the registry ({row.error}); "
            f"its row was set aside at {row.set_aside_at} in table set_aside of "
            f"{self.registry.path} (delete it there to dismiss this warning)."
        )

    def _registry_failed(self, fault: RegistryUnavailable) -> None:
        if self.registry_error is None:
            log.error(
                "jupyter_qsession: %s Until then every qsession route but /info answers 503 "
                "with this message.",
                fault.message,
            )
        self.registry_error = fault.message

    def require_registry(self) -> None:
        """Raise :class:`RegistryUnavailable` (503) if the registry cannot be used."""
        if self.registry_error is not None:
            raise RegistryUnavailable(self.registry_error)

    async def stop(self) -> None:
        await self.settled()
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        await self.provider.stop()
        self.registry.close()

    def open_sessions(self, *, kernel_alive: bool) -> list[SessionModel]:
        """Open sessions whose kernel runs (or, ``kernel_alive=False``, that outlived their
        kernel, e.g. across a server restart)."""
        return [
            s
            for s in self.sessions.values()
            if s.state != "closed" and self._kernel_is_alive(s.kernel_id) == kernel_alive
        ]

    def _kernel_is_alive(self, kernel_id: str | None) -> bool:
        return kernel_id is not None and self.kernel_alive(kernel_id)

    # ----------------------------------------------------------------- queries
    def get(self, session_id: str) -> SessionModel:
        self.require_registry()
        try:
            return self.sessions[session_id]
        except KeyError:
            raise unknown_session(session_id) from None

    def list(self) -> list[SessionModel]:
        """Newest registration first."""
        self.require_registry()
        return sorted(self.sessions.values(), key=lambda s: s.registered_at, reverse=True)

    def of_kernel(self, kernel_id: str) -> list[SessionModel]:
        """The kernel's sessions, newest registration first."""
        return [s for s in self.list() if s.kernel_id == kernel_id]

    def session_of_job(self, job_id: str) -> SessionModel:
        self.require_registry()
        for session in self.sessions.values():
            if any(job.id == job_id for job in session.jobs):
                return session
        raise unknown_job(job_id)

    # ----------------------------------------------------------------- commands
    async def register(self, session_id: str, kernel_id: str, owner: str) -> SessionModel:
        """Put a session a kernel opened under that kernel; idempotent for the same kernel."""
        self.require_registry()
        known = self.sessions.get(session_id)
        if known is not None:
            if known.kernel_id != kernel_id:
                raise Conflict(f"Session {session_id} is registered under another kernel.")
            return known
        service = await self.provider.fetch(session_id, fresh=True)
        if service.state == "closed":
            raise Conflict(f"Session {session_id} has already ended; open a new one.")
        session = SessionModel(
            id=session_id,
            kernel_id=kernel_id,
            owner=owner,
            provider=self.provider.name,
            registered_at=now_iso(),
            **dict(service),
        )
        self._store(session, ["*"])
        return session

    async def close(self, session_id: str, reason: str = "closed") -> SessionModel:
        session = self._live(session_id)
        if not session.accepting_jobs:
            raise Conflict(f"Session {session_id} is already closing: its queued jobs will finish.")
        self._ending.setdefault(session_id, reason)
        await self.provider.close(session_id)
        return await self.refresh(session_id, fresh=True)

    async def cancel(self, session_id: str, reason: str = "cancelled") -> SessionModel:
        self._live(session_id)
        self._ending[session_id] = reason
        await self.provider.cancel(session_id)
        return await self.refresh(session_id, fresh=True)

    async def cancel_job(self, job_id: str) -> SessionModel:
        session = self.session_of_job(job_id)
        job = next(job for job in session.jobs if job.id == job_id)
        if job.status in ("DONE", "ERROR", "CANCELLED"):
            raise Conflict(f"Job {job_id} has already ended ({job.status.lower()}).")
        await self.provider.cancel_job(job_id)
        return await self.refresh(session.id, fresh=True)

    async def end_kernel_sessions(self, kernel_id: str, policy: str, reason: str) -> None:
        """Apply a kernel policy (close | cancel | keep) to the kernel's open sessions."""
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}")
        if self.registry_error is not None:
            return  # no session could be registered
        for session in self.of_kernel(kernel_id):
            if policy == "keep" or session.state == "closed":
                continue
            try:
                if policy == "cancel":
                    await self.cancel(session.id, reason)
                elif session.accepting_jobs:
                    await self.close(session.id, reason)
            except (Conflict, NotFound, ProviderUnavailable) as exc:
                log.warning("jupyter_qsession: cannot %s session %s: %s", policy, session.id, exc)

    # ----------------------------------------------------------------- provider side
    async def refresh(self, session_id: str, *, fresh: bool = False) -> SessionModel:
        """Re-read one session from the provider; store and announce it if it changed.
        ``fresh``: after a command, read the service now, not a change it pushed earlier."""
        self.get(session_id)
        try:
            service = await self.provider.fetch(session_id, fresh=fresh)
        except NotFound:
            old = self.get(session_id)
            if old.state == "closed":
                return old
            # The service forgot it (the embedded emulator died with the previous server).
            service = old.model_copy(
                update={
                    "state": "closed",
                    "accepting_jobs": False,
                    "closed_at": now_iso(),
                    "ended_reason": "provider_lost",
                    "interactive_expires_at": None,
                }
            )
        old = self.get(session_id)  # as it is now: another refresh may have run meanwhile
        fields = dict(service)
        if fields["state"] == "closed":
            reason = self._ending.pop(session_id, None)
            if old.state == "closed" and old.ended_reason:
                fields["ended_reason"] = old.ended_reason  # why it ended never changes
            elif reason is not None and fields.get("ended_reason") != "max_ttl":
                fields["ended_reason"] = reason
        names = SessionModel.model_fields
        new = old.model_copy(update={k: v for k, v in fields.items() if k in names})
        changes = [name for name in names if getattr(new, name) != getattr(old, name)]
        if changes:
            self._store(new, changes)
        return new

    def _on_provider_change(self, session_ids: set[str]) -> None:
        """Re-read the sessions that changed ("*": every open one, e.g. a restarted service)."""
        if "*" in session_ids:
            session_ids = {s.id for s in self.sessions.values() if s.state != "closed"}
        for session_id in session_ids:
            if session_id in self.sessions:
                task = asyncio.ensure_future(self._refresh_quietly(session_id))
                self._refreshing.add(task)
                task.add_done_callback(self._refreshing.discard)

    async def settled(self) -> None:
        """Wait until every change the provider pushed so far is stored and announced."""
        while self._refreshing:
            await asyncio.gather(*list(self._refreshing))

    async def _refresh_quietly(self, session_id: str) -> None:
        try:
            await self.refresh(session_id)
        except RegistryUnavailable:
            pass  # logged once, and told to every caller from now on
        except ProviderUnavailable as exc:
            log.warning("jupyter_qsession: cannot refresh session %s: %s", session_id, exc)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_interval)
            await self._refresh_open()

    async def _refresh_open(self) -> None:
        """Re-read every session that has not ended (at start, and per poll)."""
        for session in list(self.sessions.values()):
            if session.state != "closed":
                await self._refresh_quietly(session.id)

    def _live(self, session_id: str) -> SessionModel:
        session = self.get(session_id)
        if session.state == "closed":
            raise Conflict(
                f"Session {session_id} has already ended ({session.ended_reason or 'closed'})."
            )
        return session

    def _store(self, session: SessionModel, changes: list[str]) -> None:
        """Persist, then remember, then tell: a change the registry refused is not announced."""
        try:
            self.registry.save(session)
        except RegistryUnavailable as fault:
            self._registry_failed(fault)
            raise
        self.sessions[session.id] = session
        for listener in list(self.listeners):
            listener(session, changes)
