"""The chaos soak (issue 18): nothing acknowledged is lost, nothing sticks, no 5xx, no 401.

Run: ``python bench/soak.py`` (as root, for the unwritable-state phase). ``--clients`` client
processes through the unmodified qiskit-ibm-runtime client submit ``--jobs`` tagged jobs in
rounds through job mode, sessions and batches and both primitive generations (SamplerV2 /
EstimatorV2 and the client-side executor Sampler / Estimator), against the durable emulator
process run by the lab's own supervisor (wall clock, short queue wait and TTLs). After a calm
share of the jobs, the emulator is killed with SIGKILL ``--emulator-kills`` times (the
supervisor restarts it on its state, on the same socket) and kills itself at each of
``--failpoints`` (default: after committing a job, before answering), a simulation worker
``--worker-kills`` times, and the state directory (a tmpfs) refuses writes for ``--unwritable``
seconds. The same code runs in tests/test_soak.py (a few hundred jobs); it lives in
tests/soak_chaos.py, tests/soak_clients.py and tests/soak_audit.py.

Figures: the counts, the time to answer again after each kill, and jobs acknowledged per second
during the chaos ÷ during the calm phase of the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))
warnings.filterwarnings("ignore")

from soak_chaos import Plan, run_soak  # noqa: E402


def main() -> int:
    plan = Plan()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=plan.clients)
    parser.add_argument("--jobs", type=int, default=plan.jobs)
    parser.add_argument("--emulator-kills", type=int, default=plan.emulator_kills)
    parser.add_argument("--worker-kills", type=int, default=plan.worker_kills)
    parser.add_argument(
        "--failpoints",
        default=",".join(plan.failpoints),
        help="more emulator kills, each at this failpoint of a job submission (comma-separated)",
    )
    parser.add_argument("--unwritable", type=float, default=plan.unwritable, help="seconds")
    args = parser.parse_args()
    plan = Plan(
        clients=args.clients,
        jobs=args.jobs,
        emulator_kills=args.emulator_kills,
        worker_kills=args.worker_kills,
        failpoints=tuple(point for point in args.failpoints.split(",") if point),
        unwritable=args.unwritable,
    )
    print(f"== soak: {plan.clients} clients, {plan.jobs} jobs, chaos: {plan.events()}")
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        findings = run_soak(plan, Path(folder), say=partial(print, flush=True))
    print(f"ran {time.monotonic() - started:.0f} s; load average at the end: ", end="")
    print("{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for line in findings.report():
        print(line)
    ratio = findings.chaos_rate / findings.calm_rate if findings.calm_rate else float("nan")
    print(
        f"jobs acknowledged per second: calm {findings.calm_rate:.1f} (baseline), "
        f"during the chaos {findings.chaos_rate:.1f}  ratio {ratio:.2f}"
    )
    problems = findings.problems()
    print("goal (0 lost, 0 stuck, 0 duplicated, 0 non-503 5xx, 0 401):", problems or "met")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
