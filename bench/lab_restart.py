"""A lab server killed with SIGKILL mid-session, and the same lab started again.

Run: ``python bench/lab_restart.py``. One :class:`lab_process.LabServer` with the extension (a
queue wait of 10^6 s keeps jobs queued); a kernel of it, ``--sessions`` sessions of ``--jobs``
queued jobs each opened on its emulator over REST with the kernel owner's key and registered
through the kernel bridge (as the ``%%qsession`` magic does); then ``kill -9`` of the server
and the same command again. Figures: sessions and queued jobs that survive, and the time from
the restart until ``GET /qsession/api/sessions/{id}`` lists every session's jobs again ÷ the
time until the restarted server answers ``GET /api/status``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import tempfile
import warnings
from pathlib import Path

import requests
from lab_process import LabServer, load
from processes import children  # tests/, on the path through lab_process

warnings.filterwarnings("ignore", category=DeprecationWarning)
GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def sampler_body(session_id: str) -> str:
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime.json import RuntimeEncoder

    qc = QuantumCircuit(1)
    qc.measure_all()
    params = json.loads(json.dumps({"pubs": [(qc, None, 10)], "version": 2}, cls=RuntimeEncoder))
    return json.dumps(
        {"program_id": "sampler", "backend": "fake_manila", "params": params,
         "session_id": session_id}
    )  # fmt: skip


class EmulatorAPI:
    """The lab's emulator over REST, as one user (a key from its operator)."""

    def __init__(self, lab: LabServer) -> None:
        info = json.loads((lab.emulator_dir / "emulator.json").read_text())
        self.api = info["url"] + "/api/v1"
        operator = (lab.emulator_dir / "operator.key").read_text().strip()
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self._bearer(info['url'], operator)}"
        user = getpass.getuser()  # the lab's default owner: its kernels get this user's key
        key = self.http.post(f"{self.api}/qsession/users/{user}/key", json={}).json()["api_key"]
        self.http.headers["Authorization"] = f"Bearer {self._bearer(info['url'], key)}"

    def _bearer(self, url: str, key: str) -> str:
        reply = requests.post(f"{url}/identity/token", data={"grant_type": GRANT, "apikey": key})
        return reply.json()["access_token"]

    def session_with_jobs(self, jobs: int) -> str:
        session_id = self.http.post(f"{self.api}/sessions", json={"backend": "fake_manila"})
        session_id = session_id.json()["id"]
        body = sampler_body(session_id)
        for _ in range(jobs):
            self.http.post(f"{self.api}/jobs", data=body).raise_for_status()
        return session_id


def restart(sessions: int, jobs: int) -> None:
    from jupyter_qsession.wire import KERNEL_TOKEN_HEADER, kernel_token

    options = ("--QSessionEmulator.queue_wait=1000000",)  # queued jobs stay queued
    with tempfile.TemporaryDirectory() as tmp:
        lab = LabServer(Path(tmp), options=options)
        orphans: list[int] = []
        try:
            first = lab.start()
            first_ready = lab.wait_for_emulator()
            kernel_id = lab.http.post(f"{lab.url}/api/kernels", timeout=60).json()["id"]
            connection = Path(tmp) / "runtime" / f"kernel-{kernel_id}.json"
            bridge = kernel_token(json.loads(connection.read_text())["key"], kernel_id)
            emulator = EmulatorAPI(lab)
            session_ids = [emulator.session_with_jobs(jobs) for _ in range(sessions)]
            for session_id in session_ids:
                reply = requests.post(
                    f"{lab.url}/qsession/api/kernels/{kernel_id}/sessions",
                    json={"session_id": session_id},
                    headers={KERNEL_TOKEN_HEADER: bridge},
                    timeout=30,
                )
                reply.raise_for_status()

            def listed() -> dict[str, dict]:
                found = {}
                for session_id in session_ids:
                    reply = lab.get(f"/qsession/api/sessions/{session_id}")
                    if reply.status_code != 200 or len(reply.json()["jobs"]) < jobs:
                        return {}
                    found[session_id] = reply.json()
                return found

            lab.wait_for(lambda: bool(listed()))
            before = listed()
            emulator_pid = lab.emulator_pid()
            orphans = [pid for pid in children(lab.process.pid) if pid != emulator_pid]

            lab.kill()
            status = lab.start()
            reattached = lab.wait_for(lambda: bool(listed()))
            after = listed()
            # The kernel died with the server: the default policy closes its sessions.
            policy = lab.wait_for(
                lambda: (
                    bool(found := listed()) and not any(s["accepting_jobs"] for s in found.values())
                )
            )
            after_policy = listed()
            same_emulator = lab.emulator_pid() == emulator_pid
        finally:
            lab.stop()
            for pid in orphans:  # the kernel outlived its killed server
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    queued = sum(job["status"] == "QUEUED" for s in before.values() for job in s["jobs"])
    kept = sum(
        job["status"] == "QUEUED"
        for session_id, s in after_policy.items()
        for job in s["jobs"]
        if job["id"] in {j["id"] for j in before[session_id]["jobs"]}
    )
    lost = [s["id"] for s in after_policy.values() if s["ended_reason"] == "provider_lost"]
    states = sorted({s["state"] for s in after_policy.values()})
    print(f"kill -9 of the lab server: {sessions} sessions x {jobs} queued jobs registered "
          "by a kernel, then the same lab started again")  # fmt: skip
    print(f"  first start: /api/status {first:.2f} s, emulator answering {first_ready:.2f} s")
    print(
        f"  sessions listed again:       {len(after)} / {len(before)}"
        f"   (provider_lost: {len(lost)}; same emulator process: {same_emulator})"
    )
    print(
        f"  queued jobs still queued:    {kept} / {queued}   (after the kernel policy closed "
        f"the sessions: state {', '.join(states)}, not accepting jobs; queued jobs still run)"
    )
    print(f"  restart -> GET /api/status (baseline):           {status:6.2f} s")
    print(
        f"  restart -> every session's jobs listed again:   {reattached:6.2f} s"
        f"   ratio {reattached / status:.2f}"
    )
    print(f"  restart -> kernel policy applied (closing):      {policy:6.2f} s")
    print(f"  ({load()})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=10)
    args = parser.parse_args()
    print(f"({load()} at the start)")
    restart(args.sessions, args.jobs)
