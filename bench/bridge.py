"""How fast a change on the service reaches a browser, and how fast the sidebar's list loads.

Run: ``python bench/bridge.py``. Starts a real Jupyter server with the extension in this
process; the extension runs its emulator as its own process (manual clock and a huge queue
wait, so nothing runs by itself). The benchmark fills the emulator through its REST API, as
any client would (``POST /api/v1/sessions``, ``POST /api/v1/jobs`` with a valid sampler job,
with the lab's operator key), ``--sessions`` sessions of ``--jobs`` queued jobs each, registers
every session with the lab's manager, connects a WebSocket to ``/qsession/api/events`` and
measures:

* change -> message: from a job submitted to (or cancelled on) the emulator over REST until the
  WebSocket message that shows it (the new job listed, the cancelled one ``CANCELLED``)
  arrives at the client: the emulator's change feed -> the lab -> the browser (a cancel also
  updates the queue positions of the sessions queued behind it); baseline: a bare tornado
  WebSocket echo over loopback on the same loop (the transport's own floor). The emulator's
  reply to the request alone is printed beside it.
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
from pathlib import Path
from urllib.parse import urlencode

# Measure this checkout, whatever version of the package is installed.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from jupyter_server.serverapp import ServerApp  # noqa: E402
from tornado import httpclient, web, websocket  # noqa: E402
from traitlets.config import Config  # noqa: E402

TOKEN = "bench-token"
GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def start_server(data_dir: str) -> ServerApp:
    for name in ("CONFIG", "DATA", "RUNTIME"):  # nothing of the user's own Jupyter setup
        os.environ[f"JUPYTER_{name}_DIR"] = os.path.join(data_dir, name.lower())
    config = Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_qsession": True}, "log_level": "WARN"},
            "IdentityProvider": {"token": TOKEN},
            "QSessionApp": {
                "registry_path": os.path.join(data_dir, "sessions.sqlite"),
            },
            "EmulatorProvider": {
                "emulator_dir": os.path.join(data_dir, "emulator"),
                "clock": "manual",
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


def sampler_body(session_id: str) -> str:
    """A valid sampler job (one 1-qubit circuit, 10 shots) for a session on fake_manila."""
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime.json import RuntimeEncoder

    qc = QuantumCircuit(1)
    qc.measure_all()
    params = json.loads(json.dumps({"pubs": [(qc, None, 10)], "version": 2}, cls=RuntimeEncoder))
    return json.dumps(
        {"program_id": "sampler", "backend": "fake_manila", "params": params,
         "session_id": session_id}
    )  # fmt: skip


class Emulator:
    """The lab's emulator process over its REST API, with the lab's operator key."""

    def __init__(self, emulator_dir: Path) -> None:
        self.url = json.loads((emulator_dir / "emulator.json").read_text())["url"]
        self.key = (emulator_dir / "operator.key").read_text().strip()
        self.http = httpclient.AsyncHTTPClient(force_instance=True)
        self.headers: dict[str, str] = {}
        self.bodies: dict[str, str] = {}

    async def connect(self) -> Emulator:
        form = urlencode({"grant_type": GRANT, "apikey": self.key})
        reply = await self.http.fetch(f"{self.url}/identity/token", method="POST", body=form)
        token = json.loads(reply.body)["access_token"]
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return self

    async def post(self, path: str, body: str = "{}") -> dict:
        reply = await self.http.fetch(
            f"{self.url}/api/v1{path}", method="POST", body=body, headers=self.headers
        )
        return json.loads(reply.body) if reply.body else {}

    async def open_session(self) -> str:
        session = await self.post("/sessions", json.dumps({"backend": "fake_manila"}))
        self.bodies[session["id"]] = sampler_body(session["id"])
        return session["id"]

    async def submit(self, session_id: str) -> str:
        return (await self.post("/jobs", self.bodies[session_id]))["id"]

    async def cancel(self, job_id: str) -> None:
        await self.post(f"/jobs/{job_id}/cancel")


async def fill(app: ServerApp, emulator: Emulator, sessions: int, jobs: int):
    manager = app.extension_manager.extension_points["jupyter_qsession"].app.manager
    session_of: dict[str, str] = {}
    for index in range(sessions):
        session_id = await emulator.open_session()
        await manager.register(session_id, f"bench-kernel-{index}", "bench")
        for _ in range(jobs):
            session_of[await emulator.submit(session_id)] = session_id
    await manager.provider.caught_up()  # every change heard, stored and announced
    return list(dict.fromkeys(session_of.values())), list(session_of), session_of


def shows(message: str, session_id: str, job_id: str, status: str | None) -> bool:
    """Whether an events message is ``session_id``'s and lists ``job_id`` (with ``status``)."""
    event = json.loads(message)
    if event["type"] != "session" or event["session"]["id"] != session_id:
        return False
    return any(
        job["id"] == job_id and status in (None, job["status"]) for job in event["session"]["jobs"]
    )


