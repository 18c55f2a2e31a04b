"""A ``Session`` or ``Batch`` a kernel's own client opens without ``%%qsession`` is that
kernel's: a real lab server and kernel, the unmodified client in the kernel's cells."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.emulator(queue_wait=0.2, job_overhead=0.05)

CONNECT = """
%load_ext jupyter_qsession
from qiskit_ibm_runtime import Batch, Session
from jupyter_qsession.emulator import runtime_service
service = runtime_service()  # the lab gives its kernels the emulator's URL and their key
backend = service.backend("fake_manila")
"""


@pytest.fixture
def lab_clock():
    return None  # wall time


async def opened(lab, kernel: str, code: str) -> dict[str, str]:
    """Run ``code``; the ``NAME id`` lines it printed, as {NAME: id}."""
    status, text = await lab.execute(kernel, code)
    assert status == "ok", text
    assert "jupyter-qsession" not in text, text  # registering said nothing
    await lab.sync()
    return dict(line.split() for line in text.splitlines() if line.startswith(("S ", "B ")))


async def test_a_session_opened_without_the_magic_is_the_kernels_and_ends_with_it(lab):
    kernel = await lab.start_kernel()
    ids = await opened(lab, kernel, CONNECT + (
        "s = Session(backend=backend)\nb = Batch(backend=backend)\n"
        "print('S', s.session_id)\nprint('B', b.session_id)"))  # fmt: skip
    for session_id in ids.values():
        status, body = await lab.api(f"sessions/{session_id}")
        assert status == 200, body
        assert (body["origin"], body["kernel_id"]) == ("kernel", kernel)

    await lab.serverapp.kernel_manager.shutdown_kernel(kernel)
    await lab.serverapp.event_logger.gather_listeners()
    await lab.sync()
    for session_id in ids.values():
        _, body = await lab.api(f"sessions/{session_id}")
        assert (body["state"], body["ended_reason"]) == ("closed", "kernel_shutdown")


async def test_another_kernels_session_stays_its_and_only_top_level_names_are_seen(lab):
    first, second = await lab.start_kernel(), await lab.start_kernel()
    theirs = (await opened(lab, first, CONNECT + "s = Session(backend=backend)\n"
                           "print('S', s.session_id)"))["S"]  # fmt: skip
    # The second kernel attaches to it (Session.from_id) and keeps a session in a list only.
    ids = await opened(lab, second, CONNECT + (
        f"s = Session.from_id({theirs!r}, service)\nkept = [Session(backend=backend)]\n"
        "print('B', kept[0].session_id)"))  # fmt: skip
    _, body = await lab.api(f"sessions/{theirs}")
    assert body["kernel_id"] == first  # registered under the first kernel: it stays there
    _, body = await lab.api(f"sessions/{ids['B']}")
    assert body["origin"] == "elsewhere"  # not a top-level name: found on the account only
