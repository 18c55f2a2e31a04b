"""A simulation worker lives no longer than the emulator that started it.

An emulator killed with SIGKILL cannot stop its workers, and a worker deep inside an Aer
simulation reads no pipe, so it would simulate on for minutes beside the emulator started in
its place (issue 18). On Linux the kernel kills the worker when its parent goes
(``PR_SET_PDEATHSIG``), whatever the worker is doing. Workers also name themselves
:data:`PROCESS_NAME` (``/proc/<pid>/comm``), so an operator or a soak finds them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PROCESS_NAME = "qsession-sim"  # /proc/<pid>/comm of every simulation worker (<= 15 bytes)
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


def tie_to_parent(parent_pid: int) -> None:
    """Run first in a worker: die with the process ``parent_pid`` and take the worker's name.

    The kernel sends the signal when the *thread* that started this process ends:
    :class:`.SimulationWorkers` starts each worker from its serving thread, which lives until
    its shutdown. A parent that died before this ran sends nothing, so the parent pid is
    compared too: a worker adopted by another process exits at once.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_NAME, PROCESS_NAME.encode(), 0, 0, 0)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    if os.getppid() != parent_pid:
        os._exit(0)
