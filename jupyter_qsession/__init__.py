"""Make IBM Qiskit Runtime sessions visible in JupyterLab.

The package ships a prebuilt JupyterLab extension (the sidebar), a Jupyter server extension
(the REST and WebSocket API the sidebar talks to) and IPython magics for the kernel.
"""

try:
    from ._version import __version__
except ImportError:
    # _version.py is written by the hatch build hook; it is missing only when the
    # package is imported straight from a source checkout that was never
    # installed (pip install -e . writes it too).
    import warnings

    warnings.warn("Importing 'jupyter_qsession' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths():
    """Where the prebuilt labextension lives, for `jupyter labextension develop`."""
    return [{"src": "labextension", "dest": "jupyter-qsession"}]


def _jupyter_server_extension_points():
    """Declare the server extension; the import is deferred so that importing this package
    (from the CLI or a kernel) does not pull in jupyter-server."""
    from .server.app import QSessionApp

    return [{"module": "jupyter_qsession", "app": QSessionApp}]


def load_ipython_extension(ipython):
    """``%load_ext jupyter_qsession``: register the ``%%qsession`` / ``%qsession`` magics."""
    from .kernel.magics import load_ipython_extension as load

    load(ipython)
