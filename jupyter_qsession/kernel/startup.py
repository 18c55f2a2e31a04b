"""Run by IPython kernels of a lab server with ``load_magic_in_kernels`` (see ``autoload.py``).

Also run by a plain ``python`` started in that lab's terminals (they share ``$PYTHONSTARTUP``):
there it only runs the user's own start-up file and loads nothing. That Python may be another
environment's, without jupyter_qsession: so the variable's name is read from ``wire.py`` next
to this file (by path, not imported), and the magic is loaded only in an IPython kernel.
"""

import os as _os
import runpy as _runpy

_wire = _os.path.join(_os.path.dirname(_os.path.dirname(__file__)), "wire.py")
_user = _os.environ.get(_runpy.run_path(_wire)["USER_STARTUP_ENV"])
if _user and _os.path.isfile(_user):
    with open(_user) as _file:
        exec(compile(_file.read(), _user, "exec"))

try:
    from IPython import get_ipython as _get_ipython
except ImportError:
    _shell = None
else:
    _shell = _get_ipython()
if _shell is not None and getattr(_shell, "kernel", None) is not None:
    _shell.extension_manager.load_extension("jupyter_qsession")
