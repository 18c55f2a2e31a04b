"""What serving several accounts costs the lab (issue 19, item 6).

Run: ``python bench/accounts.py`` (``--part startup`` or ``--part refresh`` for one half).
Each lab is a :class:`processes.LabProcess` (``jupyter server`` as a child process, its account
file ``<root>/qiskit-ibm.json``); each figure is a ratio against a baseline measured in the
same run:

* start-up: from spawning the lab until ``GET /qsession/api/sessions`` answers 200 (and until
  ``GET /api/status`` does), with one saved account whose URL refuses connections (a closed
  loopback port) ÷ with no account file; ``--runs`` alternating runs of each after one untimed
  run of each, median (goal <= 1.05). Then one more lab whose saved account points at a
  loopback socket that accepts and resets every connection: the connections it makes there
  during start-up and in the ``--seconds`` after (backoff, no request storm), and its log
  lines naming the account.
* refresh: the wall time of ``GET /qsession/api/accounts?refresh=1`` (each account's usage,
  in parallel) on a lab serving three accounts — its emulator and two
  standalone emulators (``jupyter qsession emulator`` processes) saved as accounts — ÷ on a
  lab serving its emulator only; both labs run at once and are asked in turn,
  ``--refreshes`` times each after three untimed ones, median (goal <= 1.5). The standalone
  emulators count the requests they get (their request log, at debug), per refresh. Both
  labs tend their accounts every hour (``--Provider.refresh_interval``) so nothing but the
  timed refreshes asks them. Last, discovery: a third lab with the same two saved accounts
  tends them every 0.2 s; a plain script (REST) opens a session with one queued job on each
  standalone emulator, and the time until both are listed under their accounts is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "bench"))

from account_pieces import (  # noqa: E402
    LOGGED,
    Resetter,
    Standalone,
    account_state,
    cpu_seconds,
    spawn_timed,
    stop,
)
from discovery import Account  # noqa: E402 - the benches' REST client (key "bench")
from lab_process import load  # noqa: E402
from processes import LabProcess, free_port  # noqa: E402 - the tests' own helpers

from jupyter_qsession.client.accounts_file import save_account  # noqa: E402
from jupyter_qsession.emulator.instance import INSTANCE_CRN  # noqa: E402

ACCOUNT = "ibm-unreachable"
QUIET = "--Provider.refresh_interval=3600"  # only the timed refreshes ask the accounts
FINDING = "--Provider.refresh_interval=0.2"  # the discovery lab looks every 0.2 s


# --------------------------------------------------------------------- start-up
def startup(runs: int, seconds: float) -> None:
    timed: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    unreachable_after: list[float] = []
    plan = [(False, True), (True, False)]
    for index in range(runs + 1):  # the first pair is untimed: it warms the disk cache
        for with_account in plan[index % 2]:
            with tempfile.TemporaryDirectory() as tmp:
                lab = LabProcess(Path(tmp))
                if with_account:  # nothing listens there
                    url = f"http://127.0.0.1:{free_port()}"
                    save_account(
                        ACCOUNT, url=url, token="k", instance=INSTANCE_CRN, path=lab.account_file
                    )
                try:
                    spawned, status, sessions = spawn_timed(lab)
                    if with_account:
                        lab.wait_until(lambda lab=lab: account_state(lab, ACCOUNT) == "unreachable")
                        shown = time.perf_counter() - spawned
                    if index:
                        timed[with_account].append((status, sessions))
                        if with_account:
                            unreachable_after.append(shown)
                finally:
                    stop(lab)
            time.sleep(1.0)  # let the stopped lab's emulator go
    median = statistics.median
    print(f"Lab start-up, median of {runs} alternating runs (after one untimed run of each)")
    for column, what in ((1, "GET /qsession/api/sessions"), (0, "GET /api/status")):
        base = [t[column] for t in timed[False]]
        ext = [t[column] for t in timed[True]]
        print(f"  spawn -> {what} answers")
        print(f"    no account file (baseline):          {median(base):6.2f} s"
              f"   (runs {', '.join(f'{s:.2f}' for s in base)})")  # fmt: skip
        print(f"    one saved account, port closed:      {median(ext):6.2f} s"
              f"   ratio {median(ext) / median(base):.3f}   (goal <= 1.05;"
              f" runs {', '.join(f'{s:.2f}' for s in ext)})")  # fmt: skip
    shown = median(unreachable_after)
    print(f"  spawn -> GET /qsession/api/accounts says it unreachable:  {shown:.2f} s")
    storm(seconds)


def storm(seconds: float) -> None:
    """Connections to an account whose service resets them, during start-up and after."""
    resetter = Resetter()
    with tempfile.TemporaryDirectory() as tmp:
        lab = LabProcess(Path(tmp))
        save_account(ACCOUNT, url=resetter.url, token="k", instance=INSTANCE_CRN,
                     path=lab.account_file)  # fmt: skip
        try:
            spawned, _, sessions = spawn_timed(lab)
            up = spawned + sessions
            time.sleep(seconds)
            end = time.perf_counter()
            accounts = lab.get("accounts").json()["accounts"]
            logged = [line for line in lab.log_tail(10**7).splitlines() if ACCOUNT in line]
        finally:
            stop(lab)
            resetter.sock.close()
    during = [t - spawned for t in resetter.accepted if t <= up]
    after = [t - up for t in resetter.accepted if up < t <= end]
    (account,) = [a for a in accounts if a["name"] == ACCOUNT]
    print("An account whose service resets every connection: connections the lab made to it")
    print(f"  during start-up ({sessions:.2f} s):  {len(during)}"
          + _at(during, "after the spawn"))  # fmt: skip
    print(f"  in the {seconds:g} s after:       {len(after)}" + _at(after, "after start-up"))
    print(
        f"  its state then: {account['state']}, next try {account['next_try']};"
        f" log lines naming it: {len(logged)}"
    )
    for line in logged:
        print(f"    {line.strip()[:240]}")
    print(f"  ({load()})")


def _at(times: list[float], since: str) -> str:
    return f"   (at {', '.join(f'{t:.1f}' for t in times)} s {since})" if times else ""


# --------------------------------------------------------------------- refresh
def refresh(refreshes: int, rounds: int) -> None:
    labs: dict[int, LabProcess] = {}
    with (
        tempfile.TemporaryDirectory() as one,
        tempfile.TemporaryDirectory() as three,
        tempfile.TemporaryDirectory() as logs,
    ):
        standalone = {name: Standalone(Path(logs) / f"{name}.log") for name in ("team-a", "team-b")}
        labs[1], labs[3] = LabProcess(Path(one), QUIET), LabProcess(Path(three), QUIET)
        for name, emu in standalone.items():
            save_account(name, url=emu.url, token="bench", instance=INSTANCE_CRN,
                         path=labs[3].account_file)  # fmt: skip
        try:
            for lab in labs.values():
                lab.start()
            for n, lab in labs.items():
                lab.wait_until(lambda lab=lab, n=n: _reachable(lab, n), timeout=120)
                for _ in range(3):  # untimed: the first discovery look reads the last 8 h
                    _refresh(lab)
            times: dict[int, list[float]] = {1: [], 3: []}
            cpu: dict[int, float] = {1: 0.0, 3: 0.0}
            per_refresh: dict[str, list[Counter]] = {name: [] for name in standalone}
            for i in range(refreshes):
                for n in (1, 3) if i % 2 == 0 else (3, 1):
                    before = {name: e.requests() for name, e in standalone.items()}
                    used = cpu_seconds(labs[n].process.pid)
                    times[n].append(_refresh(labs[n]))
                    cpu[n] += cpu_seconds(labs[n].process.pid) - used
                    time.sleep(LOGGED)
                    for name, emu in standalone.items():
                        got = emu.requests() - before[name]
                        if n == 3:
                            per_refresh[name].append(got)
                        else:
                            assert not got, "the one-account lab never asks them"
            stop(labs.pop(1))
            finder = labs[0] = LabProcess(Path(logs) / "finder", FINDING)
            for name, emu in standalone.items():
                save_account(name, url=emu.url, token="bench", instance=INSTANCE_CRN,
                             path=finder.account_file)  # fmt: skip
            finder.start()
            finder.wait_until(lambda: _reachable(finder, 3), timeout=120)
            found_times, found_requests = discovering(finder, standalone, rounds)
        finally:
            for lab in labs.values():
                stop(lab)
            for emu in standalone.values():
                emu.stop()
    median = statistics.median
    base, many = median(times[1]), median(times[3])
    print(f"One refresh of every account (GET /qsession/api/accounts?refresh=1), median of "
          f"{refreshes}, the two labs asked in turn")  # fmt: skip
    print(f"  the lab's emulator only (baseline):   {1000 * base:7.1f} ms"
          f"   (p10-p90 {_spread(times[1])})")  # fmt: skip
    print(f"  + two saved standalone emulators:     {1000 * many:7.1f} ms   ratio {many / base:.2f}"
          f"   (goal <= 1.5; p10-p90 {_spread(times[3])})")  # fmt: skip
    print(f"  the lab process's CPU per refresh:    {1000 * cpu[1] / refreshes:7.1f} ms"
          f" -> {1000 * cpu[3] / refreshes:.1f} ms   (user + system, /proc/PID/stat)")  # fmt: skip
    for name, counts in per_refresh.items():
        totals = sorted(sum(c.values()) for c in counts)
        kinds = sum(counts, Counter())
        print(
            f"  requests at {name} per refresh: min {totals[0]}, max {totals[-1]}"
            f"   ({'; '.join(f'{k} x{v / len(counts):g}' for k, v in sorted(kinds.items()))})"
        )
    print(
        f"A plain script's new session on each saved emulator, until both are listed under "
        f"their accounts (a lab looking every 0.2 s), median of {rounds}: "
        f"{1000 * median(found_times):.0f} ms"
    )
    for name, counts in found_requests.items():
        print(f"  requests at {name} meanwhile: {', '.join(str(sum(c.values())) for c in counts)}")
    print(f"  ({load()})")


def _reachable(lab: LabProcess, accounts: int) -> bool:
    found = lab.get("accounts").json()["accounts"]
    return len(found) == accounts and all(
        a["state"] == "reachable" and a["backends"] for a in found
    )


def _refresh(lab: LabProcess) -> float:
    start = time.perf_counter()
    reply = lab.get("accounts?refresh=1")
    seconds = time.perf_counter() - start
    assert reply.status_code == 200, reply.text
    return seconds


def discovering(lab: LabProcess, standalone: dict[str, Standalone], rounds: int) -> tuple:
    clients = {name: Account(emu.url) for name, emu in standalone.items()}
    times: list[float] = []
    counts: dict[str, list[Counter]] = {name: [] for name in standalone}
    for _ in range(rounds):
        opened = {}
        for name, client in clients.items():
            opened[name] = client.session(jobs=1)
        before = {name: e.requests() for name, e in standalone.items()}
        start = time.perf_counter()

        def listed(opened: dict = opened) -> bool:
            seen = {s["id"]: s["account"]["name"] for s in lab.get("sessions").json()["sessions"]}
            return all(seen.get(session_id) == name for name, session_id in opened.items())

        lab.wait_until(listed, timeout=60)
        times.append(time.perf_counter() - start)
        time.sleep(LOGGED)
        for name, emu in standalone.items():
            counts[name].append(emu.requests() - before[name])
    return times, counts


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return f"{1000 * pick(0.1):.1f}-{1000 * pick(0.9):.1f} ms"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["startup", "refresh", "all"], default="all")
    parser.add_argument("--runs", type=int, default=5, help="start-ups of each kind")
    parser.add_argument("--seconds", type=float, default=30.0, help="counting connections")
    parser.add_argument("--refreshes", type=int, default=30, help="timed refreshes of each lab")
    parser.add_argument("--rounds", type=int, default=5, help="refreshes that discover")
    args = parser.parse_args()
    print(f"({load()} at the start)")
    if args.part in ("startup", "all"):
        startup(args.runs, args.seconds)
    if args.part in ("refresh", "all"):
        refresh(args.refreshes, args.rounds)
