"""What the lab server tells its log: one INFO line when a session is registered (by which
kernel, for which notebook), closed or cancelled on request, ended by a kernel policy (which
policy, which kernel), and when it ends (why, in the words the sidebar uses)."""

from __future__ import annotations

import logging

import pytest
from test_server_lifecycle import eventually

from jupyter_qsession.vocabulary import ENDED_WORDS, EndedReason
from lab import QUEUE_WAIT


class ServerLogLines(logging.Handler):
    """The extension's lines as they reach the server's own log (``serverapp.log``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("jupyter_qsession"):
            self.records.append(record)

    def about(self, session_id: str) -> list[tuple[int, str]]:
        """Its lines, but for the one saying it was found on the account: the test's client
        opens sessions with the account's key, so each is found before its kernel registers
        it (issue 13)."""
        return [
            (r.levelno, r.getMessage())
            for r in self.records
            if session_id in r.getMessage() and FOUND not in r.getMessage()
        ]


@pytest.fixture
def server_log(lab):
    lines = ServerLogLines()
    lab.serverapp.log.addHandler(lines)
    yield lines
    lab.serverapp.log.removeHandler(lines)


FOUND = "elsewhere on the account"


def ended(reason: EndedReason) -> str:
    return f"ended: {ENDED_WORDS[reason]}"


async def test_register_then_close_on_request_then_the_end_one_line_each(lab, server_log):
    kernel, session, _ = await lab.kernel_with_a_queued_job()
    session_id = session.session_id
    status, _ = await lab.api(f"sessions/{session_id}/close", "POST")
    assert status == 200
    await lab.advance(QUEUE_WAIT + 60)  # the queued job runs, then the session ends

    lines = server_log.about(session_id)
    assert [level for level, _ in lines] == [logging.INFO] * 3
    registered, closing, end = (text for _, text in lines)
    assert "registered" in registered and f"kernel {kernel}" in registered
    assert "fake_manila" in registered
    assert "closing" in closing and "on request" in closing
    assert end.endswith(ended(EndedReason.CLOSED))


async def test_cancel_on_request_then_the_end(lab, server_log):
    _, session, _ = await lab.kernel_with_a_queued_job()
    session_id = session.session_id
    status, _ = await lab.api(f"sessions/{session_id}/cancel", "POST")
    assert status == 200
    await lab.sync()

    texts = [text for _, text in server_log.about(session_id)]
    assert len(texts) == 3
    assert "cancelling" in texts[1] and "on request" in texts[1]
    assert texts[2].endswith(ended(EndedReason.CANCELLED))


async def test_a_kernel_policy_says_which_policy_and_which_kernel(lab, server_log):
    kernel, session, _ = await lab.kernel_with_a_queued_job()
    session_id = session.session_id
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel)
    await eventually(lambda: len(server_log.about(session_id)) == 2)
    await lab.advance(QUEUE_WAIT + 60)

    texts = [text for _, text in server_log.about(session_id)]
    assert len(texts) == 3
    policy = texts[1]
    assert f"closing session {session_id} of kernel {kernel}" in policy
    assert "policy close" in policy and ENDED_WORDS[EndedReason.KERNEL_SHUTDOWN] in policy
    assert "on request" not in policy  # one line for the policy's close, not two
    assert texts[2].endswith(ended(EndedReason.KERNEL_SHUTDOWN))


@pytest.mark.qsession(on_kernel_restart="cancel")
async def test_the_restart_policy_cancels_and_says_so(lab, server_log):
    kernel, session, _ = await lab.kernel_with_a_queued_job()
    session_id = session.session_id
    await lab.serverapp.kernel_manager.restart_kernel(kernel)
    await eventually(lambda: len(server_log.about(session_id)) == 3)

    texts = [text for _, text in server_log.about(session_id)]
    assert f"cancelling session {session_id} of kernel {kernel}" in texts[1]
    assert "policy cancel" in texts[1] and ENDED_WORDS[EndedReason.KERNEL_RESTART] in texts[1]
    assert texts[2].endswith(ended(EndedReason.KERNEL_RESTART))


async def test_a_line_reaches_the_server_log_and_the_root_logger_once(lab, server_log, caplog):
    """Handed to the server log's handlers (its format, its level), and propagated as any
    module's record (pytest's caplog reads it there) — neither twice."""
    caplog.set_level(logging.INFO, logger="jupyter_qsession")
    _, session, _ = await lab.kernel_with_a_queued_job()
    assert len(server_log.about(session.session_id)) == 1
    at_root = [r for r in caplog.records if session.session_id in r.getMessage()]
    at_root = [r for r in at_root if FOUND not in r.getMessage()]
    assert [r.levelno for r in at_root] == [logging.INFO]


async def test_the_registration_names_the_notebook_of_the_kernel(lab, server_log):
    jupyter_session = await lab.serverapp.session_manager.create_session(
        path="vqe.ipynb", name="vqe.ipynb", type="notebook", kernel_name="python3"
    )
    kernel = jupyter_session["kernel"]["id"]
    lab.kernels.append(kernel)
    session = await lab.open_session()
    status, _ = await lab.register(kernel, session.session_id)
    assert status == 200

    [(_, registered)] = server_log.about(session.session_id)
    assert f"kernel {kernel}" in registered and "notebook vqe.ipynb" in registered
