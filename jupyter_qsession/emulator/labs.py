"""How lab servers hold on to an emulator process: pid liveness and leases.

Both sides read these: the lab server that starts or finds the emulator
(``server/providers/process.py``) and the emulator's command line (``cli.py``), which exits
once every lab holding a lease is dead. Standard library only: the lab imports it at start.
"""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (someone else's counts: it is alive, not ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_leases(lease_dir: Path, besides: int | None = None) -> list[int]:
    """Pids of live lab servers holding a lease in ``lease_dir`` (other than ``besides``)."""
    pids = []
    for lease in lease_dir.glob("*"):
        try:
            pid = int(lease.name)
        except ValueError:
            continue
        if pid != besides and alive(pid):
            pids.append(pid)
    return pids
