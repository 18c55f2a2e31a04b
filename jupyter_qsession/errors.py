"""The one exception tree of jupyter-qsession: every refusal the emulator, the lab server or the
kernel can act on, each with the HTTP status it is answered with.

Plain exceptions (no tornado): the emulator's and the lab server's handlers each turn them into
an HTTP answer in one place, ``{"message": ...}`` with ``status``. All are 4xx but two:
:class:`RegistryUnavailable` and :class:`EmulatorStateUnavailable`, faults of the lab server's
or the emulator's own disk.
"""

from __future__ import annotations


class QSessionError(Exception):
    """Base: ``status`` is the HTTP status, ``message`` what the user reads."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadRequest(QSessionError):
    status = 400


class NotAuthenticated(QSessionError):
    status = 401


class Forbidden(QSessionError):
    status = 403


class NotFound(QSessionError):
    status = 404


class Conflict(QSessionError):
    """The session or job has already ended, or does not accept what was asked."""

    status = 409


class ProviderUnavailable(QSessionError):
    """The Qiskit Runtime service cannot be reached; nothing was changed. 424: a request this
    one depends on failed (the project's rule: bad input and unreachable services are 4xx)."""

    status = 424


class RegistryUnavailable(QSessionError):
    """The session registry (``c.QSessionApp.registry_path``) cannot be read or written.

    503, not a 4xx: nothing is wrong with the request; this server cannot keep sessions until
    an administrator moves the file away or points ``registry_path`` elsewhere and restarts
    it. Every route that needs sessions — the kernel bridge's included — answers it; ``/info``
    carries the same message in ``registry_error`` instead, so the sidebar can show it.
    """

    status = 503

    @classmethod
    def at(cls, path: str, problem: str, *, file_kept: bool = True) -> RegistryUnavailable:
        """``problem`` completes "The session registry at PATH …"."""
        advice = (
            "It was left as is for inspection: move it away, or set "
            "c.QSessionApp.registry_path to another file, and restart the server."
            if file_kept
            else "Set c.QSessionApp.registry_path to a file in a writable folder and restart "
            "the server."
        )
        return cls(f"The session registry at {path} {problem}. {advice}")


class EmulatorStateUnavailable(QSessionError):
    """The emulator cannot commit (or open) its state file: the disk is full or read-only, or
    another emulator process holds the file.

    503: nothing is wrong with the request, and nothing of it was kept (the emulator commits a
    change before it answers, and forgets a change it could not commit), so the client may
    send it again; qiskit-ibm-runtime retries a 503 by itself. Reads go on meanwhile, and new
    work is taken again as soon as the disk takes writes.
    """

    status = 503


def from_status(status: int, message: str) -> QSessionError:
    """The error a service's HTTP answer stands for (what a client of our REST APIs raises):
    401/403/404/409/503 as themselves, another 4xx as :class:`BadRequest`, anything else (5xx,
    no answer) as :class:`ProviderUnavailable`."""
    known = {
        cls.status: cls
        for cls in (NotAuthenticated, Forbidden, NotFound, Conflict, RegistryUnavailable)
    }
    if status in known:
        return known[status](message)
    if 400 <= status < 500:
        return BadRequest(message)
    return ProviderUnavailable(message)
