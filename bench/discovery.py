"""What one look for the account's open sessions costs, against the account's history.

Run: ``python bench/discovery.py``. For each number of closed sessions (``--closed``, default
0 200 1000; ``--closed-jobs`` finished jobs each) an emulator on a manual clock gets that
history, then 9 hours later (past any session's max TTL) ``--open`` sessions with ``--jobs``
queued jobs each — the foreign open sessions a lab must find. A
:class:`~jupyter_qsession.client.discovery.SessionFinder` then looks once (the first look) and
``--refreshes`` times more, one new job arriving before each; then five new finders look once
each (a lab server starting); the accounts' looks are interleaved so the machine's load
falls on each alike. Printed per history size: the listing requests and the median
wall time of a refresh and of a first look, as ratios
against the 0-closed account measured in the same run; and, for contrast, the requests a naive
look (every job of the account) would make. Goal: ratios of 1 — constant in the history.
"""

from __future__ import annotations

import argparse
import asyncio
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

from jupyter_qsession.client.discovery import PAGE_SIZE, SessionFinder  # noqa: E402
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


def build(closed: int, closed_jobs: int, open_: int, jobs: int) -> dict:
    """An emulator with ``closed`` closed sessions, 9 h old, then ``open_`` open ones."""
    clock = ManualClock()
    emulator = Emulator(clock=clock, queue_wait=10**6, api_key="bench", simulation_workers=1)
    emu = EmulatorThread(emulator)
    emu.start()
    account = Account(emu.url)
    for _ in range(closed):
        account.cancel(account.session(closed_jobs))
    emu.advance(HISTORY_AGE)
    opened = {account.session(jobs) for _ in range(open_)}

    async def list_jobs(**filters):
        return await asyncio.to_thread(account.list_jobs, **filters)

    return {
        "emu": emu,
        "account": account,
        "opened": opened,
        "list_jobs": list_jobs,
        "finder": SessionFinder(list_jobs, clock=clock.now),
        "clock": clock,
        "counts": [],
        "times": [],
        "firsts": [],
    }


async def timed(finder: SessionFinder, known: set[str]) -> tuple[set[str], int, float]:
    before, start = finder.requests, time.perf_counter()
    found = await finder.find(known)
    return found, finder.requests - before, time.perf_counter() - start


async def run(accounts: dict[int, dict], refreshes: int) -> None:
    """The looks of every account interleaved, so the machine's load falls on each alike."""
    for a in accounts.values():
        found, a["first_requests"], _ = await timed(a["finder"], set())
        assert found == a["opened"], "the first look must find exactly the open sessions"
    for i in range(refreshes):
        for a in accounts.values():
            a["emu"].advance(1)
            target = sorted(a["opened"])[i % len(a["opened"])]
            a["account"].http.post(f"{a['account'].api}/jobs", data=sampler_body(target))
            found, n, seconds = await timed(a["finder"], a["opened"])
            assert found == set(), "a refresh finds nothing new"
            a["counts"].append(n)
            a["times"].append(seconds)
    for _ in range(5):  # the first look of a new finder (a lab server starting)
        for a in accounts.values():
            fresh = SessionFinder(a["list_jobs"], clock=a["clock"].now)
            a["firsts"].append((await timed(fresh, set()))[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, nargs="+", default=[0, 200, 1000])
    parser.add_argument("--closed-jobs", type=int, default=5)
    parser.add_argument("--open", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--refreshes", type=int, default=20)
    args = parser.parse_args()
    sizes = sorted(set([0, *args.closed]))
    accounts = {n: build(n, args.closed_jobs, args.open, args.jobs) for n in sizes}
    try:
        asyncio.run(run(accounts, args.refreshes))
        naive = {n: -(-a["account"].count_jobs() // PAGE_SIZE) for n, a in accounts.items()}
    finally:
        for a in accounts.values():
            a["emu"].stop()
    results = {
        n: {
            "requests": statistics.median(a["counts"]),
            "ms": 1000 * statistics.median(a["times"]),
            "first_requests": a["first_requests"],
            "first_ms": 1000 * statistics.median(a["firsts"]),
            "naive_requests": naive[n],
        }
        for n, a in accounts.items()
    }
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


if __name__ == "__main__":
    main()
