"""The contract between the lab server, its kernels and the emulator: environment variable
names, the kernel's bridge header and token, the REST prefix.

Imported by the kernel, the server and the emulator alike, so it imports nothing of theirs
(and no tornado): a kernel that loads the magic pays for this module only.
"""

from __future__ import annotations

import hashlib
import hmac

# What the lab server exports to the kernels it starts (never to a browser).
BRIDGE_URL_ENV = "QSESSION_BRIDGE_URL"  # the lab server's URL, for the kernel bridge
PROVIDER_ENV = "QSESSION_PROVIDER"  # 'emulator' or 'ibm': which service the lab uses
EMULATOR_URL_ENV = "QSESSION_EMULATOR_URL"  # a Runtime REST URL instead of IBM's
EMULATOR_TOKEN_ENV = "QSESSION_EMULATOR_TOKEN"  # the API key for it (the kernel owner's)
# Kept for a kernel started to load the magic itself (kernel/autoload.py): the user's own
# $PYTHONSTARTUP, which the kernel's start-up file runs first.
USER_STARTUP_ENV = "QSESSION_USER_PYTHONSTARTUP"
# What the lab server gives the emulator process it starts (env, not argv: argv is public).
OPERATOR_KEY_ENV = "QSESSION_EMULATOR_OPERATOR_KEY"

# More names for the emulator's fake backends, "name=fake_name[,...]": a device the client's
# own tests expect by name (bench/conformance.py serves IBM's staging ``test_eagle`` as
# fake_sherbrooke). An environment variable, not an argument, because every catalog must
# agree, including those of the simulation workers; set it before the emulator starts.
ALIASES_ENV = "QSESSION_EMULATOR_BACKEND_ALIASES"

# The lab server's REST prefix, and its version: bump it when a field or path changes meaning
# (the sidebar, generated from it, refuses to talk to a server of another version).
API_PREFIX = "/qsession/api"
API_VERSION = "2"
# Not `Authorization`: that header carries jupyter-server user tokens.
KERNEL_TOKEN_HEADER = "X-QSession-Kernel-Token"


def kernel_token(key: bytes | str, kernel_id: str) -> str:
    """The bridge token of ``kernel_id``: HMAC-SHA256 of the id under the kernel's connection
    key, which only the kernel and its server hold — so a kernel acts only as itself."""
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(key, f"jupyter-qsession:{kernel_id}".encode(), hashlib.sha256).hexdigest()


# Failpoints of the emulator process, for tests and bench/soak.py (emulator/failpoints.py):
# ``after-commit`` SIGKILLs the process between the commit of its next change and the answer
# to it; ``after-response`` right after that answer was sent. ``POINT:/path`` waits for a
# change whose request path ends with ``/path`` (``after-commit:/jobs``: the next job submitted).
FAILPOINT_ENV = "QSESSION_EMULATOR_FAILPOINT"

# The accounts of c.QSessionApp.accounts, with their tokens, for the kernels the lab starts:
# a JSON list of {"name", "channel", "url", "token", "instance"} (env, never argv or a browser).
CONFIG_ACCOUNTS_ENV = "QSESSION_CONFIG_ACCOUNTS"
# The account file the lab reads (c.QSessionApp.account_file), so its kernels read the same
# saved accounts even where it is not the client's default ~/.qiskit/qiskit-ibm.json.
ACCOUNT_FILE_ENV = "QSESSION_ACCOUNT_FILE"
