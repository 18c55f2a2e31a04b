"""What the session manager needs from a Qiskit Runtime service, whichever it is.

A provider is a configurable class (``c.QSessionApp.provider_class``), with its own settings
(``c.<ProviderClass>.…``). It pushes the sessions that changed, whole — the manager stores
what it is given and reads nothing back — and answers each command with the session as the
command left it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

from traitlets import Unicode
from traitlets.config import LoggingConfigurable

from ...vocabulary import SessionState
from ..models import ServiceSession

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

    def follow(self, session_ids: Iterable[str]) -> None:
        """The open sessions the manager holds: a provider that polls reads these, one whose
        service restarted pushes them again. A provider stops following a session once it
        pushed it closed or gone."""
        self.followed.update(session_ids)

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
