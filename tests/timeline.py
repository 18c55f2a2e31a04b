"""Reading the service's timestamps back as epoch seconds, to compare them exactly."""

from __future__ import annotations

from datetime import datetime


def epoch(stamp: str | None) -> float | None:
    return None if stamp is None else datetime.fromisoformat(stamp).timestamp()


def ran(job) -> tuple[float, float | None, float | None]:
    """(created, running, finished) of a client job, from ``job.metrics()``."""
    stamps = job.metrics()["timestamps"]
    return epoch(stamps["created"]), epoch(stamps["running"]), epoch(stamps["finished"])


def queue_wait(job) -> float:
    created, running, _ = ran(job)
    return running - created
