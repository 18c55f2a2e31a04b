"""``c.QSessionApp.load_magic_in_kernels``: a kernel of the lab loads the magic itself, at start,
before it runs any cell — so the first cell may use ``%%qsession`` at once — and a start-up
file of the user's own ($PYTHONSTARTUP) still runs."""

from __future__ import annotations

import os

import pytest

from lab import server_config

pytestmark = pytest.mark.emulator(queue_wait=0.2, job_overhead=0.05)


@pytest.fixture
def user_startup(tmp_path, monkeypatch):
    startup = tmp_path / "my_startup.py"
    startup.write_text("USER_STARTUP = 'ran'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    return startup


@pytest.fixture
def jp_server_config(request, tmp_path, user_startup):
    config = server_config(tmp_path, clock=None, load_magic_in_kernels=True)
    config["QSessionEmulator"].update(queue_wait=0.2, job_overhead=0.05)
    return config


CELL = "%%qsession --backend fake_manila\nprint('IN', session.session_id, USER_STARTUP)"


async def test_the_first_cell_of_a_new_kernel_may_use_the_magic(lab):
    kernel = await lab.start_kernel()
    # Sent as soon as the kernel answers: no %load_ext, no waiting for the server's listeners.
    status, text = await lab.execute(kernel, CELL)
    assert status == "ok", text
    line = next(line for line in text.splitlines() if line.startswith("IN "))
    assert line.endswith(" ran")  # the user's start-up file ran too


async def test_a_restarted_kernel_loads_it_again(lab):
    kernel = await lab.start_kernel()
    await lab.serverapp.kernel_manager.restart_kernel(kernel)
    status, text = await lab.execute(kernel, CELL)
    assert status == "ok", text


async def test_the_server_leaves_the_environment_as_it_found_it(lab, user_startup):
    assert os.environ["PYTHONSTARTUP"] != str(user_startup)  # the kernels' start-up file
    await lab.app.lifecycle.stop()
    assert os.environ["PYTHONSTARTUP"] == str(user_startup)
