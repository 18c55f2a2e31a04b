"""The emulator: scheduler + fake backends + Aer runner behind a tornado app on loopback.

It runs inside any tornado IOLoop: its own thread (:class:`EmulatorThread`, the CLI and tests)
or the Jupyter server's loop. All state changes happen on that loop; the scheduler is woken
exactly when its next event is due (no polling), or at once when a manual clock jumps.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from typing import Any

from tornado import httpserver, ioloop, web

from ..errors import BadRequest, EmulatorStateUnavailable
from . import persistence
from .auth import TokenIssuer
from .backends import BackendCatalog
from .clock import Clock, WallClock
from .feed import ChangeFeed
from .handlers import routes
from .instance import INSTANCE_CRN
from .models import Job
from .operator import operator_routes
from .primitive_runner import (
    DEFAULT_MEMORY_MB,
    DEFAULT_SIMULATION_TIMEOUT,
    DEFAULT_WORKERS,
    PreparedJob,
    PrimitiveRunner,
)
from .result_shapes import as_service_shapes
from .rules import (
    DEFAULT_EXECUTION_LANES,
    DEFAULT_INTERACTIVE_TTL,
    EMPTY_SESSION_TIMEOUT,
    MAX_TTL_LIMIT,
)
from .scheduler import QueueScheduler
from .store import EmulatorStore

log = logging.getLogger(__name__)

DEFAULT_QUEUE_WAIT = 10.0
DEFAULT_JOB_OVERHEAD = 2.0
SETTLE_TIMEOUT = 120.0  # seconds a manual clock waits for running simulations to finish


class Emulator:
    """One emulated Qiskit Runtime service. Configure it, then :meth:`start` it in a loop."""

    instance = INSTANCE_CRN

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        api_key: str | None = None,
        queue_wait: float = DEFAULT_QUEUE_WAIT,
        interactive_ttl: int = DEFAULT_INTERACTIVE_TTL,
        max_ttl_limit: int = MAX_TTL_LIMIT,
        execution_lanes: int = DEFAULT_EXECUTION_LANES,
        empty_session_timeout: int = EMPTY_SESSION_TIMEOUT,
        plan: str = "paid",
        allocation: float = 0.0,
        job_overhead: float = DEFAULT_JOB_OVERHEAD,
        simulation_workers: int = DEFAULT_WORKERS,
        simulation_memory_mb: int = DEFAULT_MEMORY_MB,
        simulation_timeout: float = DEFAULT_SIMULATION_TIMEOUT,
        state_path: str | None = None,
    ) -> None:
        if job_overhead < 0:
            raise ValueError("job_overhead must be >= 0")
        self.clock = clock or WallClock()
        self.api_key = api_key or secrets.token_urlsafe(24)
        # Opened first: the key that signs access tokens lives with the state, so the tokens
        # clients hold stay valid across a restart; an in-memory emulator makes its own.
        self.store = EmulatorStore(state_path) if state_path else None
        signing_key = self.store.signing_key() if self.store is not None else None
        self.tokens = TokenIssuer(self.api_key, signing_key=signing_key)
        self.catalog = BackendCatalog()
        self.runner = PrimitiveRunner(
            self.catalog, simulation_workers, simulation_memory_mb, simulation_timeout
        )
        self.job_overhead = job_overhead
        self.allocation = allocation  # QPU seconds the instance may use; 0: no limit
        self._scheduler_options = dict(
            queue_wait=queue_wait,
            interactive_ttl=interactive_ttl,
            max_ttl_limit=max_ttl_limit,
            execution_lanes=execution_lanes,
            empty_session_timeout=empty_session_timeout,
            plan=plan,
        )
        self.feed = ChangeFeed()
        self.scheduler = self.new_scheduler()
        self._loop: ioloop.IOLoop | None = None
        self._server: httpserver.HTTPServer | None = None
        self._wakeup: object | None = None
        self.url: str | None = None
        self._save_failing = False  # said once in the log, and once when it is over
        self._unsimulated: list[Job] = []
        if self.store is not None:
            # Queued jobs queue on; running ones whose simulation died are run again at start.
            self._unsimulated = persistence.restore(self.store, self)
        self.clock.subscribe(self._on_clock_jump)

    def new_scheduler(self) -> QueueScheduler:
        """An empty scheduler with this emulator's settings, its changes told to the feed."""
        scheduler = QueueScheduler(
            self.clock, on_job_start=self._execute, **self._scheduler_options
        )
        scheduler.listeners.append(self.feed.publish)
        return scheduler

    # ----------------------------------------------------------------- lifecycle
    def make_app(self) -> web.Application:
        return web.Application(operator_routes(self) + routes(self), log_function=_log_request)

    def start(
        self, port: int = 0, address: str = "127.0.0.1", sock: socket.socket | None = None
    ) -> str:
        """Listen on ``address:port`` (0: a free port) in the current IOLoop; return the URL.

        ``sock``: a listening socket to serve instead, bound by whoever runs this process (the
        lab's supervisor keeps it open across restarts, so clients wait in its backlog while
        no emulator runs instead of being refused)."""
        self._loop = ioloop.IOLoop.current()
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address, port))
            sock.listen(128)
        sock.setblocking(False)
        self._server = httpserver.HTTPServer(self.make_app())
        self._server.add_sockets([sock])
        host, bound = sock.getsockname()[:2]
        self.url = f"http://{host}:{bound}"
        log.info("Qiskit Runtime emulator listening on %s", self.url)
        for job in self._unsimulated:  # their simulations died with the previous process
            self._execute(job)
        self._unsimulated = []
        self.reschedule()
        return self.url

    def stop(self) -> None:
        """Stop listening and let the state file go (saved first, if the disk lets us)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._wakeup is not None and self._loop is not None:
            self._loop.remove_timeout(self._wakeup)
            self._wakeup = None
        if self.store is not None and not self.store.closed:
            self._save_if_possible()
            self.store.close()

    # ----------------------------------------------------------------- committing
    def commit(self) -> None:
        """Write every change not yet saved; :class:`.EmulatorStateUnavailable` if the disk
        refuses (the changes stay marked for the next save)."""
        if self.store is not None:
            persistence.save(self.store, self.scheduler, self.clock.now())
            if self._save_failing:
                log.warning("The emulator's state is written again")
                self._save_failing = False

    def commit_command(self) -> None:
        """Commit what a command changed, or undo it: on failure the scheduler goes back to
        the last committed state before the error is raised (the client is refused, and
        retries: nothing it was refused may stay)."""
        try:
            self.commit()
        except EmulatorStateUnavailable:
            for job in persistence.roll_back(self.store, self):
                self._execute(job)
            self.reschedule()
            raise

    def _save_if_possible(self) -> None:
        """Clock-driven changes (jobs starting, finishing): saved now, or by the next save
        that succeeds."""
        if self.store is None or self.store.closed:
            return
        try:
            self.commit()
        except EmulatorStateUnavailable as exc:
            if not self._save_failing:
                self._save_failing = True
                log.error("%s", exc.message)

    # ----------------------------------------------------------------- commands
    def submit(self, body: dict[str, Any], user_id: str = "operator") -> Job:
        backend = body.get("backend")
        if not isinstance(backend, str) or not backend:
            raise BadRequest("A job needs a 'backend'.")
        session_id = body.get("session_id")
        if session_id is not None and not isinstance(session_id, str):
            raise BadRequest("session_id must be a string.")
        self.catalog.require(backend)  # 404 for an unknown backend
        # 404/409 before decoding the payload
        self.scheduler.rules.check_accepts(session_id, backend)
        tags = body.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise BadRequest("tags must be a list of strings.")
        prepared = self.runner.prepare(str(body.get("program_id")), backend, body.get("params"))
        self._check_limits(backend, prepared)
        rep_delay = prepared.rep_delay or self.catalog.rep_delay(backend)
        duration = self.job_overhead + prepared.num_circuits * prepared.shots * rep_delay
        job = self.scheduler.submit(
            backend=backend,
            program_id=prepared.program_id,
            params=body["params"],
            duration=round(duration, 6),
            num_circuits=prepared.num_circuits,
            shots=prepared.shots,
            session_id=session_id,
            tags=tags,
            payload=prepared,
            user_id=user_id,
        )
        return job

    def _check_limits(self, backend: str, prepared: PreparedJob) -> None:
        """The backend's own limits, as its configuration states them (400 naming the limit)."""
        max_shots, max_experiments = self.catalog.limits(backend)
        if max_shots is not None and prepared.shots > max_shots:
            raise BadRequest(f"{prepared.shots} shots exceed {backend}'s max_shots of {max_shots}.")
        # Distinct circuits (PUBs, program items): their sweeps and twirling randomizations
        # are bound on the device and run within one job, as on IBM's service.
        if max_experiments is not None and prepared.num_pubs > max_experiments:
            raise BadRequest(
                f"{prepared.num_pubs} circuits exceed {backend}'s max_experiments of "
                f"{max_experiments}."
            )
        bounds = self.catalog.rep_delay_range(backend)
        if prepared.rep_delay is not None and bounds is not None:
            low, high = bounds
            if not low <= prepared.rep_delay <= high:
                raise BadRequest(
                    f"rep_delay {prepared.rep_delay} s is outside {backend}'s rep_delay_range "
                    f"[{low}, {high}] s."
                )

    # ----------------------------------------------------------------- execution
    def _execute(self, job: Job) -> None:
        """The scheduler started ``job`` on its QPU: compute its result on a worker thread."""
        prepared, job.payload = job.payload, None
        job_id, loop = job.id, self._loop
        future = self.runner.run(job_id, prepared, job.started, job.started + job.duration)

        def done(fut: Any) -> None:
            try:
                result, error = fut.result(), None
                if prepared.program_id == "estimator":
                    result = as_service_shapes(result)  # 0-d evs/stds, as the service's
            except Exception as exc:  # a failed simulation fails the job, as on the service
                result, error = f"Traceback (most recent call last):\n{exc!r}", str(exc)
            if loop is not None:
                loop.add_callback(self._finish, job_id, result, error)

        future.add_done_callback(done)

    def cancel_job(self, job_id: str) -> None:
        """Cancel a job; a running one's simulation is stopped too."""
        self.scheduler.cancel_job(job_id)
        self.runner.cancel(job_id)

    def delete_job(self, job_id: str) -> None:
        """Delete a job, also a queued or running one; a running one's simulation stops."""
        self.scheduler.delete_job(job_id)
        self.runner.cancel(job_id)

    def _finish(self, job_id: str, result: str, error: str | None) -> None:
        self.scheduler.result_ready(job_id, result, error)
        self.reschedule()

    # ----------------------------------------------------------------- manual clocks
    async def advance_clock(self, seconds: float, *, timeout: float = SETTLE_TIMEOUT) -> None:
        """Move a manual clock ``seconds`` ahead, one scheduler event at a time; run on the
        emulator's loop (``POST /api/v1/qsession/clock``, :meth:`.EmulatorThread.advance`).

        Before each step it waits for running simulations to finish, so every job completes
        at exactly its emulated end and the outcome never depends on how fast this machine is.
        """
        target = self.clock.now() + seconds
        while True:
            await self._settled(timeout)
            if not self._step_towards(target):
                break
        await self._settled(timeout)

    def _step_towards(self, target: float) -> bool:
        """Move the clock to the next scheduler event if it is due by ``target`` and return
        True; else move it to ``target`` and return False."""
        due = self.scheduler.advance()
        reached = due is None or due > target
        self.clock.advance(max(0.0, (target if reached else due) - self.clock.now()))
        self.reschedule()
        return not reached

    async def _settled(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.scheduler.settled():
            if loop.time() > deadline:
                raise BadRequest("The emulator's simulations did not finish in time.")
            await asyncio.sleep(0.005)

    # ----------------------------------------------------------------- waking up
    def _on_clock_jump(self) -> None:
        if self._loop is not None:
            self._loop.add_callback(self.reschedule)

    def reschedule(self) -> None:
        """Process due events, then sleep until the next one (wall clocks only)."""
        nxt = self.scheduler.advance()
        if self._loop is None:
            return
        if self._wakeup is not None:
            self._loop.remove_timeout(self._wakeup)
            self._wakeup = None
        self._save_if_possible()
        if nxt is None:
            return
        delay = self.clock.to_wall_delay(nxt - self.clock.now())
        if delay is not None:
            self._wakeup = self._loop.call_later(delay, self.reschedule)


def _log_request(handler: web.RequestHandler) -> None:
    """Client polling is chatty: successes at debug, refusals at info, server faults as errors."""
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.INFO if status < 500 else logging.ERROR
    request = handler.request
    log.log(
        level, "%d %s %s %.2fms", status, request.method, request.uri, 1000 * request.request_time()
    )
