"""Tornado handlers for the subset of the Qiskit Runtime REST API that qiskit-ibm-runtime calls.

Handlers are thin: parse, call the scheduler, render. Every refusal is a :class:`QSessionError`
turned into the service's JSON error body with its 4xx status, once, in ``write_error``.

What a request changes is committed before it is answered (:mod:`.request_handler`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tornado import web

from ..errors import BadRequest, Conflict
from .query_args import BOOLEAN, SORTS, choice_arg, int_arg, time_arg
from .request_handler import METHODS as METHODS
from .request_handler import EmulatorHandler

if TYPE_CHECKING:
    from .emulator import Emulator

API = "/api/v1"


class TokenHandler(EmulatorHandler):
    """``POST /identity/token``: IBM Cloud IAM's API-key grant (changes nothing)."""

    requires_auth = False

    def begin_change(self) -> None:
        return None

    def check_xsrf_cookie(self) -> None:  # form posts from the client carry no cookie
        return None

    def post(self) -> None:
        self.send(
            self.emulator.tokens.exchange(
                self.get_body_argument("grant_type", None), self.get_body_argument("apikey", None)
            )
        )


class BackendsHandler(EmulatorHandler):
    def get(self) -> None:
        catalog = self.emulator.catalog
        devices = [
            {
                "name": name,
                "status": {"name": "online", "reason": "available"},
                "qubits": catalog.num_qubits(name),
                "queue_length": self.scheduler.queue.length(name),
                "class": "fake",
            }
            for name in catalog.names()
        ]
        self.send({"devices": devices})


class BackendHandler(EmulatorHandler):
    def get(self, name: str, what: str) -> None:
        catalog = self.emulator.catalog
        if what == "configuration":
            self.send(catalog.configuration(name))
        elif what == "properties":
            self.send(catalog.properties(name))
        else:
            catalog.require(name)  # 404 for an unknown backend
            self.send(
                {
                    "state": True,
                    "status": "active",
                    "message": "available",
                    "length_queue": self.scheduler.queue.length(name),
                    "backend_version": "1.0.0",
                }
            )


class JobsHandler(EmulatorHandler):
    def post(self) -> None:
        body = self.json_body()
        private = body.get("private", False)
        if not isinstance(private, bool):
            raise BadRequest("private must be true or false.")
        if isinstance(body.get("session_id"), str):
            self.own_session(body["session_id"])  # someone else's is not found
        job = self.emulator.submit(body, user_id=self.user)
        # The client sends ``options.environment.private`` as ``"private": true``: its params
        # are never returned and its results can be read once (JobResultsHandler).
        job.private = private
        reply = {"id": job.id, "backend": job.backend, "session_id": job.session_id}
        if private:
            reply["private"] = True
        self.send(reply)

    def get(self) -> None:
        """``GET /jobs`` with the filters of the REST reference; ``created_after`` and
        ``created_before`` are ISO 8601 timestamps, both bounds included (the client sends
        them in UTC: https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/jobs).
        ``pending=true`` and ``created_after`` start from the scheduler's indexes, so a
        discovery look costs the same however many jobs the account finished before."""
        after = time_arg(self, "created_after")
        before = time_arg(self, "created_before")
        pending = choice_arg(self, "pending", BOOLEAN)
        if pending == "true":
            jobs = self.scheduler.pending_jobs()
        elif after is not None:
            jobs = self.scheduler.jobs_created_since(after)
        else:
            jobs = list(self.scheduler.jobs.values())
        if not self.is_operator:
            jobs = [j for j in jobs if j.user_id == self.user]
        if after is not None:
            jobs = [j for j in jobs if j.created >= after]
        if before is not None:
            jobs = [j for j in jobs if j.created <= before]
        session_id = self.get_query_argument("session_id", None)
        backend = self.get_query_argument("backend", None)
        choice_arg(self, "exclude_params", BOOLEAN)  # lists never carry params
        program = self.get_query_argument("program", None)
        tags = self.get_query_arguments("tags")
        if session_id:
            jobs = [j for j in jobs if j.session_id == session_id]
        if backend:
            jobs = [j for j in jobs if j.backend == backend]
        if pending is not None:
            jobs = [j for j in jobs if (not j.final) == (pending == "true")]
        if program:
            jobs = [j for j in jobs if j.program_id == program]
        if tags:
            jobs = [j for j in jobs if set(tags) <= set(j.tags)]
        jobs.sort(key=lambda j: j.created, reverse=choice_arg(self, "sort", SORTS) != "ASC")
        offset = int_arg(self, "offset", 0)
        limit = int_arg(self, "limit", 200)
        page = jobs[offset : offset + limit]
        rendered = [
            j.to_api(include_params=False, queue_position=self.scheduler.queue_position(j))
            for j in page
        ]
        self.send({"jobs": rendered, "count": len(jobs), "limit": limit, "offset": offset})


class JobHandler(EmulatorHandler):
    def get(self, job_id: str) -> None:
        job = self.own_job(job_id)
        include = choice_arg(self, "exclude_params", BOOLEAN) != "true"
        self.send(
            job.to_api(include_params=include, queue_position=self.scheduler.queue_position(job))
        )

    def delete(self, job_id: str) -> None:
        self.own_job(job_id)
        self.emulator.delete_job(job_id)
        self.set_status(204)
        self.finish()


