"""How fast a change on the service reaches a browser, and how fast the sidebar's list loads.

Run: ``python bench/bridge.py``. Starts a real Jupyter server with the extension (embedded
emulator, manual clock so nothing runs by itself) in this process, fills it with ``--sessions``
registered sessions of ``--jobs`` queued jobs each, connects a WebSocket to
``/qsession/api/events`` and measures:

* change -> message: from a job submitted to (or cancelled on) the emulator's scheduler to the
  WebSocket message about its session arriving at the client (a cancel also updates the queue
  positions of the sessions queued behind it); baseline: a bare tornado WebSocket echo
  over loopback on the same loop (the transport's own floor).
* ``GET /qsession/api/sessions`` with everything loaded; baseline: jupyter-server's own
  ``GET /api/status`` on the same server.

Figures are p50/p99 in milliseconds and as ratios against the baseline measured in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import time
import warnings

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from jupyter_server.serverapp import ServerApp  # noqa: E402
from tornado import httpclient, web, websocket  # noqa: E402
from traitlets.config import Config  # noqa: E402

from jupyter_qsession.emulator import ManualClock  # noqa: E402

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_server(data_dir: str) -> ServerApp:
    config = Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_qsession": True}, "log_level": "WARN"},
            "IdentityProvider": {"token": TOKEN},
            "QSessionApp": {
                "registry_path": os.path.join(data_dir, "sessions.sqlite"),
                "emulator_clock": ManualClock(),
            },
            "QSessionEmulator": {"queue_wait": 10**6},
        }
    )
    app = ServerApp.instance(
        config=config, port=free_port(), open_browser=False, root_dir=data_dir, allow_root=True
    )
    app.initialize(argv=[])
    return app


class Echo(websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message)


async def fill(app: ServerApp, sessions: int, jobs: int) -> tuple[list[str], list[str]]:
    qsession = app.extension_manager.extension_points["jupyter_qsession"].app
    manager = qsession.manager
    await manager.started.wait()
    scheduler = manager.provider.scheduler
    session_ids, job_ids = [], []
    for index in range(sessions):
        session = scheduler.create_session("fake_manila", "dedicated")
        await manager.register(session.id, f"bench-kernel-{index}", "bench")
        session_ids.append(session.id)
        for _ in range(jobs):
            job_ids.append(submit(scheduler, session.id))
    await manager.settled()
    return session_ids, job_ids


def submit(scheduler, session_id: str) -> str:
    job = scheduler.submit(
        backend="fake_manila",
        program_id="sampler",
        params={},
        duration=1.0,
        num_circuits=1,
        shots=10,
        session_id=session_id,
    )
    return job.id


async def change_latency(app, url: str, session_ids, job_ids, samples: int) -> list[float]:
    manager = app.extension_manager.extension_points["jupyter_qsession"].app.manager
    scheduler = manager.provider.scheduler
    request = httpclient.HTTPRequest(
        f"ws://{url}/qsession/api/events", headers={"Authorization": f"token {TOKEN}"}
    )
    conn = await websocket.websocket_connect(request, max_message_size=1 << 30)
    await conn.read_message()  # snapshot
    latencies = []
    for index in range(samples):
        session_id = session_ids[index % len(session_ids)]
        start = time.perf_counter()
        if index % 2:
            target = scheduler.job(job_ids[index]).session_id
            scheduler.cancel_job(job_ids[index])
        else:
            target = session_id
            submit(scheduler, session_id)
        # Other sessions may hear first that the queue moved (their queue positions).
        while json.loads(await conn.read_message())["session"]["id"] != target:
            pass
        latencies.append(1000 * (time.perf_counter() - start))
    conn.close()
    return latencies


async def echo_latency(samples: int) -> list[float]:
    port = free_port()
    server = web.Application([("/echo", Echo)]).listen(port, address="127.0.0.1")
    conn = await websocket.websocket_connect(f"ws://127.0.0.1:{port}/echo")
    latencies = []
    for _ in range(samples):
        start = time.perf_counter()
        await conn.write_message("x" * 2000)  # about one session with a few jobs
        await conn.read_message()
        latencies.append(1000 * (time.perf_counter() - start))
    conn.close()
    server.stop()
    return latencies


async def get_latency(url: str, path: str, samples: int) -> list[float]:
    client = httpclient.AsyncHTTPClient()
    latencies = []
    for _ in range(samples):
        start = time.perf_counter()
        response = await client.fetch(
            f"http://{url}{path}", headers={"Authorization": f"token {TOKEN}"}
        )
        latencies.append(1000 * (time.perf_counter() - start))
        assert response.code == 200
    return latencies


def report(name: str, measured: list[float], baseline: list[float], goal: str) -> None:
    p50, p99 = percentile(measured, 0.5), percentile(measured, 0.99)
    b50, b99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
    print(
        f"{name:<32} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms   "
        f"baseline p50 {b50:6.2f} ms p99 {b99:6.2f} ms   "
        f"ratio p50 {p50 / b50:5.1f}x p99 {p99 / b99:5.1f}x   goal {goal}"
    )


async def main(args) -> None:
    app = ServerApp.instance()
    url = f"127.0.0.1:{app.port}"
    started = time.perf_counter()
    session_ids, job_ids = await fill(app, args.sessions, args.jobs)
    print(
        f"{args.sessions} sessions x {args.jobs} queued jobs registered "
        f"in {time.perf_counter() - started:.1f} s"
    )
    echo = await echo_latency(args.samples)
    changes = await change_latency(app, url, session_ids, job_ids, args.samples)
    report("change -> WebSocket message", changes, echo, "p50 < 20 ms, p99 < 100 ms")
    status = await get_latency(url, "/api/status", args.samples)
    listing = await get_latency(url, "/qsession/api/sessions", args.samples)
    size = len(json.dumps([s.model_dump() for s in app.extension_manager.extension_points[
        "jupyter_qsession"].app.manager.list()]))  # fmt: skip
    report(f"GET /sessions ({size / 1e6:.1f} MB)", listing, status, "p99 < 50 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(data_dir)
        server.io_loop.run_sync(lambda: main(args), timeout=3600)
        server.io_loop.run_sync(server._cleanup)
