"""Write the files generated from the Python side: ``openapi.json`` and ``src/models.ts``.

Run ``python -m jupyter_qsession.server.codegen`` after changing a model, the vocabulary or
the API version; ``tests/test_openapi.py`` fails until the checked-in files match.
"""

from __future__ import annotations

import json
from pathlib import Path

from .openapi import component_schemas, document
from .typescript import render

HERE = Path(__file__).parent
OPENAPI_PATH = HERE / "openapi.json"
TYPESCRIPT_PATH = HERE.parent.parent / "src" / "models.ts"


def typescript() -> str:
    return render(component_schemas())


def main() -> None:
    OPENAPI_PATH.write_text(json.dumps(document(), indent=2) + "\n")
    TYPESCRIPT_PATH.write_text(typescript())
    print(f"wrote {OPENAPI_PATH} and {TYPESCRIPT_PATH}")


if __name__ == "__main__":
    main()
