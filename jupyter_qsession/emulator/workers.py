"""Simulations in worker processes, so a job can only ever take down its own worker.

Each worker is a long-lived process (qiskit and Aer imported once) that runs one simulation at
a time. Its parent watches it: a worker whose resident memory passes the limit, or whose
simulation runs longer than the time limit, is killed and its job fails with that reason;
cancelling a running job kills its worker. A worker that dies otherwise (a crash, the OOM
killer, a kill from outside) is the service's failure, not the user's: its job runs again once
on a fresh worker, with the same emulated times, and fails only if that worker dies too. A
killed worker is replaced on next use. Workers die with their emulator (see .lifeline).

Workers are shared by every emulator of a process (tests start many), created on first use.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from .lifeline import PROCESS_NAME, tie_to_parent

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
RUNS_PER_JOB = 2  # a job whose worker died runs once more on a fresh one ("died twice")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class SimulationFailed(Exception):
    """The job's simulation failed; ``str()`` is the reason its logs give."""


class SimulationCancelled(Exception):
    """The job was cancelled while it ran; its worker was stopped."""


class WorkerDied(Exception):
    """The worker died while it had the job, not by our own kill: ``how`` says how."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(exitcode)
        self.how = _how_it_ended(exitcode)


@dataclass
class Task:
    job_id: str
    program_id: str
    backend: str
    params: Any
    started: float
    finished: float
    future: Future = field(default_factory=Future)
    cancelled: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None  # the worker process that has it, while one has


def _worker_main(conn: Any, memory_mb: int, parent_pid: int) -> None:
    """A worker process: decode each task again (what crosses the pipe is the request's own
    JSON) and simulate it."""
    tie_to_parent(parent_pid)  # before the imports, which take seconds
    from .backends import BackendCatalog
    from .primitive_runner import PrimitiveRunner
    from .simulation import simulate

    runner = PrimitiveRunner(BackendCatalog())
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        program_id, backend, params, started, finished = message
        try:
            prepared = runner.prepare(program_id, backend, params)
            conn.send(("ok", simulate(runner, prepared, started, finished, memory_mb)))
        except MemoryError:
            conn.send(("error", f"The simulation ran out of memory (limit {memory_mb} MiB)."))
        except Exception as exc:  # the job fails with the reason, the worker lives on
            reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            conn.send(("error", f"{reason}\n{traceback.format_exc(limit=3)}"))


class _Worker:
    """One process and the pipe to it; started on first use and after it was killed."""

    def __init__(self, memory_mb: int, timeout: float) -> None:
        self.memory_mb = memory_mb
        self.timeout = timeout
        self.process: Any = None
        self.conn: Any = None

    def _ensure(self) -> None:
        if self.process is not None and self.process.is_alive():
            return
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main,
            args=(child, self.memory_mb, os.getpid()),
            name=PROCESS_NAME,
            daemon=True,
        )
        self.process.start()
        child.close()
        self.conn = parent

    def run(self, task: Task) -> str:
        """The task's encoded result; :class:`WorkerDied` when the process died on it."""
        self._ensure()
        task.pid = self.process.pid
        try:
            self.conn.send(
                (task.program_id, task.backend, task.params, task.started, task.finished)
            )
        except OSError:  # it died before the task reached it
            raise self._died() from None
        deadline = time.monotonic() + self.timeout
        while not self.conn.poll(POLL_SECONDS):
            if time.monotonic() > deadline:
                self.kill()
                raise SimulationFailed(
                    f"The simulation took longer than the emulator's limit of {self.timeout:g} s "
                    "(c.QSessionEmulator.simulation_timeout) and was stopped: the circuit is "
                    "too wide and entangled to simulate here."
                )
            if task.cancelled.is_set():
                self.kill()
                raise SimulationCancelled(task.job_id)
            if not self.process.is_alive():
                raise self._died()
            if self._rss_mb() > self.memory_mb:
                self.kill()
                raise SimulationFailed(
                    f"The simulation needed more than the emulator's memory limit of "
                    f"{self.memory_mb} MiB (c.QSessionEmulator.simulation_memory_mb) and was "
                    "stopped: the circuit is too wide and entangled to simulate here."
                )
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            raise self._died() from None
        if status != "ok":
            raise SimulationFailed(payload)
        return payload

    def _died(self) -> WorkerDied:
        self.process.join(timeout=5)  # reaped, so its exit code is known
        died = WorkerDied(self.process.exitcode)
        self.kill()
        return died

    def _rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/statm", encoding="ascii") as statm:
                return int(statm.read().split()[1]) * PAGE / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.process = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(timeout=2)
            except (OSError, BrokenPipeError):
                pass
        self.kill()


class SimulationWorkers:
    """A fixed number of worker processes fed from one queue."""

    def __init__(self, size: int, memory_mb: int, timeout: float) -> None:
        self.size = size
        self.memory_mb = memory_mb
        self._queue: queue.Queue[Task | None] = queue.Queue()
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()
        self._workers = [_Worker(memory_mb, timeout) for _ in range(size)]
        self._threads = [
            threading.Thread(target=self._serve, args=(w,), name="qsession-sim", daemon=True)
            for w in self._workers
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job_id: str, program_id: str, backend: str, params: Any, started: float,
               finished: float) -> Future:  # fmt: skip
        """Queue a simulation; the future gives the encoded result or raises
        :class:`SimulationFailed` / :class:`SimulationCancelled`."""
        task = Task(job_id, program_id, backend, params, started, finished)
        with self._lock:
            self._tasks[job_id] = task
        self._queue.put(task)
        return task.future

    def cancel(self, job_id: str) -> None:
        """Stop the job's simulation, queued or running (its worker is killed and replaced)."""
        with self._lock:
            task = self._tasks.get(job_id)
        if task is not None:
            task.cancelled.set()

    def _serve(self, worker: _Worker) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                worker.stop()
                return
            try:
                task.future.set_result(self._run(worker, task))
            except BaseException as exc:  # every outcome reaches the job
                task.future.set_exception(exc)
            finally:
                with self._lock:
                    self._tasks.pop(task.job_id, None)

    def _run(self, worker: _Worker, task: Task) -> str:
        deaths: list[str] = []
        while True:
            if task.cancelled.is_set():
                raise SimulationCancelled(task.job_id)
            try:
                return worker.run(task)
            except WorkerDied as died:
                deaths.append(died.how)
            task.pid = None
            if len(deaths) == RUNS_PER_JOB:
                raise SimulationFailed(
                    f"The simulation process died twice running this job "
                    f"({', then '.join(deaths)}), e.g. out of memory; it was not run again."
                )
            log.warning(
                "Job %s: its simulation process died (%s); running it again on a fresh one.",
                task.job_id,
                deaths[-1],
            )

    def pid_of(self, job_id: str) -> int | None:
        """The pid of the worker process simulating ``job_id``, if one is (operators, tests)."""
        with self._lock:
            task = self._tasks.get(job_id)
        return None if task is None else task.pid

    def shutdown(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)


_shared: dict[tuple[int, int, float], SimulationWorkers] = {}
_shared_lock = threading.Lock()


def shared_workers(size: int, memory_mb: int, timeout: float) -> SimulationWorkers:
    """The process's workers for these limits (emulators of one process share them)."""
    with _shared_lock:
        key = (size, memory_mb, timeout)
        if key not in _shared:
            _shared[key] = SimulationWorkers(size, memory_mb, timeout)
        return _shared[key]


@atexit.register
def _stop_shared() -> None:
    for workers in _shared.values():
        workers.shutdown()


def _how_it_ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            pass
    return f"exit code {exitcode}"
