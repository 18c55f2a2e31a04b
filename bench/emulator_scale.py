"""How the emulator's request latency grows with the jobs and sessions it holds.

Run: ``python bench/emulator_scale.py``. Fills an emulator with ``--sessions`` sessions of
``--jobs`` queued jobs each (a long emulated queue keeps them queued), then times the calls a
polling client makes (``GET /jobs/{id}``, ``GET /sessions/{id}``, ``POST /jobs``) and prints
their median against the same calls on an emptier emulator measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import requests

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from qiskit import QuantumCircuit  # noqa: E402
from qiskit_ibm_runtime.json import RuntimeEncoder  # noqa: E402

from jupyter_qsession.emulator import Emulator, EmulatorThread  # noqa: E402

GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def sampler_body(session_id: str) -> str:
    import json

    qc = QuantumCircuit(1)
    qc.measure_all()
    params = json.loads(json.dumps({"pubs": [(qc, None, 10)], "version": 2}, cls=RuntimeEncoder))
    return json.dumps(
        {
            "program_id": "sampler",
            "backend": "fake_manila",
            "params": params,
            "session_id": session_id,
        }
    )


def fill_and_time(sessions: int, jobs: int, samples: int) -> dict[str, float]:
    emulator = Emulator(queue_wait=10**6, api_key="bench")
    with EmulatorThread(emulator) as emu:
        http = requests.Session()
        token = http.post(
            f"{emu.url}/identity/token", data={"grant_type": GRANT, "apikey": "bench"}
        ).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        api = f"{emu.url}/api/v1"
        session_ids, job_ids = [], []
        for _ in range(sessions):
            sid = http.post(f"{api}/sessions", json={"backend": "fake_manila"}).json()["id"]
            session_ids.append(sid)
            body = sampler_body(sid)
            for _ in range(jobs):
                job_ids.append(http.post(f"{api}/jobs", data=body).json()["id"])

        def median_ms(call) -> float:
            times = []
            for i in range(samples):
                start = time.perf_counter()
                call(i)
                times.append(time.perf_counter() - start)
            return 1000 * statistics.median(times)

        return {
            "GET /jobs/{id}": median_ms(
                lambda i: http.get(f"{api}/jobs/{job_ids[i % len(job_ids)]}")
            ),
            "GET /sessions/{id}": median_ms(
                lambda i: http.get(f"{api}/sessions/{session_ids[i % len(session_ids)]}")
            ),
            "POST /jobs": median_ms(
                lambda i: http.post(
                    f"{api}/jobs", data=sampler_body(session_ids[i % len(session_ids)])
                )
            ),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    base = fill_and_time(1, 1, args.samples)
    full = fill_and_time(args.sessions, args.jobs, args.samples)
    print(
        f"Median latency, 1 session x 1 job (baseline) vs {args.sessions} sessions x "
        f"{args.jobs} queued jobs"
    )
    for call, ms in full.items():
        print(f"  {call:20s} {base[call]:7.2f} ms -> {ms:7.2f} ms   ratio {ms / base[call]:.2f}")


if __name__ == "__main__":
    main()
