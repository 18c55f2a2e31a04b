"""``c.QSessionApp.load_magic_in_kernels``: the magic is loaded by the kernel itself, at start.

IPython kernels run the file named by ``$PYTHONSTARTUP`` during start-up, before they answer
any request — so a cell run the moment the kernel is up already has ``%%qsession``, with no
message from the server racing the user's. The lab server puts :data:`STARTUP_FILE` there in
its kernels' environment; a ``$PYTHONSTARTUP`` the user had is kept in
:data:`~jupyter_qsession.wire.USER_STARTUP_ENV` and run first. Loading costs nothing until the
first ``%%qsession`` cell (the client is imported then).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..wire import USER_STARTUP_ENV

STARTUP_FILE = str(Path(__file__).with_name("startup.py"))


def kernel_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables that make a kernel started with ``environ`` load the magic itself."""
    env = {"PYTHONSTARTUP": STARTUP_FILE}
    previous = environ.get("PYTHONSTARTUP", "")
    if previous and previous != STARTUP_FILE:
        env[USER_STARTUP_ENV] = previous
    return env
