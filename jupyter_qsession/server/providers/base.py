"""What the session manager needs from a Qiskit Runtime service, whichever it is."""

from __future__ import annotations

import abc
from collections.abc import Callable

from ..models import ServiceSession

# Called with the ids of sessions whose state may have changed.
ChangeListener = Callable[[set[str]], None]


class Provider(abc.ABC):
    """A Qiskit Runtime service seen from the Jupyter server.

    ``pushes`` says whether the provider reports changes itself (the embedded emulator) or the
    manager must re-read open sessions every ``refresh_interval`` (a remote service).
    """

    name: str
    pushes: bool

    @property
    def notices(self) -> list[str]:
        """What the user should know about the service itself (e.g. it was restarted)."""
        return []

    @abc.abstractmethod
    async def start(self, on_change: ChangeListener) -> None:
        """Connect; from now on call ``on_change`` for pushed changes (if ``pushes``)."""

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    def kernel_env(self) -> dict[str, str]:
        """Environment that lets a kernel's qiskit-ibm-runtime client reach this service."""

    @abc.abstractmethod
    async def fetch(self, session_id: str, *, fresh: bool = False) -> ServiceSession:
        """The session's current state and jobs; ``NotFound`` if the service does not know it.
        ``fresh``: read the service now, even if it pushed a change not yet read."""

    @abc.abstractmethod
    async def close(self, session_id: str) -> None:
        """Stop accepting jobs; queued jobs still run."""

    @abc.abstractmethod
    async def cancel(self, session_id: str) -> None:
        """Cancel queued jobs and end the session now."""

    @abc.abstractmethod
    async def cancel_job(self, job_id: str) -> str:
        """Cancel one job; return the id of its session (``NotFound`` if it has none)."""