class JobResultsHandler(EmulatorHandler):
    def get(self, job_id: str) -> None:
        job = self.own_job(job_id)
        if not job.final:
            raise Conflict(f"Job {job_id} is {job.status.lower()}: its results are not ready yet.")
        if job.private:
            # A private job's results "can only be read once": deleted after the first read.
            # The client's integration test run on the service (test_private_option) expects
            # the second read to succeed empty (``assert not job.result()``), not a 4xx.
            if job.results_read:
                self.set_status(204)
                self.finish()
                return
            self.begin_change()  # the read deletes the result: committed before it is sent
            job.results_read = True
            result, job.result = job.result, None
            self.scheduler.unsaved.job(job.id)
        else:
            result = job.result
        if result is None:  # failed or cancelled: why, as text
            self.set_header("Content-Type", "text/plain")
            self.finish(job.reason or "")
            return
        self.set_header("Content-Type", "application/json")
        self.finish(result)


class JobCancelHandler(EmulatorHandler):
    def post(self, job_id: str) -> None:
        self.own_job(job_id)
        self.emulator.cancel_job(job_id)
        self.set_status(204)
        self.finish()


class JobMetricsHandler(EmulatorHandler):
    def get(self, job_id: str) -> None:
        job = self.own_job(job_id)
        self.send(
            job.metrics(
                queue_position=self.scheduler.queue_position(job), now=self.scheduler.clock.now()
            )
        )


class JobLogsHandler(EmulatorHandler):
    def get(self, job_id: str) -> None:
        job = self.own_job(job_id)
        self.set_header("Content-Type", "text/plain")
        self.finish(f"{job.status}: {job.reason}\n" if job.reason else f"{job.status}\n")


class JobTagsHandler(EmulatorHandler):
    def put(self, job_id: str) -> None:
        job = self.own_job(job_id)
        tags = self.json_body().get("tags")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise BadRequest("tags must be a list of strings.")
        job.tags = tags
        self.scheduler.unsaved.job(job.id)
        self.set_status(204)
        self.finish()


class SessionsHandler(EmulatorHandler):
    def post(self) -> None:
        body = self.json_body()
        backend = body.get("backend")
        if not isinstance(backend, str) or not backend:
            raise BadRequest("A session needs a 'backend'.")
        self.emulator.catalog.require(backend)  # 404 for an unknown backend
        session = self.scheduler.create_session(
            backend, body.get("mode", "dedicated"), body.get("max_ttl"), user_id=self.user
        )
        self.send(session.to_api(elapsed_time=0.0))


class SessionHandler(EmulatorHandler):
    def get(self, session_id: str) -> None:
        session = self.own_session(session_id)
        self.send(session.to_api(elapsed_time=self.scheduler.session_usage(session)))

    def patch(self, session_id: str) -> None:
        body = self.json_body()
        if body.get("accepting_jobs") is not False:
            raise BadRequest("Only {'accepting_jobs': false} (close the session) is supported.")
        self.own_session(session_id)
        self.scheduler.close_session(session_id)
        self.set_status(204)
        self.finish()


class SessionCancelHandler(EmulatorHandler):
    """``DELETE /sessions/{id}/close``: the client's ``Session.cancel()``."""

    def delete(self, session_id: str) -> None:
        self.own_session(session_id)
        self.scheduler.cancel_session(session_id)
        self.set_status(204)
        self.finish()


class UsageHandler(EmulatorHandler):
    def get(self) -> None:
        """``GET /instances/usage`` (:meth:`UsageMeter.instance_usage_report`)."""
        emulator = self.emulator
        self.send(self.scheduler.instance_usage_report(emulator.allocation, emulator.instance))


ID = r"([A-Za-z0-9_.-]{1,100})"


def routes(emulator: Emulator) -> list[tuple[str, type, dict]]:
    kw = {"emulator": emulator}
    return [
        (r"/identity/token", TokenHandler, kw),
        (rf"{API}/backends", BackendsHandler, kw),
        (rf"{API}/backends/{ID}/(configuration|properties|status)", BackendHandler, kw),
        (rf"{API}/jobs", JobsHandler, kw),
        (rf"{API}/jobs/{ID}", JobHandler, kw),
        (rf"{API}/jobs/{ID}/results", JobResultsHandler, kw),
        (rf"{API}/jobs/{ID}/cancel", JobCancelHandler, kw),
        (rf"{API}/jobs/{ID}/metrics", JobMetricsHandler, kw),
        (rf"{API}/jobs/{ID}/logs", JobLogsHandler, kw),
        (rf"{API}/jobs/{ID}/tags", JobTagsHandler, kw),
        (rf"{API}/sessions", SessionsHandler, kw),
        (rf"{API}/sessions/{ID}", SessionHandler, kw),
        (rf"{API}/sessions/{ID}/close", SessionCancelHandler, kw),
        (rf"{API}/instances/usage", UsageHandler, kw),
        (r"/.*", NotFoundHandler, kw),
    ]


class NotFoundHandler(EmulatorHandler):
    requires_auth = False

    def prepare(self) -> None:
        raise web.HTTPError(404, f"No such endpoint: {self.request.method} {self.request.path}")
