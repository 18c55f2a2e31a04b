"""Session vs job mode on the emulator, and the emulator's per-job cost vs local testing mode.

Run: ``python bench/session_vs_job.py``. Every figure is a ratio against a baseline measured in
the same run:

1. Queue wait. The seed's VQE (COBYLA over the client-side ``Estimator``'s cost, 30 iterations:
   program ``executor``) runs in job mode and in a session against the emulator with a fixed
   emulated queue. Printed: the total queue wait of each mode and ``session wait / one queue
   wait`` (physical limit 1.0: only the session's first job queues; goal <= 1.1). Emulated time
   runs ``--scale`` times faster than wall time so the run takes seconds; waits are read from
   the jobs' own timestamps.
2. Per-job cost. The same estimator job, repeated, through the emulator (queue and QPU time
   compressed to ~0) and in qiskit-ibm-runtime's local testing mode on ``FakeManilaV2``, for
   the client-side ``Estimator`` (program ``executor``) and the deprecated ``EstimatorV2``.
   Printed: wall time per job of each and the ratio emulator / local (goal <= 1.5).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import datetime

sys.path.insert(0, os.path.dirname(__file__))
# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from qiskit_ibm_runtime import EstimatorV2, Session  # noqa: E402
from qiskit_ibm_runtime.executor_estimator import Estimator  # noqa: E402
from qiskit_ibm_runtime.fake_provider import FakeManilaV2  # noqa: E402

from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock, runtime_service  # noqa: E402
from workload import run_vqe, vqe_pub  # noqa: E402


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def total_queue_wait(jobs) -> float:
    waits = []
    for job in jobs:
        stamps = job.metrics()["timestamps"]
        waits.append(epoch(stamps["running"]) - epoch(stamps["created"]))
    return sum(waits)


def queue_wait_bench(iterations: int, queue_wait: float, scale: float) -> None:
    emulator = Emulator(clock=WallClock(scale=scale), queue_wait=queue_wait)
    with EmulatorThread(emulator) as emu:
        service = runtime_service(emu.url, emulator.api_key)
        backend = service.backend("fake_manila")
        ansatz, hamiltonian = vqe_pub(backend)

        start = time.perf_counter()
        job_jobs = run_vqe(Estimator(mode=backend), ansatz, hamiltonian, iterations)
        job_wall = time.perf_counter() - start

        start = time.perf_counter()
        with Session(backend=backend) as session:
            session_jobs = run_vqe(Estimator(mode=session), ansatz, hamiltonian, iterations)
        session_wall = time.perf_counter() - start
        job_wait, session_wait = total_queue_wait(job_jobs), total_queue_wait(session_jobs)

    print(
        f"VQE (Estimator, program executor), {len(job_jobs)} / {len(session_jobs)} jobs, "
        f"emulated queue {queue_wait:g} s, "
        f"time x{scale:g}"
    )
    print(
        f"  total queue wait, job mode:      {job_wait:8.1f} s emulated "
        f"({job_wait / queue_wait:.2f} queue waits), wall {job_wall:.1f} s"
    )
    print(
        f"  total queue wait, session mode:  {session_wait:8.1f} s emulated "
        f"({session_wait / queue_wait:.2f} queue waits), wall {session_wall:.1f} s"
    )
    print(
        f"  session wait / one queue wait:   {session_wait / queue_wait:.3f}"
        "   (limit 1.0, goal <= 1.1)"
    )
    print(f"  job-mode wait / session wait:    {job_wait / session_wait:.1f}x")


def per_job(estimator, pub, repeats: int) -> float:
    estimator.run([pub]).result()  # warm-up: caches, noise model, connections
    start = time.perf_counter()
    for _ in range(repeats):
        estimator.run([pub]).result()
    return (time.perf_counter() - start) / repeats


def overhead_bench(repeats: int) -> None:
    import numpy as np

    local_backend = FakeManilaV2()
    ansatz, hamiltonian = vqe_pub(local_backend)
    params = np.random.default_rng(1).uniform(-np.pi, np.pi, ansatz.num_parameters)
    generations = {"Estimator (executor)": Estimator, "EstimatorV2": EstimatorV2}
    local = {
        name: per_job(cls(mode=local_backend), (ansatz, hamiltonian, params), repeats)
        for name, cls in generations.items()
    }

    # QPU and queue time compressed away (TTLs stretched so the session outlives the run):
    # what is left is the emulator's own cost per job.
    emulator = Emulator(
        clock=WallClock(scale=1e6),
        queue_wait=0,
        job_overhead=0,
        interactive_ttl=10**9,
        max_ttl_limit=10**9,
        empty_session_timeout=10**9,
    )
    emulated: dict[str, tuple[float, float]] = {}
    with EmulatorThread(emulator) as emu:
        backend = runtime_service(emu.url, emulator.api_key).backend("fake_manila")
        ansatz, hamiltonian = vqe_pub(backend)
        pub = (ansatz, hamiltonian, params)
        for name, cls in generations.items():
            with Session(backend=backend) as session:
                in_session = per_job(cls(mode=session), pub, repeats)
            emulated[name] = in_session, per_job(cls(mode=backend), pub, repeats)

    print(f"Per-job wall time, same estimator job on fake_manila, mean of {repeats}")
    for name in generations:
        in_session, in_job_mode = emulated[name]
        print(f"  {name}")
        print(f"    local testing mode (baseline): {local[name] * 1000:7.1f} ms")
        print(
            f"    emulator, session mode:        {in_session * 1000:7.1f} ms  "
            f"ratio {in_session / local[name]:.2f}   (goal <= 1.5)"
        )
        print(
            f"    emulator, job mode:            {in_job_mode * 1000:7.1f} ms  "
            f"ratio {in_job_mode / local[name]:.2f}   (client polls job-mode jobs every 0.5 s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--queue-wait", type=float, default=10.0, help="emulated seconds")
    parser.add_argument("--scale", type=float, default=10.0, help="emulated time speed-up")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    queue_wait_bench(args.iterations, args.queue_wait, args.scale)
    overhead_bench(args.repeats)


if __name__ == "__main__":
    main()
