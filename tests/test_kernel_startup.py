"""The magic in a real IPython kernel (jupyter_client, no lab server): loading it imports no
Runtime client, emulator, lab server or web server — the first ``%%qsession`` cell imports the
client — and a kernel started with :func:`~jupyter_qsession.kernel.autoload.kernel_env` in its
environment has the magic before its first cell, after the user's own ``$PYTHONSTARTUP`` ran."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from jupyter_client.manager import start_new_kernel

from jupyter_qsession.kernel.autoload import kernel_env
from jupyter_qsession.wire import BRIDGE_URL_ENV, EMULATOR_TOKEN_ENV, EMULATOR_URL_ENV

# What a kernel must not pay for until a cell needs the service: the web server, the client,
# and any module of the emulator or of the lab server.
HEAVY = """
import sys
print("HEAVY", sorted(
    name for name in sys.modules
    if name in ("tornado.web", "tornado.httpserver")
    or name.split(".")[0] in ("qiskit", "qiskit_ibm_runtime")
    or name.startswith(("jupyter_qsession.emulator", "jupyter_qsession.server"))
))
"""
HAS_MAGIC = "print('MAGIC', 'qsession' in get_ipython().magics_manager.magics['cell'])"
FIRST_CELL = "%%qsession --backend fake_manila\nprint('IN', session.session_id)"


class Kernel:
    """A kernel started by jupyter_client with a given environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.manager, self.client = start_new_kernel(kernel_name="python3", env=env)

    def run(self, code: str) -> tuple[str, str]:
        """The cell's status and everything it printed (streams, results, errors)."""
        texts: list[str] = []

        def collect(msg) -> None:
            content = msg["content"]
            if msg["msg_type"] == "stream":
                texts.append(content["text"])
            elif msg["msg_type"] in ("execute_result", "display_data"):
                texts.append(content["data"].get("text/plain", "") + "\n")
            elif msg["msg_type"] == "error":
                texts.append(f"{content['ename']}: {content['evalue']}\n")

        reply = self.client.execute_interactive(code, output_hook=collect, timeout=120)
        return reply["content"]["status"], "".join(texts)

    def line(self, code: str, tag: str) -> str:
        """The rest of the line ``code`` printed after ``tag``."""
        status, text = self.run(code)
        assert status == "ok", text
        return next(line for line in text.splitlines() if line.startswith(tag))[len(tag) + 1 :]

    def stop(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def start_kernel() -> Iterator[Callable[[dict[str, str]], Kernel]]:
    kernels: list[Kernel] = []

    def start(env: dict[str, str]) -> Kernel:
        kernels.append(Kernel(env))
        return kernels[-1]

    yield start
    for kernel in kernels:
        kernel.stop()


def outside_a_lab(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != BRIDGE_URL_ENV}
    env.pop("PYTHONSTARTUP", None)
    return {**env, **extra}


def test_loading_the_magic_imports_no_client_emulator_or_web_server(emu, start_kernel):
    kernel = start_kernel(
        outside_a_lab(**{EMULATOR_URL_ENV: emu.url, EMULATOR_TOKEN_ENV: emu.emulator.api_key})
    )
    assert kernel.line("%load_ext jupyter_qsession\n" + HEAVY, "HEAVY") == "[]"
    # The first cell that needs the service imports the client, and works.
    status, text = kernel.run(FIRST_CELL)
    assert status == "ok" and "IN " in text, text
    assert "Not in a JupyterLab kernel: nothing will close session" in text
    after = kernel.line(HEAVY, "HEAVY")
    assert "'qiskit_ibm_runtime'" in after
    # Even then, no web server and nothing of the lab server: the kernel is only a client.
    assert "tornado.web" not in after and "tornado.httpserver" not in after, after
    assert "jupyter_qsession.server" not in after, after


def test_kernel_env_loads_the_magic_before_the_first_cell_after_the_users_startup(
    tmp_path, start_kernel
):
    users_own = tmp_path / "startup.py"
    users_own.write_text("USERS_STARTUP = 'ran'\n")
    environ = {**outside_a_lab(), "PYTHONSTARTUP": str(users_own)}
    kernel = start_kernel({**environ, **kernel_env(environ)})
    # The kernel's very first cell: the magic is there, and so is what the user's file defined.
    assert kernel.line(HAS_MAGIC + "\nprint('USER', USERS_STARTUP)", "MAGIC") == "True"
    assert kernel.line("print('USER', USERS_STARTUP)", "USER") == "ran"
    assert kernel.line(HEAVY, "HEAVY") == "[]"  # loading at start-up costs nothing either


def test_kernel_env_without_a_users_startup_file_loads_the_magic(start_kernel):
    environ = outside_a_lab()
    kernel = start_kernel({**environ, **kernel_env(environ)})
    assert kernel.line(HAS_MAGIC, "MAGIC") == "True"


def test_a_plain_python_with_kernel_env_runs_the_users_startup_and_loads_nothing(tmp_path):
    """A lab terminal shares the kernels' $PYTHONSTARTUP; its ``python`` (run away from this
    checkout, as another environment's would be) runs the user's file and nothing of ours."""
    users_own = tmp_path / "startup.py"
    users_own.write_text("print('USER', 'ran')\n")
    environ = {**outside_a_lab(), "PYTHONSTARTUP": str(users_own)}
    environ.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-i"],
        input="import sys; print('LOADED', 'jupyter_qsession' in sys.modules)\n",
        env={**environ, **kernel_env(environ)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "USER ran" in done.stdout and "LOADED False" in done.stdout, done.stdout
