"""Run by IPython kernels of a lab server with ``load_magic_in_kernels`` (see ``autoload.py``).

Also run by a plain ``python`` started in that lab's terminals (they share ``$PYTHONSTARTUP``):
there it only runs the user's own start-up file and loads nothing.
"""

import os as _os

_user = _os.environ.get("QSESSION_USER_PYTHONSTARTUP")
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
