"""A ``%%qsession`` cell's body runs as the cell itself, not one ``run_cell`` deeper: the
client walks the calling stack on every request (status polls included), so a deeper body
makes every request of the cell dearer than in a cell without the magic."""

from __future__ import annotations

import pytest

from tests.test_magic import BELL, SETUP

pytestmark = pytest.mark.emulator(queue_wait=0.2, job_overhead=0.05)

DEPTH = "import inspect\n{name} = len(inspect.stack())\n"
IN_SESSION = "from qiskit_ibm_runtime.utils.default_session import get_cm_session\n"


@pytest.fixture
def lab_clock():
    return None  # wall time: the kernel's client waits for real results


async def value(lab, kernel: str, expression: str) -> str:
    status, text = await lab.execute(kernel, f"print(repr({expression}))")
    assert status == "ok", text
    return text.strip().splitlines()[-1]


async def test_the_body_runs_at_the_depth_of_a_plain_cell(lab):
    kernel = await lab.start_kernel()
    status, text = await lab.execute(kernel, SETUP + BELL)
    assert status == "ok", text
    status, text = await lab.execute(kernel, DEPTH.format(name="plain"))
    assert status == "ok", text
    magic = "%%qsession --backend fake_manila\n" + DEPTH.format(name="in_magic")
    status, text = await lab.execute(kernel, magic)
    assert status == "ok", text
    assert await value(lab, kernel, "in_magic - plain") == "0"
    # The cell's line numbers are its own: an error names the body's line as the cell has it.
    status, text = await lab.execute(kernel, "%%qsession\nx = 1\nraise ValueError('line 3')")
    assert status == "error"
    assert "----> 3" in text, text


async def test_the_session_context_ends_with_the_cell_even_when_the_body_fails(lab):
    kernel = await lab.start_kernel()
    status, text = await lab.execute(kernel, SETUP + BELL + IN_SESSION)
    assert status == "ok", text
    status, text = await lab.execute(
        kernel, "%%qsession --backend fake_manila\ninside = get_cm_session()\n1 / 0"
    )
    assert status == "error" and "ZeroDivisionError" in text, text
    assert await value(lab, kernel, "inside is session") == "True"
    assert await value(lab, kernel, "get_cm_session()") == "None"


async def test_run_cell_magic_still_runs_the_body_in_the_session(lab):
    kernel = await lab.start_kernel()
    status, text = await lab.execute(kernel, SETUP + BELL + IN_SESSION)
    assert status == "ok", text
    status, text = await lab.execute(
        kernel,
        "get_ipython().run_cell_magic('qsession', '--backend fake_manila', "
        "'inside = get_cm_session()')",
    )
    assert status == "ok", text
    assert await value(lab, kernel, "inside is session") == "True"
    assert await value(lab, kernel, "get_cm_session()") == "None"
