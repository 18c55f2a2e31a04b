"""The failures a caller can act on, each with its HTTP status.

They are tornado ``HTTPError`` s, so jupyter-server's ``APIHandler`` renders any of them, raised
anywhere below a handler, as ``{"message": ...}`` with its status: the mapping happens once.
All are 4xx but one: :class:`RegistryUnavailable`, a fault of the server itself.
"""

from __future__ import annotations

from tornado.web import HTTPError


class QSessionError(HTTPError):
    """Base: ``status`` is the HTTP status, ``message`` what the user reads."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(self.status, log_message=message)
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


def unknown_session(session_id: str) -> NotFound:
    """The refusal for a session id this server does not know — and, word for word, for one
    the caller may not see, so that a refusal never tells whether someone else's exists."""
    return NotFound(f"No session {session_id!r} is registered on this server.")


def unknown_job(job_id: str) -> NotFound:
    """As :func:`unknown_session`, for a job id."""
    return NotFound(f"No job {job_id!r} belongs to a session registered on this server.")


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
