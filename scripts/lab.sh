#!/usr/bin/env bash
# Install jupyter-qsession and start JupyterLab with it, on the embedded emulator (offline).
set -euo pipefail
cd "$(dirname "$0")/.."
# A `jupyter labextension develop` link would make pip write through it: drop it.
link="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/labextensions/jupyter-qsession"
if [ -L "$link" ]; then rm "$link"; fi
python3 -m pip install --quiet .
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec jupyter lab "${extra[@]}" "$@"
