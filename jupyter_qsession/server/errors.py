"""The failures a caller can act on, each with its HTTP status.

They are tornado ``HTTPError`` s, so jupyter-server's ``APIHandler`` renders any of them, raised
anywhere below a handler, as ``{"message": ...}`` with its status: the mapping happens once.
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
