#!/usr/bin/env bash
# Install jupyter-qsession (only when its sources changed since the last install) and start
# JupyterLab with it, on the embedded emulator (offline), in the foreground: Ctrl-C stops it.
# Notebooks live in notebooks/ (git-ignored), not in the source tree; the README's quick-start
# example is put there as quick-start.ipynb the first time. Arguments go to `jupyter lab`.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=.cache/lab-install.stamp
link="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/labextensions/jupyter-qsession"

# What the last install was made of: the sources that go into the package, and what is
# installed now (version, how, the labextension's build). Either changing means reinstall.
install_key() {
  python3 -I - <<'PY'
import hashlib, json, sys
from importlib import metadata
from pathlib import Path

inputs = ["pyproject.toml", "package.json", "yarn.lock", "install.json", "tsconfig.json"]
for folder in ["src", "style", "schema", "jupyter-config", "jupyter_qsession"]:
    inputs += sorted(
        str(p) for p in Path(folder).rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and not str(p).startswith("jupyter_qsession/labextension")
        and str(p) != "jupyter_qsession/_version.py"
    )
digest = hashlib.sha256()
for name in inputs:
    digest.update(name.encode() + b"\0" + Path(name).read_bytes() + b"\0")
labext = Path(sys.prefix, "share/jupyter/labextensions/jupyter-qsession")
try:
    dist = metadata.distribution("jupyter_qsession")
    installed = [dist.version, dist.read_text("direct_url.json") or ""]
except metadata.PackageNotFoundError:
    installed = ["not installed"]
if labext.is_symlink() or not (labext / "package.json").is_file():
    installed.append("no installed labextension")
else:
    installed.append((labext / "package.json").read_text())
print(json.dumps({"python": sys.executable, "sources": digest.hexdigest(), "installed": installed}))
PY
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(install_key)" ]; then
  echo "== jupyter-qsession is installed and its sources have not changed: not reinstalling"
else
  echo "== installing jupyter-qsession (its sources changed since the last install, or it is not installed)"
  # A `jupyter labextension develop` link would make pip write through it: drop it.
  if [ -L "$link" ]; then rm "$link"; fi
  python3 -m pip install --quiet --disable-pip-version-check .
  mkdir -p "$(dirname "$stamp")"
  install_key >"$stamp"
fi

# The README's quick-start cells as a notebook, once: the user's edits are theirs to keep.
mkdir -p notebooks
if [ ! -e notebooks/quick-start.ipynb ]; then
  python3 - <<'PY'
import re
from pathlib import Path

import nbformat

readme = Path("README.md").read_text()
section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
cells = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.strip()) for c in cells])
notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbformat.write(notebook, "notebooks/quick-start.ipynb")
PY
fi

extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
# `python3 -m jupyterlab`: the interpreter pip installed into, whatever `jupyter` is on PATH.
exec python3 -m jupyterlab --ServerApp.root_dir=notebooks "${extra[@]}" "$@"
