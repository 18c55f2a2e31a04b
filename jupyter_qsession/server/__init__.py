"""The Jupyter server extension: the API the JupyterLab sidebar talks to."""