async def change_latency(url: str, emulator: Emulator, session_ids, job_ids, session_of, samples):
    request = httpclient.HTTPRequest(
        f"ws://{url}/qsession/api/events", headers={"Authorization": f"token {TOKEN}"}
    )
    conn = await websocket.websocket_connect(request, max_message_size=1 << 30)
    await conn.read_message()  # snapshot
    latencies, replies = [], []
    for index in range(samples):
        start = time.perf_counter()
        if index % 2:
            job_id, status = job_ids[index], "CANCELLED"
            target = session_of[job_id]
            await emulator.cancel(job_id)
        else:
            target, status = session_ids[index % len(session_ids)], None
            job_id = await emulator.submit(target)
        replies.append(1000 * (time.perf_counter() - start))
        # Other sessions may hear first that the queue moved (their queue positions).
        while not shows(await conn.read_message(), target, job_id, status):
            pass
        latencies.append(1000 * (time.perf_counter() - start))
    conn.close()
    return latencies, replies


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


async def get_latency(url: str, path: str, samples: int) -> tuple[list[float], int]:
    client = httpclient.AsyncHTTPClient()
    latencies, size = [], 0
    for _ in range(samples):
        start = time.perf_counter()
        response = await client.fetch(
            f"http://{url}{path}", headers={"Authorization": f"token {TOKEN}"}
        )
        latencies.append(1000 * (time.perf_counter() - start))
        assert response.code == 200
        size = len(response.body)
    return latencies, size


def report(name: str, measured: list[float], baseline: list[float], goal: str) -> None:
    p50, p99 = percentile(measured, 0.5), percentile(measured, 0.99)
    b50, b99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
    print(
        f"{name:<34} p50 {p50:7.2f} ms  p99 {p99:7.2f} ms   "
        f"baseline p50 {b50:6.2f} ms p99 {b99:6.2f} ms   "
        f"ratio p50 {p50 / b50:5.1f}x p99 {p99 / b99:5.1f}x" + (f"   goal {goal}" if goal else "")
    )


async def main(args, data_dir: str) -> None:
    app = ServerApp.instance()
    url = f"127.0.0.1:{app.port}"
    manager = app.extension_manager.extension_points["jupyter_qsession"].app.manager
    await manager.started.wait()
    emulator = await Emulator(Path(data_dir) / "emulator").connect()
    started = time.perf_counter()
    session_ids, job_ids, session_of = await fill(app, emulator, args.sessions, args.jobs)
    print(
        f"{args.sessions} sessions x {args.jobs} queued jobs submitted over REST and registered "
        f"in {time.perf_counter() - started:.1f} s ({load()})"
    )
    echo = await echo_latency(args.samples)
    changes, replies = await change_latency(
        url, emulator, session_ids, job_ids, session_of, args.samples
    )
    report("change -> WebSocket message", changes, echo, "p50 < 20 ms, p99 < 100 ms")
    for kind, every in (("submit", slice(0, None, 2)), ("cancel", slice(1, None, 2))):
        report(f"  {kind}", changes[every], echo[every], "")
        report("    of which the emulator's reply", replies[every], echo[every], "")
    status, _ = await get_latency(url, "/api/status", args.samples)
    listing, size = await get_latency(url, "/qsession/api/sessions", args.samples)
    report(f"GET /sessions ({size / 1e6:.1f} MB)", listing, status, "p99 < 50 ms")
    print(f"({load()})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(data_dir)
        try:
            server.io_loop.run_sync(lambda: main(args, data_dir), timeout=3600)
        finally:
            server.io_loop.run_sync(server._cleanup)
