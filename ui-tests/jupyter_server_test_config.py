"""Jupyter server configuration for the Galata integration tests.

!! Never use this configuration in production: it opens the server to the
world and exposes JupyterLab's JavaScript objects through `window`.
"""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# CI and the development containers run as root.
c.ServerApp.allow_root = True  # noqa: F821

# Uncomment to set the server log level to debug.
# c.ServerApp.log_level = "DEBUG"
