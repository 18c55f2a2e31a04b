"""Tornado handlers for the subset of the Qiskit Runtime REST API that qiskit-ibm-runtime calls.

Handlers are thin: parse, call the scheduler, render. Every refusal is a :class:`QSessionError`
turned into the service's JSON error body with its 4xx status, once, in ``write_error``.

Nothing is acknowledged that is not on disk: a request that changes state (POST, PUT, PATCH,
DELETE) first commits what changed before it (clock events; a 503 if the disk refuses, before
anything is touched), then its command runs, and its changes are committed in ``finish``
before a byte of the answer is written. If that commit fails the command is undone
(:meth:`.Emulator.commit_command`) and the answer is the 503 of
:class:`.EmulatorStateUnavailable`, so a client retrying it cannot make a duplicate.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tornado import web

from ..errors import BadRequest, Conflict, NotFound, QSessionError
from . import failpoints
from .auth import OPERATOR
from .models import Job, Session
from .query_args import BOOLEAN, SORTS, choice_arg, int_arg, time_arg
from .request_body import parse_object

if TYPE_CHECKING:
    from .emulator import Emulator

API = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
CHANGING = ("POST", "PUT", "PATCH", "DELETE")


class EmulatorHandler(web.RequestHandler):
    """Base: bearer auth, state brought up to the current time, JSON in and out."""

    requires_auth = True
    # Whether a failed commit undoes the request's changes: yes for commands, which run in
    # one loop callback right after a commit; no for what the clock does (ClockHandler).
    undo_on_failure = True
    _changing = False
    _committed = False

    def initialize(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.scheduler = emulator.scheduler

    user = ""

    def prepare(self) -> None:
        if self.requires_auth:
            self.user = self.emulator.tokens.check(self.request.headers.get("Authorization"))
        self.scheduler.advance()
        if self.request.method in CHANGING:
            self.begin_change()

    def begin_change(self) -> None:
        """Commit what is pending (503 if the disk refuses, before anything changed), so that
        the changes this request makes are all its commit in :meth:`finish` has to write."""
        self.emulator.commit()
        self._changing = True

    def finish(self, chunk: Any = None) -> Any:
        """Commit the request's changes, then answer (:mod:`.failpoints` may kill in between)."""
        if not self._changing or self.get_status() >= 400:
            return super().finish(chunk)
        self._changing = False  # the 503 that a failure sends goes through here again
        if self.undo_on_failure:
            self.emulator.commit_command()
        else:
            self.emulator.commit()
        failpoints.reached(failpoints.AFTER_COMMIT, self.request.path)
        self._committed = True
        return super().finish(chunk)

    def on_finish(self) -> None:
        """The answer is written (tornado writes a small one at once): nothing after it may
        be needed to keep what it acknowledged."""
        if self._committed:
            failpoints.reached(failpoints.AFTER_RESPONSE, self.request.path)
        self.emulator.reschedule()

    @property
    def is_operator(self) -> bool:
        return self.user == OPERATOR

    def own_job(self, job_id: str) -> Job:
        """The caller's job; another user's is "not found", exactly like an unknown one."""
        job = self.scheduler.job(job_id)
        if not self.is_operator and job.user_id != self.user:
            raise NotFound(f"Job not found: {job_id}")
        return job

    def own_session(self, session_id: str) -> Session:
        session = self.scheduler.session(session_id)
        if not self.is_operator and session.user_id != self.user:
            raise NotFound(f"Session not found: {session_id}")
        return session

    def json_body(self) -> dict[str, Any]:
        return parse_object(self.request.body)

    def send(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, QSessionError):
            message = exc.message
        elif isinstance(exc, web.HTTPError):
            message = http_message(exc) or self._reason
        else:
            message = "Internal error in the emulator."
        if status_code == 405:  # RFC 9110: a 405 lists the methods the resource has
            self.set_header("Allow", ", ".join(m.upper() for m in self.methods()))
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "errors": [{"code": str(status_code), "message": message, "more_info": ""}],
                    "message": message,
                    "status_code": status_code,
                    "trace": "",
                }
            )
        )

    @classmethod
    def methods(cls) -> list[str]:
        """The HTTP methods this handler serves (lower case)."""
        return [m for m in METHODS if getattr(cls, m) is not getattr(web.RequestHandler, m)]

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, QSessionError):
            self.send_error(e.status, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


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


def http_message(exc: web.HTTPError) -> str | None:
    """A tornado error's message as written: its arguments filled in, and no '%' doubled
    (tornado 6.5's ``log_message`` doubles them in a message without arguments)."""
    get_message = getattr(exc, "get_message", None)  # tornado >= 6.5
    if get_message is not None:
        return get_message()
    return exc.log_message % exc.args if exc.args else exc.log_message


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
