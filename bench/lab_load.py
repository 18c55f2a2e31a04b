"""The lab server's latency while its emulator simulates a heavy job.

Run: ``python bench/lab_load.py``. One :class:`lab_process.LabServer` with the extension (queue
wait and job overhead 0); a random circuit (``--qubits``, ``--depth``) on ``fake_brisbane``,
submitted with the unmodified client (``runtime_service(url, key)``, the URL from the lab's
``emulator.json``, its operator key from ``operator.key``), run once with 10 shots so a
simulation worker is up, then with ``--shots``. Figures: ``GET /api/status`` (and the
sidebar's ``GET /qsession/api/sessions``) p50/p99 while the job runs ÷ the same calls while
the emulator idles (half the rounds before the job, half after), in the same lab.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from lab_process import SETTLE, LabServer, load, percentile, rss_mb
from processes import descendants  # tests/, on the path through lab_process

warnings.filterwarnings("ignore", category=DeprecationWarning)
logging.getLogger("qiskit_ibm_runtime").setLevel(logging.ERROR)


def sample(lab: LabServer, count: int, until: Callable[[], bool] = lambda: False) -> dict:
    """``count`` rounds of GET /api/status and GET /qsession/api/sessions, 20 ms apart."""
    times: dict[str, list[float]] = {"/api/status": [], "/qsession/api/sessions": []}
    for index in range(count):
        if index % 25 == 0 and until():
            break
        for path, latencies in times.items():
            start = time.perf_counter()
            assert lab.get(path).status_code == 200
            latencies.append(1000 * (time.perf_counter() - start))
        time.sleep(0.02)
    return times


def heavy_job(url: str, key: str, qubits: int, depth: int, shots: int):
    """A random circuit for fake_brisbane, run first as two 50-shot jobs side by side (so both
    simulation workers are up when the figures start); return a function that submits it
    with ``shots``."""
    from qiskit.circuit.random import random_circuit
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2

    from jupyter_qsession.emulator import runtime_service

    backend = runtime_service(url, key).backend("fake_brisbane")
    circuit = random_circuit(qubits, depth, max_operands=2, measure=True, seed=7)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend, seed_transpiler=7)
    isa = pm.run(circuit)
    warm_up = [SamplerV2(mode=backend).run([isa], shots=50) for _ in range(2)]
    for job in warm_up:
        job.result()
    return lambda: SamplerV2(mode=backend).run([isa], shots=shots)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def under_load(count: int, qubits: int, depth: int, shots: int) -> None:
    options = ("--QSessionEmulator.queue_wait=0", "--QSessionEmulator.job_overhead=0")
    with tempfile.TemporaryDirectory() as tmp:
        lab = LabServer(Path(tmp), options=options)
        try:
            lab.start()
            lab.wait_for_emulator()
            info = json.loads((lab.emulator_dir / "emulator.json").read_text())
            key = (lab.emulator_dir / "operator.key").read_text().strip()
            submit = heavy_job(info["url"], key, qubits, depth, shots)
            time.sleep(SETTLE)
            idle = sample(lab, count // 2)
            job = submit()
            while job.status() != "RUNNING":
                time.sleep(0.05)
            started = time.perf_counter()
            workers = {pid: cpu_seconds(pid) for pid in descendants(info["pid"])}
            busy = sample(lab, 10**6, until=lambda: job.status() != "RUNNING")
            ran = time.perf_counter() - started
            used = {
                pid: cpu_seconds(pid) - workers.get(pid, 0.0) for pid in descendants(info["pid"])
            }
            sizes = {pid: rss_mb(pid) for pid in workers}
            assert job.status() == "DONE", job.status()
            after = load()
            time.sleep(SETTLE)
            for path, latencies in sample(lab, count - count // 2).items():
                idle[path] += latencies  # the baseline: idle before and after the job
        finally:
            lab.stop()
    print(
        f"GET latency, idle (baseline) vs while the emulator simulates a {qubits}-qubit, "
        f"depth-{depth} random circuit, {shots} shots, on fake_brisbane"
    )
    for path in idle:
        i50, i99 = percentile(idle[path], 0.5), percentile(idle[path], 0.99)
        b50, b99 = percentile(busy[path], 0.5), percentile(busy[path], 0.99)
        print(f"  {path:24s} idle p50 {i50:6.2f} ms p99 {i99:6.2f} ms   busy p50 {b50:6.2f} ms "
              f"p99 {b99:6.2f} ms   ratio p50 {b50 / i50:.2f} p99 {b99 / i99:.2f}"
              + ("   (goal <= 1.5)" if path == "/api/status" else ""))  # fmt: skip
    worker = max(used, key=used.get)
    print(
        f"  {len(idle['/api/status'])} rounds idle (before and after the job), "
        f"{len(busy['/api/status'])} while it ran ({ran:.1f} s; its worker used "
        f"{used[worker]:.1f} CPU s, "
        f"{used[worker] / ran:.2f} cores, RSS {sizes[worker]:.0f} MB)"
    )
    print(f"  ({after}, just after)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=600, help="GET rounds while idle")
    parser.add_argument("--qubits", type=int, default=12)
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--shots", type=int, default=1000)
    args = parser.parse_args()
    print(f"({load()} at the start)")
    under_load(args.samples, args.qubits, args.depth, args.shots)
