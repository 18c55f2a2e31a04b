"""An emulator restart the kernels do not notice (issue 18, item 2, the lab's half).

The lab binds the emulator's listening socket and keeps it across the emulator's restarts, so a
connection made while the emulator is dead waits in the backlog for the next process instead of
being refused; with the signing key kept in the emulator's state, a kernel's client made before
a ``kill -9`` goes on with the same service object. A real lab process, a real kernel, the
unmodified client.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from urllib.parse import urlparse

from processes import LabProcess, alive, wait_for

PREPARE = """
import json
from jupyter_qsession.emulator import runtime_service
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2, Session
service = runtime_service()
backend = service.backend("fake_manila")
qc = QuantumCircuit(1)
qc.x(0)
qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
session = Session(backend=backend)
before = SamplerV2(mode=session).run([isa], shots=10)
print(id(service), before.job_id(), sum(before.result()[0].data.meas.get_counts().values()))
"""

# Right after the kill: the same service, session and job objects, nothing built again.
AFTER = """
in_session = SamplerV2(mode=session).run([isa], shots=10)
session.close()  # the session holds the QPU until then: a job-mode job would wait for its TTL
job_mode = SamplerV2(mode=backend).run([isa], shots=10)
print(json.dumps({
    "service": id(service),
    "shots": [sum(j.result()[0].data.meas.get_counts().values()) for j in (in_session, job_mode)],
    "before": str(service.job(before.job_id()).status()),
    "listed": sorted(job.job_id() for job in service.jobs(session_id=session.session_id)),
    "ids": sorted([before.job_id(), in_session.job_id()]),
}))
"""


def kill_emulator(lab: LabProcess) -> int:
    """``kill -9`` the lab's emulator and return once it is gone (its sockets closed)."""
    pid = lab.emulator_pid()
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not alive(pid), timeout=10, interval=0.001)
    return pid


def test_a_kernels_service_made_before_an_emulator_kill_goes_on_after_its_restart(tmp_path):
    lab = LabProcess(tmp_path).start()
    try:
        kernel_id, _ = lab.start_kernel()
        service_id, before_id, shots = lab.run(kernel_id, PREPARE, timeout=120).split()
        assert shots == "10"
        url = lab.emulator_info()["url"]

        old_pid = kill_emulator(lab)
        after = json.loads(lab.run(kernel_id, AFTER, timeout=120))

        assert after["service"] == int(service_id)  # the kernel built no new service
        assert after["shots"] == [10, 10]  # both ran (fake_manila is noisy: no exact counts)
        assert after["before"] == "DONE"
        assert after["listed"] == after["ids"] and before_id in after["ids"]
        restarted = lab.emulator_info()
        assert restarted["url"] == url and restarted["pid"] != old_pid
        # The lab says so, and its own view of the session went on.
        assert any("restarted" in w for w in lab.get("info").json()["warnings"])
    finally:
        lab.stop()


def test_a_connection_made_while_the_emulator_is_dead_waits_for_the_next_one(tmp_path):
    lab = LabProcess(tmp_path).start()
    try:
        url = urlparse(lab.emulator_info()["url"])
        old_pid = kill_emulator(lab)
        # No emulator process runs now: the connection is not refused, and the request on it
        # is answered by the emulator the lab starts in the dead one's place.
        with socket.create_connection((url.hostname, url.port), timeout=60) as conn:
            conn.sendall(b"GET /api/v1/backends HTTP/1.0\r\nHost: emulator\r\n\r\n")
            status = conn.makefile("rb").readline()
        assert status.startswith(b"HTTP/1.1 401"), status  # no token: refused, but answered
        assert lab.emulator_pid() != old_pid
    finally:
        lab.stop()
