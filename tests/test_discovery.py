"""Finding the account's open sessions that a separate Python process left on the service.

Neither the REST API nor the client lists sessions (qiskit-ibm-runtime issue #963 asks for
``open_sessions()``); the account lists its jobs, filtered by ``pending`` and
``created_after`` (https://quantum.cloud.ibm.com/docs/api/qiskit-runtime-rest/tags/jobs), and
each job names its session. A session stays open up to its max TTL, 8 h at most
(https://quantum.cloud.ibm.com/docs/guides/max-execution-time#session-ttl), idle between jobs:
the first look reads 8 h of jobs, later looks only what is new.

The sessions are opened by a plain Python process running the unmodified client against the
emulator (manual clock), as a script or another notebook server would.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

import pytest

from conftest import INTERACTIVE_TTL, JOB, QUEUE_WAIT
from jupyter_qsession.client.discovery import MAX_SESSION_TTL, SessionFinder, find_open_sessions
from jupyter_qsession.server.providers import RuntimeServiceProvider
from jupyter_qsession.timing import to_iso

SCRIPT = """
import json, sys
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import Batch, SamplerV2, Session
from jupyter_qsession.emulator import runtime_service

service = runtime_service(sys.argv[1], sys.argv[2])
backend = service.backend("fake_manila")
qc = QuantumCircuit(2)
qc.h(0)
qc.cx(0, 1)
qc.measure_all()
bell = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
opened = {}
"""


def script(emu, body: str) -> dict[str, str]:
    """Run ``body`` (after :data:`SCRIPT`) in a separate Python process against ``emu``; it
    fills ``opened`` (name -> session id), which comes back."""
    code = SCRIPT + textwrap.dedent(body) + "\nprint(json.dumps(opened))\n"
    done = subprocess.run(
        [sys.executable, "-c", code, emu.url, emu.emulator.api_key],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def lister(service):
    """The finder's job lister over the client's public ``service.jobs()``."""

    async def list_jobs(**filters):
        jobs = await asyncio.to_thread(service.jobs, **filters)
        return [
            {
                "id": job.job_id(),
                "session_id": job.session_id,
                "status": None,
                "created": to_iso(job.creation_date),
            }
            for job in jobs
        ]

    return list_jobs


def finder_for(emu, service) -> SessionFinder:
    return SessionFinder(lister(service), clock=emu.emulator.clock.now)


A_SCRIPT_LEAVES_SESSIONS = """
session = Session(backend=backend)
SamplerV2(mode=session).run([bell], shots=10)
SamplerV2(mode=session).run([bell], shots=10)
opened["session"] = session.session_id
batch = Batch(backend=backend)
SamplerV2(mode=batch).run([bell], shots=10)
opened["batch"] = batch.session_id
closed = Session(backend=backend)
SamplerV2(mode=closed).run([bell], shots=10)
closed.close()  # closes once its job has run
opened["closed"] = closed.session_id
SamplerV2(mode=backend).run([bell], shots=10)  # job mode: no session
"""


# Long enough for every job of the script to run: an active session holds the QPU until it
# turns inactive, so the sessions run one after another.
SETTLE = 3 * (QUEUE_WAIT + 2 * JOB + INTERACTIVE_TTL) + 1


def test_find_open_sessions_gives_exactly_the_open_ones_a_script_left(emu, service):
    opened = script(emu, A_SCRIPT_LEAVES_SESSIONS)
    emu.advance(SETTLE)  # every job ran; two sessions open, one closed
    found = find_open_sessions(service, clock=emu.emulator.clock.now)
    assert {d["id"] for d in found} == {opened["session"], opened["batch"]}
    assert {d["mode"] for d in found} == {"dedicated", "batch"}  # a batch read as a Batch
    assert all(d["state"] != "closed" and d["accepting_jobs"] for d in found)


def test_finder_offers_the_sessions_of_recent_jobs_and_a_later_one_in_the_next_look(emu, service):
    opened = script(emu, A_SCRIPT_LEAVES_SESSIONS)
    finder = finder_for(emu, service)
    first = asyncio.run(finder.find(set()))
    # Recent jobs may belong to sessions closed since: the caller reads each (and keeps
    # what it read in ``known``); a job-mode job names no session.
    assert first == set(opened.values())
    emu.advance(SETTLE)
    later = script(
        emu,
        "s = Session(backend=backend); SamplerV2(mode=s).run([bell], shots=10)"
        "\nopened['later'] = s.session_id",
    )
    looks = finder.requests
    assert asyncio.run(finder.find(first)) == {later["later"]}
    assert asyncio.run(finder.find(first | {later["later"]})) == set()
    # Each look: one page of pending jobs and one of new jobs, whatever came before.
    assert finder.requests - looks == 4


def test_an_idle_open_session_with_only_finished_jobs_is_found_within_the_look_back(emu, service):
    """An idle session is open until its max TTL ends or it is closed: the first look reads
    the jobs of the last 8 h, so one whose jobs all finished long ago is found too."""
    opened = script(emu, A_SCRIPT_LEAVES_SESSIONS)
    emu.advance(SETTLE + 3600)  # an hour idle, inactive
    assert service.jobs(pending=True) == []
    found = asyncio.run(finder_for(emu, service).find(set()))
    assert opened["session"] in found and opened["batch"] in found
    states = {
        d["id"]: d["state"] for d in find_open_sessions(service, clock=emu.emulator.clock.now)
    }
    assert states == {opened["session"]: "inactive", opened["batch"]: "inactive"}


def test_a_session_that_ended_before_the_look_back_is_never_read(emu, service):
    """The account's history costs nothing: sessions whose jobs are older than any session
    can stay open are not even offered."""
    script(emu, A_SCRIPT_LEAVES_SESSIONS)
    emu.advance(MAX_SESSION_TTL + SETTLE)  # every max TTL has run out
    assert asyncio.run(finder_for(emu, service).find(set())) == set()
    assert find_open_sessions(service, clock=emu.emulator.clock.now) == []


def test_a_queued_job_keeps_its_session_found_whatever_its_age(emu, service):
    """The pending jobs are read on every look: a session whose job still waits is found even
    when that job is older than the look-back."""
    opened = script(emu, A_SCRIPT_LEAVES_SESSIONS)
    emu.advance(QUEUE_WAIT / 2)  # the jobs still wait
    finder = SessionFinder(lister(service), clock=emu.emulator.clock.now, look_back=0)
    assert opened["session"] in asyncio.run(finder.find(set()))


@pytest.mark.emulator(allocation=100)
def test_ibm_provider_discovers_the_open_sessions_and_reports_usage(emu, service):
    opened = script(emu, A_SCRIPT_LEAVES_SESSIONS)
    emu.advance(SETTLE)
    provider = RuntimeServiceProvider(url=emu.url, token=emu.emulator.api_key)
    provider.clock = emu.emulator.clock.now
    pushed: dict = {}

    async def look():
        await provider.discover_now(pushed.update)
        return await provider.usage()

    usage = asyncio.run(look())
    still_open = {k: s for k, s in pushed.items() if s.state != "closed"}
    assert set(still_open) == {opened["session"], opened["batch"]}
    assert {s.mode for s in still_open.values()} == {"dedicated", "batch"}
    assert all(len(s.jobs) > 0 for s in still_open.values())
    # The closed one (the manager ignores it) is held: never read again.
    assert opened["closed"] in provider.held and opened["closed"] not in still_open
    assert usage.limit_seconds == 100 and usage.used_seconds > 0
    assert usage.remaining_seconds == pytest.approx(100 - usage.used_seconds)
    assert usage.limit_reached is False and usage.period_start is not None
