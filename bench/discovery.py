"""What one look for the account's open sessions costs, against the account's history.

Run: ``python bench/discovery.py``. For each number of closed sessions (``--closed``, default
0 200 1000; ``--closed-jobs`` finished jobs each) an emulator on a manual clock gets that
history, then 9 hours later (past any session's max TTL) ``--open`` sessions with ``--jobs``
queued jobs each — the foreign open sessions a lab must find. A
:class:`~jupyter_qsession.discovery.SessionFinder` then looks once (the first look) and
``--refreshes`` times more, one new job arriving before each; then five new finders look once
each (a lab server starting). Printed per history size: the listing requests and the median
wall time of a refresh and of a first look, as ratios
against the 0-closed account measured in the same run; and, for contrast, the requests a naive
look (every job of the account) would make. Goal: ratios of 1 — constant in the history.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import warnings
from urllib.parse import urlencode

import requests

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "bench"))
warnings.filterwarnings("ignore", category=DeprecationWarning)

from emulator_scale import GRANT, sampler_body  # noqa: E402

from jupyter_qsession.discovery import PAGE_SIZE, SessionFinder  # noqa: E402
from jupyter_qsession.emulator import Emulator, EmulatorThread, ManualClock  # noqa: E402

HISTORY_AGE = 9 * 3600  # the closed sessions ended this long before the look


class Account:
    """The account's REST client (requests), counting its job listings."""

    def __init__(self, url: str) -> None:
        self.http = requests.Session()
        token = self.http.post(
            f"{url}/identity/token", data={"grant_type": GRANT, "apikey": "bench"}
        ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.api = f"{url}/api/v1"

    def session(self, jobs: int) -> str:
        sid = self.http.post(f"{self.api}/sessions", json={"backend": "fake_manila"}).json()["id"]
        body = sampler_body(sid)
        for _ in range(jobs):
            self.http.post(f"{self.api}/jobs", data=body).raise_for_status()
        return sid

    def cancel(self, session_id: str) -> None:
        """Cancel its queued jobs and close it: history, without simulating anything."""
        self.http.delete(f"{self.api}/sessions/{session_id}/close").raise_for_status()

    def list_jobs(self, **filters) -> list[dict]:
        query = {"offset" if k == "skip" else k: v for k, v in filters.items()}
        query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
        reply = self.http.get(f"{self.api}/jobs?{urlencode(query)}")
        reply.raise_for_status()
        return reply.json()["jobs"]

    def count_jobs(self) -> int:
        return self.http.get(f"{self.api}/jobs?limit=1").json()["count"]


def measure(closed: int, closed_jobs: int, open_: int, jobs: int, refreshes: int) -> dict:
    clock = ManualClock()
    emulator = Emulator(clock=clock, queue_wait=10**6, api_key="bench", simulation_workers=1)
    with EmulatorThread(emulator) as emu:
        account = Account(emu.url)
        for _ in range(closed):
            account.cancel(account.session(closed_jobs))
        emu.advance(HISTORY_AGE)
        opened = {account.session(jobs) for _ in range(open_)}

        async def list_jobs(**filters):
            return await asyncio.to_thread(account.list_jobs, **filters)

        finder = SessionFinder(list_jobs, clock=clock.now)

        async def look(known: set[str]) -> tuple[set[str], int, float]:
            before, start = finder.requests, time.perf_counter()
            found = await finder.find(known)
            return found, finder.requests - before, time.perf_counter() - start

        async def run() -> dict:
            found, first_requests, _ = await look(set())
            assert found == opened, "the first look must find exactly the open sessions"
            counts, times = [], []
            target = sorted(opened)
            for i in range(refreshes):
                emu.advance(1)
                account.http.post(
                    f"{account.api}/jobs", data=sampler_body(target[i % len(target)])
                ).raise_for_status()
                found, n, seconds = await look(opened)
                assert found == set(), "a refresh finds nothing new"
                counts.append(n)
                times.append(seconds)
            # The first look of a new finder (a lab server starting), again a few times.
            firsts = []
            for _ in range(5):
                fresh = SessionFinder(list_jobs, clock=clock.now)
                start = time.perf_counter()
                await fresh.find(set())
                firsts.append(time.perf_counter() - start)
            return {
                "first_requests": first_requests,
                "first_ms": 1000 * statistics.median(firsts),
                "requests": statistics.median(counts),
                "ms": 1000 * statistics.median(times),
                "naive_requests": -(-account.count_jobs() // PAGE_SIZE),
            }

        return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, nargs="+", default=[0, 200, 1000])
    parser.add_argument("--closed-jobs", type=int, default=5)
    parser.add_argument("--open", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--refreshes", type=int, default=20)
    args = parser.parse_args()
    sizes = sorted(set([0, *args.closed]))
    results = {n: measure(n, args.closed_jobs, args.open, args.jobs, args.refreshes) for n in sizes}
    base = results[0]
    print(
        f"{args.open} open sessions x {args.jobs} queued jobs, plus N closed sessions x "
        f"{args.closed_jobs} finished jobs; {args.refreshes} refreshes, medians; ratios vs N=0"
    )
    print(
        f"{'N closed':>9} {'refresh req':>12} {'ratio':>6} {'refresh ms':>11} {'ratio':>6} "
        f"{'first req':>10} {'first ms':>9} {'ratio':>6} {'naive req':>10}"
    )
    for n, r in results.items():
        print(
            f"{n:>9} {r['requests']:>12.0f} {r['requests'] / base['requests']:>6.2f} "
            f"{r['ms']:>11.2f} {r['ms'] / base['ms']:>6.2f} {r['first_requests']:>10} "
            f"{r['first_ms']:>9.1f} {r['first_ms'] / base['first_ms']:>6.2f} "
            f"{r['naive_requests']:>10}"
        )
    print(json.dumps({"results": results}, indent=None) if os.environ.get("BENCH_JSON") else "")


if __name__ == "__main__":
    main()
