"""The operator's session view (what the lab server shows): every state the session entered,
with the service's own times, its jobs newest first, and why it ended as a word of the
vocabulary — and the rules it is computed from only read."""

from __future__ import annotations

import subprocess
import sys

import pytest
from qiskit_ibm_runtime import Batch, SamplerV2, Session

from conftest import EPS, INTERACTIVE_TTL, JOB, QUEUE_WAIT
from jupyter_qsession.timing import from_iso


def view(rest, session_id: str) -> dict:
    return rest("GET", f"/qsession/sessions/{session_id}").json()


def test_the_view_lists_every_state_the_session_entered_with_the_services_times(
    emu, rest, backend, bell
):
    session = Session(backend=backend)
    SamplerV2(mode=session).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + INTERACTIVE_TTL + EPS)  # ran, then idle past the TTL
    session.cancel()
    details = rest("GET", f"/sessions/{session.session_id}").json()
    transitions = view(rest, session.session_id)["transitions"]
    assert [t["state"] for t in transitions] == ["open", "active", "inactive", "closed"]
    assert [t["at"] for t in transitions] == [t["timestamp"] for t in details["timestamps"]]
    idle_for = from_iso(transitions[2]["at"]) - from_iso(transitions[1]["at"])
    assert idle_for == pytest.approx(JOB + INTERACTIVE_TTL, abs=1e-5)


def test_the_view_lists_jobs_newest_first_also_those_submitted_at_one_instant(
    emu, rest, backend, bell
):
    batch = Batch(backend=backend)
    same_instant = [SamplerV2(mode=batch).run([bell], shots=10).job_id() for _ in range(3)]
    emu.advance(1.0)
    later = SamplerV2(mode=batch).run([bell], shots=10).job_id()
    jobs = [job["id"] for job in view(rest, batch.session_id)["jobs"]]
    assert jobs == [later, *reversed(same_instant)]


def test_a_session_that_got_no_job_for_30_minutes_ends_unused(emu, rest, backend):
    session = Session(backend=backend)
    emu.advance(30 * 60 + EPS)
    shown = view(rest, session.session_id)
    assert (shown["state"], shown["ended_reason"]) == ("closed", "unused")
    # The service's own words stay as they were.
    assert rest("GET", f"/sessions/{session.session_id}").json()["state_reason"] == (
        "no job submitted"
    )


def test_asking_the_rules_changes_nothing(emu, backend, bell):
    SamplerV2(mode=Batch(backend=backend)).run([bell], shots=10)
    emu.advance(QUEUE_WAIT + JOB + EPS)  # a batch with nothing pending: a new job re-enters
    batch = Batch(backend=backend)
    for _ in range(2):
        SamplerV2(mode=batch).run([bell], shots=10)
    SamplerV2(mode=Session(backend=backend)).run([bell], shots=10)
    scheduler = emu.emulator.scheduler

    def state() -> str:  # every field but a job's payload (what the runner will run)
        return repr((scheduler.sessions, scheduler.jobs))

    def ask_every_rule() -> tuple[str, str]:
        before = state()
        rules = scheduler.rules
        now = scheduler.clock.now()
        for session in list(scheduler.sessions.values()):
            rules.admission(session, now)
            rules.interactive_deadline(session)
            rules.empty_deadline(session)
        rules.next_start("fake_manila")
        rules.queued()
        rules.active_workloads("fake_manila")
        return before, state()

    before, after = emu.call(ask_every_rule)
    assert before == after


def test_the_client_module_a_kernel_imports_loads_no_web_server():
    code = (
        "import sys, jupyter_qsession.client.emulator_service; "
        "print('tornado.web' in sys.modules, 'tornado.httpserver' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
