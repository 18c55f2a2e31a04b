"""What the session manager needs from a Qiskit Runtime service, whichever it is.

A provider is a configurable class (``c.QSessionApp.provider_class``), with its own settings
(``c.<ProviderClass>.…``). It pushes the sessions that changed, whole — the manager stores
what it is given and reads nothing back — and answers each command with the session as the
command left it.

Besides the sessions the manager holds, a provider finds the account's other open sessions
(:meth:`Provider.discover`, every ``refresh_interval`` once the manager calls
:meth:`Provider.start_discovery`) and pushes them through the same ``on_change``: the manager
adopts a pushed session it does not hold, if it is not closed, as one found elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from traitlets import Float, Unicode
from traitlets.config import LoggingConfigurable

from ...errors import NotFound, ProviderUnavailable
from ...timing import to_iso
from ...vocabulary import EMULATOR_ACCOUNT, LOCAL_CHANNEL, SessionState
from ..account_health import AccountHealth
from ..models import AccountRef, AccountUsage, ServiceSession

# Called with the sessions that changed, by id; ``None``: the service no longer knows it.
ChangeListener = Callable[[dict[str, ServiceSession | None]], None]


class Provider(LoggingConfigurable):
    """A Qiskit Runtime service seen from the Jupyter server.

    ``pushes`` says whether the service itself reports changes (the emulator's feed) or the
    provider polls it (a remote service); either way the provider calls ``on_change``.
    """

    name: ClassVar[str] = ""
    pushes: ClassVar[bool] = False

    kernel_user = Unicode(
        help="The user whose sessions the kernels open (the lab's c.QSessionApp.default_owner)."
    )
    refresh_interval = Float(
        5.0,
        min=0.05,
        config=True,
        help="""Seconds between two looks for the account's open sessions this server does
        not hold yet (a script's, another server's), and, for a service that cannot push,
        between two reads of each open session.""",
    )

    @property
    def notices(self) -> list[str]:
        """What the user should know about the service itself (e.g. it was restarted)."""
        return []

    async def start(self, on_change: ChangeListener) -> None:
        """Connect; from now on call ``on_change`` with the sessions that changed."""
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def kernel_env(self) -> dict[str, str]:
        """Environment that lets a kernel's qiskit-ibm-runtime client reach this service."""
        raise NotImplementedError

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.followed: set[str] = set()
        self.held: set[str] = set()
        self._discovery: asyncio.Task | None = None
        # Whether the account answers (server/account_health.py), when one is served as an
        # account: a provider that polls asks an unreachable one only when it is due.
        self.health: AccountHealth | None = None

    def follow(self, session_ids: Iterable[str]) -> None:
        """The open sessions the manager holds: a provider that polls reads these, one whose
        service restarted pushes them again. A provider stops following a session once it
        pushed it closed or gone."""
        ids = set(session_ids)
        self.followed.update(ids)
        self.held.update(ids)

    def hold(self, session_ids: Iterable[str]) -> None:
        """Every session the manager holds, in any state (closed ones too): discovery leaves
        these out (``held``), so the account's history is never read again."""
        self.held.update(session_ids)

    # ----------------------------------------------------------------- accounts
    def locate(self, session_id: str, account: str) -> None:
        """The session lives on ``account`` (one provider: on its own)."""

    async def check_account(self, name: str) -> None:
        """:class:`NotFound` for an account this provider does not serve."""

    def account_of(self, session_id: str) -> tuple[str, AccountRef]:
        """What kind of service the session lives on, and on which account."""
        channel = LOCAL_CHANNEL if self.name == "emulator" else "ibm_quantum_platform"
        name = EMULATOR_ACCOUNT if self.name == "emulator" else self.name
        return self.name, AccountRef(name=name, channel=channel)

    # ----------------------------------------------------------------- discovery
    async def discover(self) -> dict[str, ServiceSession]:
        """One look for the account's sessions that are not ``held`` and may be open, each
        read whole (its :meth:`read`), by id. A provider may return closed ones (the manager
        ignores those) but should not read the account's history on every look: the cost of
        one look must not grow with the number of closed sessions (``discovery.SessionFinder``).
        Raise :class:`ProviderUnavailable` if the service cannot be asked. Default: nothing
        (a provider that cannot discover)."""
        return {}

    def start_discovery(self, on_change: ChangeListener) -> None:
        """Look now and then every ``refresh_interval`` seconds, pushing what each look finds
        through ``on_change``. The manager calls this once it holds the registry's sessions
        (so a held one is never taken for a new one)."""
        if self._discovery is None:
            self._discovery = asyncio.ensure_future(self._discover_every(on_change))

    async def stop_discovery(self) -> None:
        if self._discovery is not None:
            self._discovery.cancel()
            self._discovery = None

    async def discover_now(self, on_change: ChangeListener) -> None:
        """One look, pushed; a service that cannot be asked is logged and asked next time."""
        try:
            await self.look(on_change)
        except ProviderUnavailable as exc:
            self.log.warning("jupyter_qsession: cannot look for the account's sessions: %s", exc)

    async def look(self, on_change: ChangeListener) -> None:
        """One look, pushed; :class:`ProviderUnavailable` if the service cannot be asked."""
        found = await self.discover()
        fresh = {k: v for k, v in found.items() if k not in self.held}
        # A closed one is history (the manager ignores it): never read again.
        self.hold(k for k, v in fresh.items() if v.state == SessionState.CLOSED)
        self.push(on_change, dict(fresh))

    async def _discover_every(self, on_change: ChangeListener) -> None:
        while True:
            await self.discover_now(on_change)
            await asyncio.sleep(self.refresh_interval)

    async def read_found(self, session_ids: Iterable[str]) -> dict[str, ServiceSession]:
        """Helper for :meth:`discover`: read each found id; one the service forgot meanwhile
        is left out."""
        found: dict[str, ServiceSession] = {}
        for session_id in sorted(session_ids):
            try:
                found[session_id] = await self.read(session_id)
            except NotFound:
                continue
        return found

    # ----------------------------------------------------------------- the account
    async def backends(self) -> list[str]:
        """The names of the account's backends, as its service lists them."""
        raise ProviderUnavailable(f"The {self.name or 'session'} provider lists no backends.")

    async def usage(self) -> AccountUsage:
        """The account's (instance's) usage for the period as the service reports it
        (``QiskitRuntimeService.usage()``); :class:`ProviderUnavailable` if the service
        cannot be asked or reports none."""
        raise ProviderUnavailable(f"The {self.name or 'session'} provider reports no usage.")

    def push(self, on_change: ChangeListener, changed: dict[str, ServiceSession | None]) -> None:
        """Hand ``changed`` to the manager; stop following what ended or is gone."""
        for session_id, session in changed.items():
            if session is None or session.state == SessionState.CLOSED:
                self.followed.discard(session_id)
        if changed:
            on_change(changed)

    async def read(self, session_id: str) -> ServiceSession:
        """The session as the service has it now; ``NotFound`` if the service does not know
        it (a session the manager does not hold yet, or one it reattaches at start)."""
        raise NotImplementedError

    async def close(self, session_id: str) -> ServiceSession:
        """Stop accepting jobs (queued jobs still run); the session as it is then."""
        raise NotImplementedError

    async def cancel(self, session_id: str) -> ServiceSession:
        """Cancel queued jobs and end the session now; the session as it is then."""
        raise NotImplementedError

    async def cancel_job(self, job_id: str, session_id: str) -> ServiceSession:
        """Cancel one job of ``session_id``; that session as it is then."""
        raise NotImplementedError


def usage_from_report(report: dict[str, Any], read_at: str) -> AccountUsage:
    """An instance's usage report (``service.usage()``, or the body of ``GET
    /instances/usage``) as :class:`AccountUsage`. The limit is ``usage_limit_seconds``, else
    ``usage_allocation_seconds``, and the remaining seconds never below 0, as the client
    computes ``usage_remaining_seconds``; ``usage_period`` gives the period."""
    used = float(report.get("usage_consumed_seconds") or 0.0)
    limit = report.get("usage_limit_seconds") or report.get("usage_allocation_seconds") or None
    remaining = report.get("usage_remaining_seconds")
    if remaining is None and limit is not None:
        remaining = max(0.0, float(limit) - used)
    period = report.get("usage_period") or {}
    return AccountUsage(
        used_seconds=used,
        limit_seconds=limit,
        remaining_seconds=remaining,
        limit_reached=bool(report.get("usage_limit_reached")),
        period_start=to_iso(period.get("start_time")),
        period_end=to_iso(period.get("end_time")),
        plan=report.get("plan_id"),
        instance=report.get("instance_id"),
        read_at=read_at,
    )
