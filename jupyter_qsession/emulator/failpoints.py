"""Failpoints: the emulator process kills itself at a chosen point of a change, so that tests
and ``bench/soak.py`` can show that what was acknowledged survives and what was not is not kept.

``$QSESSION_EMULATOR_FAILPOINT`` (:data:`jupyter_qsession.wire.FAILPOINT_ENV`), read at each
change a request makes (a POST, PUT, PATCH or DELETE, or a private result's one read):

* ``after-commit``: SIGKILL once the change is committed, before it is answered. The change is
  on disk; the client got no answer (the unmodified client sees a dropped connection).
* ``after-response``: SIGKILL right after the answer was sent.
* ``POINT:/path``: only at a change whose request path ends with ``/path``
  (``after-commit:/jobs``: the next job submitted; ``after-response:/sessions``).

The first matching change of the process kills it. The names are stable (the soak uses them);
unset the variable for the process restarted on the same state, or it dies in the same way.
"""

from __future__ import annotations

import os
import signal

from ..wire import FAILPOINT_ENV

AFTER_COMMIT = "after-commit"
AFTER_RESPONSE = "after-response"
POINTS = (AFTER_COMMIT, AFTER_RESPONSE)


def reached(point: str, path: str) -> None:
    """Kill this process now if ``$QSESSION_EMULATOR_FAILPOINT`` names ``point`` (and a suffix
    of ``path``)."""
    spec = os.environ.get(FAILPOINT_ENV)
    if not spec:
        return
    name, _, suffix = spec.partition(":")
    if name == point and path.endswith(suffix):
        os.kill(os.getpid(), signal.SIGKILL)
