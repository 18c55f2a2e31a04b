#!/usr/bin/env bash
# Install everything the tests need (pip, npm, apt) and run every test: pytest, jest, Playwright.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the UI tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== installing jupyter-qsession (editable, with test extras)"
# A `jupyter labextension develop` link, maybe to another checkout, would make pip write
# through it: drop it (the editable install copies the freshly built labextension).
link="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/labextensions/jupyter-qsession"
if [ -L "$link" ]; then rm "$link"; fi
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

echo "== ruff"
ruff check jupyter_qsession tests bench
ruff format --check jupyter_qsession tests bench

echo "== pytest"
python3 -m pytest

echo "== jest"
jlpm install --immutable >/dev/null
jlpm lint:check
jlpm test

echo "== Playwright (Debian chromium)"
(
  cd ui-tests
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install --immutable >/dev/null
  CI=1 jlpm playwright test
)
