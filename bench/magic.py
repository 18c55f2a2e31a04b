"""What ``%%qsession`` costs on top of the client: one job per cell, through the magic and
directly, in the same IPython shell against the same emulator.

Run: ``python bench/magic.py``. A standalone emulator (no queue, no QPU overhead, so the figure
is the software path: client, emulator, Aer) serves both. Direct: a cell that runs the
client-side ``Sampler(mode=session).run(...).result()`` (program ``executor``) in a session the
user keeps. Magic: a ``%%qsession`` cell that runs ``Sampler().run(...).result()`` in the
kernel's session. An
active session holds the QPU, so the two sessions take turns in alternating blocks (each
opening its session afresh, untimed); the figure is the ratio of mean wall times per cell
(the client polls a job's status every 0.1 s, so single cells snap to that grain and medians
jump by it), measured ``--runs`` times: their median and spread are printed, and the
machine's noise shows in the spread.

First it measures what loading the magic costs a kernel (``--load`` measures only that): fresh
IPython kernels (jupyter_client) each run ``%load_ext jupyter_qsession``, reporting the kernel's
RSS before and after (ratio), the time the load took, and whether the Runtime client or
tornado's web server came with it (they must not: the first ``%%qsession`` cell imports them).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock  # noqa: E402

SETUP = """
%load_ext jupyter_qsession
from jupyter_qsession.emulator import runtime_service
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Session
from qiskit_ibm_runtime.executor_sampler import Sampler
direct_service = runtime_service()
direct_backend = direct_service.backend("fake_manila")
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=direct_backend).run(qc)
"""
# Run in a fresh kernel: its RSS, then %load_ext timed, then its RSS and what came with it.
LOAD = """
import json, sys, time
def rss_mib():
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kib / 1024
before, modules = rss_mib(), set(sys.modules)
start = time.perf_counter()
get_ipython().run_line_magic("load_ext", "jupyter_qsession")
took = time.perf_counter() - start
heavy = ("tornado.web", "tornado.httpserver", "qiskit", "qiskit_ibm_runtime")
print("LOAD", json.dumps(dict(before=before, after=rss_mib(), took=took,
      added=len(set(sys.modules) - modules), heavy=[m for m in heavy if m in sys.modules])))
"""
DIRECT = "Sampler(mode=kept).run([isa], shots=100).result()"
MAGIC = "%%qsession --backend fake_manila\nSampler().run([isa], shots=100).result()"


def timed(shell: InteractiveShell, cell: str) -> float:
    start = time.perf_counter()
    with capture_output():
        result = shell.run_cell(cell)
    elapsed = time.perf_counter() - start
    result.raise_error()
    return elapsed


def load_cost(kernels: int) -> None:
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONSTARTUP", None)  # not a kernel that loads the magic at start
    runs = []
    for _ in range(kernels):
        manager, client = start_new_kernel(kernel_name="python3", env=env)
        printed: list[str] = []
        try:
            client.execute_interactive(
                LOAD, timeout=120, output_hook=lambda msg, out=printed: out.append(
                    msg["content"].get("text", ""))
            )  # fmt: skip
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
        runs.append(json.loads("".join(printed).split("LOAD ", 1)[1].splitlines()[0]))
    before = statistics.median(run["before"] for run in runs)
    after = statistics.median(run["after"] for run in runs)
    took = statistics.median(run["took"] for run in runs)
    added = statistics.median(run["added"] for run in runs)
    heavy = sorted({name for run in runs for name in run["heavy"]}) or "none"
    print(f"%load_ext jupyter_qsession in a fresh kernel, median of {kernels}")
    print(f"  kernel RSS {before:.0f} -> {after:.0f} MiB  ratio {after / before:.3f}   "
          f"load {1000 * took:.0f} ms, {added:.0f} modules")  # fmt: skip
    print(f"  client or web server imported by the load: {heavy}")


def main(jobs: int, rounds: int, runs: int) -> None:
    emulator = Emulator(clock=WallClock(), queue_wait=0, job_overhead=0, api_key="bench")
    with EmulatorThread(emulator) as emu:
        os.environ.update(QSESSION_EMULATOR_URL=emu.url, QSESSION_EMULATOR_TOKEN="bench")
        os.environ.pop("QSESSION_BRIDGE_URL", None)
        shell = InteractiveShell.instance()
        with capture_output():
            shell.run_cell(SETUP).raise_error()
        print(
            f"One sampler job per cell, fake_manila, 100 shots: {runs} runs of {jobs} cells per "
            f"path in {rounds} alternating blocks; per run, the ratio of mean cell times"
        )
        ratios = []
        for run in range(runs):
            direct, magic = [], []
            for _ in range(rounds):
                timed(shell, "kept = Session(backend=direct_backend)\n" + DIRECT)  # warm-up
                direct += [timed(shell, DIRECT) for _ in range(jobs // rounds)]
                timed(shell, "kept.close()")  # free the QPU for the other session
                timed(shell, MAGIC.replace("fake_manila", "fake_manila --new"))
                magic += [timed(shell, MAGIC) for _ in range(jobs // rounds)]
                timed(shell, "%qsession close")
            d, m = statistics.mean(direct), statistics.mean(magic)
            medians = statistics.median(magic) / statistics.median(direct)
            ratios.append(m / d)
            print(f"  run {run + 1}: direct client, kept session {1000 * d:6.1f} ms   "
                  f"%%qsession cell {1000 * m:6.1f} ms   ratio {m / d:.3f}"
                  f"   (of medians {medians:.3f})")  # fmt: skip
    print(f"  ratio median {statistics.median(ratios):.3f}, spread {min(ratios):.3f}-"
          f"{max(ratios):.3f}   (goal <= 1.05)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4, help="alternating blocks per path")
    parser.add_argument("--runs", type=int, default=5, help="repeated measurements")
    parser.add_argument("--kernels", type=int, default=3, help="fresh kernels for the load cost")
    parser.add_argument("--load", action="store_true", help="measure only the load cost")
    args = parser.parse_args()
    load_cost(args.kernels)
    if not args.load:
        main(args.jobs, args.rounds, args.runs)
