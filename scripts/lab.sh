#!/usr/bin/env bash
# Install jupyter-qsession and start JupyterLab with it, on the embedded emulator (offline).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet .
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec jupyter lab "${extra[@]}" "$@"
