"""Jupyter server configuration for the Galata integration tests.

!! Never use this configuration in production: it opens the server to the
world and exposes JupyterLab's JavaScript objects through `window`.
"""

import os
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
# Its port (8888) is overridden on the command line: playwright.config.js picks a free one and
# starts `jlpm start --ServerApp.port=N`, so the tests run beside a lab on 8888.

# CI and the development containers run as root.
c.ServerApp.allow_root = True  # noqa: F821

# A fresh registry per run, and an emulator whose first job queues for 1 s and whose jobs run
# for 20 s, so a test sees a job running (the session active, its TTL ticking) with another
# queued behind it.
# One execution lane, so the second job of a session waits behind the first. The emulator
# process keeps its state in the same fresh directory.
state = Path(tempfile.mkdtemp())
c.QSessionApp.registry_path = str(state / "sessions.sqlite")  # noqa: F821
c.EmulatorProvider.emulator_dir = str(state / "emulator")  # noqa: F821
c.QSessionEmulator.queue_wait = 1  # noqa: F821
c.QSessionEmulator.job_overhead = 20  # noqa: F821
c.QSessionEmulator.execution_lanes = 1  # noqa: F821

# Uncomment to set the server log level to debug.
# c.ServerApp.log_level = "DEBUG"

# An allocation (IBM's instance limit) of 10 h of QPU time, so the sidebar's header shows used
# of a limit and what is left (tests/elsewhere.spec.ts).
c.QSessionEmulator.allocation = 36000  # noqa: F821


# The accounts the lab serves beside its emulator come from this account file, never the
# user's own. The accounts spec's lab (playwright.config.js) names one in
# $QSESSION_UI_ACCOUNT_FILE, absent at start: the spec saves standalone emulators in it while
# the lab runs. Every other lab's stays absent. Looked at every second, so an account saved or
# deleted shows (or goes) within a second or two.
c.QSessionApp.account_file = os.environ.get("QSESSION_UI_ACCOUNT_FILE") or str(  # noqa: F821
    state / "qiskit-ibm.json"
)
c.QSessionApp.account_refresh_interval = 1  # noqa: F821
