"""Make IBM Qiskit Runtime sessions visible in JupyterLab.

The package ships a prebuilt JupyterLab extension (the sidebar) and a Jupyter
server extension (the REST and WebSocket API the sidebar talks to).
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
    """Declare this module as the Jupyter server extension `jupyter_qsession`."""
    return [{"module": "jupyter_qsession"}]


def _load_jupyter_server_extension(server_app):
    """Load the server extension into a running Jupyter server.

    The import is deferred so that importing `jupyter_qsession` (for example from
    the CLI or a kernel) does not pull in the server-side dependencies.

    Parameters
    ----------
    server_app: jupyter_server.serverapp.ServerApp
        The running Jupyter server.
    """
    from .server.extension import load

    load(server_app)


# For backward compatibility with the classic notebook server.
load_jupyter_server_extension = _load_jupyter_server_extension
