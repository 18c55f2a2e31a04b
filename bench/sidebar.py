"""The sidebar at scale, in Chromium, and the lab server when many tabs reconnect at once.

Run: ``python bench/sidebar.py`` (after ``jlpm build``: it measures the built labextension).
Needs the ``playwright`` Python package (``pip install playwright``); it drives Debian's
``/usr/bin/chromium`` (``--chromium``), it downloads no browser.

One :class:`lab_process.LabServer` (``jupyter server`` with JupyterLab and the extension) whose
registry is seeded with ``--ended`` ended sessions of ``--jobs`` jobs each (what a lab holds
after a day of work and a restart; they ended a minute ago, so the live view still lists them).

* **Sidebar** (Chromium, CDP ``Performance.getMetrics``): the page's ``/qsession/api/events``
  WebSocket is answered by the benchmark (Playwright's ``route_web_socket``) with a snapshot of
  ``--sessions`` active sessions × ``--jobs`` finished jobs, every session with both TTL
  countdowns running; everything else is the real lab. Figures: the main thread's busy time
  (``TaskDuration``) to open the panel (click its tab until its rows are painted), per
  1-second countdown tick (over ``--seconds``), and the panel's DOM nodes; each against the
  same with 1 session × 1 job, measured in the same run on the same lab.
* **Reconnecting tabs**: ``--sockets`` WebSockets to ``/qsession/api/events`` opened at once
  (each gets the snapshot of the seeded sessions) while ``GET /api/status`` is timed; p50/p99
  against the same calls with no socket opening, in the same lab.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from lab_process import TOKEN, LabServer, load, percentile

from jupyter_qsession.server.models import SessionModel
from jupyter_qsession.server.registry import SessionRegistry


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def make_session(index: int, jobs: int, *, ended: bool, now: datetime) -> SessionModel:
    start = now - timedelta(minutes=10)
    return SessionModel.model_validate(
        {
            "id": f"bench-{'e' if ended else 's'}{index:04d}",
            "kernel_id": f"kernel-{index % 20:02d}-bench",
            "owner": "bench",
            "provider": "emulator",
            "backend": "fake_brisbane",
            "mode": "dedicated",
            "state": "closed" if ended else "active",
            "accepting_jobs": not ended,
            "max_time": 7200,
            "interactive_timeout": 60,
            "started_at": iso(start),
            "activated_at": iso(start),
            "expires_at": iso(start + timedelta(hours=2)),
            "interactive_expires_at": None if ended else iso(now + timedelta(seconds=3000)),
            "closed_at": iso(now - timedelta(minutes=1)) if ended else None,
            "ended_reason": "closed" if ended else None,
            "usage_seconds": 42.0,
            "registered_at": iso(start - timedelta(seconds=index)),
            "transitions": [{"state": "active", "at": iso(start)}],
            "jobs": [
                {
                    "id": f"job-{index:04d}-{j:03d}",
                    "status": "DONE",
                    "primitive": "sampler",
                    "created": iso(start + timedelta(seconds=j)),
                    "started": iso(start + timedelta(seconds=j + 1)),
                    "finished": iso(start + timedelta(seconds=j + 2)),
                    "queue_position": None,
                }
                for j in reversed(range(jobs))
            ],
        }
    )


def snapshot(sessions: int, jobs: int) -> str:
    now = datetime.now(timezone.utc)
    texts = [make_session(i, jobs, ended=False, now=now).model_dump_json() for i in range(sessions)]
    return f'{{"type":"snapshot","sessions":[{",".join(texts)}]}}'


# --------------------------------------------------------------------------- the sidebar
def measure_sidebar(lab: LabServer, chromium: str, sessions: int, jobs: int, seconds: int) -> dict:
    from playwright.sync_api import sync_playwright

    message = snapshot(sessions, jobs)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def events(ws) -> None:
            ws.send(message)

        page.route_web_socket("**/qsession/api/events*", events)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")

        def busy_ms() -> float:
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            return 1000 * metrics["TaskDuration"]

        page.goto(f"{lab.url}/lab?token={TOKEN}")
        tab = page.locator('.jp-SideBar [data-id="qsession-panel"]')
        tab.wait_for(timeout=120_000)
        rows = page.locator("#qsession-panel [data-session-id]")
        rows.first.wait_for(state="attached", timeout=60_000)
        panel = page.locator("#qsession-panel")
        if panel.is_visible():  # the lab may restore it open: close it, to open it timed
            tab.click()
            panel.wait_for(state="hidden")
        page.wait_for_timeout(3000)  # let the lab settle (its own start-up work)

        before = busy_ms()
        tab.click()
        rows.first.wait_for(state="visible")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
        opened = busy_ms() - before

        page.wait_for_timeout(1500)  # a re-measure of heights, if any, is done
        before = busy_ms()
        page.wait_for_timeout(1000 * seconds)
        per_tick = (busy_ms() - before) / seconds

        nodes = page.evaluate("() => document.querySelectorAll('#qsession-panel *').length")
        rendered = rows.count()
        browser.close()
    return {"open": opened, "tick": per_tick, "nodes": nodes, "rows": rendered}


def sidebar(lab: LabServer, args: argparse.Namespace) -> None:
    base = measure_sidebar(lab, args.chromium, 1, 1, args.seconds)
    big = measure_sidebar(lab, args.chromium, args.sessions, args.jobs, args.seconds)
    print(
        f"Sidebar in Chromium: {args.sessions} sessions × {args.jobs} jobs against 1 × 1 "
        "(main-thread TaskDuration, CDP Performance.getMetrics)"
    )
    for name, unit, goal in (
        ("open", "ms", "goal < 100 ms"),
        ("tick", "ms", "goal < 2 ms; lab background included"),
    ):
        print(
            f"  {name:5}  1×1 {base[name]:7.1f} {unit}   {args.sessions}×{args.jobs} "
            f"{big[name]:7.1f} {unit}   ratio {big[name] / base[name]:5.2f}   ({goal})"
        )
    print(
        f"  DOM    1×1 {base['nodes']:7d} nodes  {args.sessions}×{args.jobs} {big['nodes']:7d} "
        f"nodes  ratio {big['nodes'] / base['nodes']:5.2f}   "
        f"({big['rows']} of {args.sessions} session rows in the DOM)"
    )


# --------------------------------------------------------------------------- many sockets
def status_latencies(lab: LabServer, rounds: int, stop: threading.Event | None = None) -> list:
    times = []
    for _ in range(rounds):
        if stop is not None and stop.is_set():
            break
        start = time.perf_counter()
        assert lab.get("/api/status").status_code == 200
        times.append(1000 * (time.perf_counter() - start))
        time.sleep(0.005)
    return times


async def open_sockets(lab: LabServer, count: int) -> int:
    from tornado.websocket import websocket_connect

    url = lab.url.replace("http", "ws") + f"/qsession/api/events?token={TOKEN}"

    async def one() -> int:
        conn = await websocket_connect(url, max_message_size=1 << 30)
        text = await conn.read_message()
        conn.close()
        return len(text)

    sizes = await asyncio.gather(*(one() for _ in range(count)))
    return sizes[0]


def reconnects(lab: LabServer, args: argparse.Namespace) -> None:
    status_latencies(lab, 50)  # warm
    idle = status_latencies(lab, 200)
    during: list[float] = []
    stop = threading.Event()
    sampler = threading.Thread(target=lambda: during.extend(status_latencies(lab, 10**6, stop)))
    sampler.start()
    time.sleep(0.05)
    storms, size = 5, 0
    for _ in range(storms):
        size = asyncio.run(open_sockets(lab, args.sockets))
    stop.set()
    sampler.join()
    p50, p99 = statistics.median, lambda v: percentile(v, 0.99)
    print(
        f"{args.sockets} tabs reconnecting at once ({storms} times; each snapshot "
        f"{size / 1e6:.2f} MB: {args.ended} ended sessions × {args.jobs} jobs)"
    )
    print(f"  GET /api/status idle:     p50 {p50(idle):6.1f} ms   p99 {p99(idle):6.1f} ms")
    print(
        f"  GET /api/status during:   p50 {p50(during):6.1f} ms   p99 {p99(during):6.1f} ms"
        f"   ratio p99 {p99(during) / p99(idle):5.1f}"
    )


def seed(path: Path, ended: int, jobs: int) -> None:
    registry = SessionRegistry(path)
    now = datetime.now(timezone.utc)
    registry.load(now=iso(now))
    for index in range(ended):
        session = make_session(index, jobs, ended=True, now=now)
        registry.save(session, session.model_dump_json())
    registry.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--ended", type=int, default=200, help="ended sessions in the registry")
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10, help="of ticks measured")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--part", choices=["all", "sidebar", "sockets"], default="all")
    args = parser.parse_args()
    print(f"({load()} at the start)")
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "sessions.sqlite"
        seed(registry, args.ended, args.jobs)
        options = (f"--QSessionApp.registry_path={registry}", "--QSessionApp.default_owner=bench")
        lab = LabServer(Path(tmp), options=options)
        try:
            lab.start()
            lab.wait_for_emulator()
            if args.part in ("all", "sockets"):
                reconnects(lab, args)
            if args.part in ("all", "sidebar"):
                sidebar(lab, args)
        finally:
            lab.stop()
    print(f"({load()} at the end)")
