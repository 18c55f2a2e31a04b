"""What ``%%qsession`` costs on top of the client: one job per cell, through the magic and
directly, in the same IPython shell against the same emulator.

Run: ``python bench/magic.py``. A standalone emulator (no queue, no QPU overhead, so the figure
is the software path: client, emulator, Aer) serves both. Direct: a cell that runs the
client-side ``Sampler(mode=session).run(...).result()`` (program ``executor``) in a session the
user keeps. Magic: a ``%%qsession`` cell that runs ``Sampler().run(...).result()`` in the
kernel's session. An
active session holds the QPU, so the two sessions take turns in alternating blocks (each
opening its session afresh, untimed); the figure is the ratio of mean wall times per cell.
"""

from __future__ import annotations

import argparse
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
DIRECT = "Sampler(mode=kept).run([isa], shots=100).result()"
MAGIC = "%%qsession --backend fake_manila\nSampler().run([isa], shots=100).result()"


def timed(shell: InteractiveShell, cell: str) -> float:
    start = time.perf_counter()
    with capture_output():
        result = shell.run_cell(cell)
    elapsed = time.perf_counter() - start
    result.raise_error()
    return elapsed


def main(jobs: int, rounds: int) -> None:
    emulator = Emulator(clock=WallClock(), queue_wait=0, job_overhead=0, api_key="bench")
    with EmulatorThread(emulator) as emu:
        os.environ.update(QSESSION_EMULATOR_URL=emu.url, QSESSION_EMULATOR_TOKEN="bench")
        os.environ.pop("QSESSION_BRIDGE_URL", None)
        shell = InteractiveShell.instance()
        with capture_output():
            shell.run_cell(SETUP).raise_error()
        direct, magic = [], []
        for _ in range(rounds):
            timed(shell, "kept = Session(backend=direct_backend)\n" + DIRECT)  # untimed warm-up
            direct += [timed(shell, DIRECT) for _ in range(jobs // rounds)]
            timed(shell, "kept.close()")  # free the QPU for the other session
            timed(shell, MAGIC.replace("fake_manila", "fake_manila --new"))
            magic += [timed(shell, MAGIC) for _ in range(jobs // rounds)]
            timed(shell, "%qsession close")
    d, m = statistics.mean(direct), statistics.mean(magic)
    print(
        f"One sampler job per cell, fake_manila, 100 shots, mean of {len(direct)}, {rounds} rounds"
    )
    print(f"  direct client, kept session (baseline): {1000 * d:7.1f} ms")
    print(f"  %%qsession cell, kernel's session:      {1000 * m:7.1f} ms  ratio {m / d:.3f}"
          "   (goal <= 1.05)")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4, help="alternating blocks per path")
    args = parser.parse_args()
    main(args.jobs, args.rounds)
