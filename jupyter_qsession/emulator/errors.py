"""Errors of the emulated Runtime service, each carrying the HTTP status the real service uses."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; ``status`` is the HTTP status, ``message`` is for the user."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409
