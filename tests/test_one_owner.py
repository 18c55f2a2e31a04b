"""Each concept has one owner (issue 11): a second place that formats a timestamp, adds a TTL,
lists the final job states, names an end reason, defines an HTTP-status error or spells an
environment variable of the wire contract turns this red, naming the file and line.

Source text is searched, as a reviewer would with grep; generated files are the owners' output
and are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jupyter_qsession"
GENERATED = {"src/models.ts"}


def sources(root: Path, pattern: str) -> list[Path]:
    return [
        path
        for path in sorted(root.rglob(pattern))
        if "__tests__" not in path.parts
        and "labextension" not in path.parts
        and str(path.relative_to(ROOT)) not in GENERATED
    ]


PYTHON = sources(PACKAGE, "*.py")
TYPESCRIPT = sources(ROOT / "src", "*.ts")

# concept -> (files searched, the pattern, the one file allowed to match)
OWNERS = {
    "timestamp formatting and parsing": (
        PYTHON,
        r"\b(isoformat|fromisoformat|fromtimestamp|utcfromtimestamp|strptime)\(",
        "jupyter_qsession/timing.py",
    ),
    "TTL arithmetic": (
        PYTHON,
        r"[+-]\s*(self\.|session\.|s\.)?(max_ttl|max_time|interactive_ttl|interactive_timeout)\b"
        r"|\b(max_ttl|max_time|interactive_ttl|interactive_timeout)\s*\)?\s*\+",
        "jupyter_qsession/timing.py",
    ),
    "final job states": (
        PYTHON,
        r"""(["'](DONE|Completed)["']|\.DONE)[^\n]{0,40}(["'](ERROR|Failed)["']|\.ERROR)""",
        "jupyter_qsession/vocabulary.py",
    ),
    "the service's end-reason texts": (
        PYTHON,
        r"""["']max TTL reached["']|["']no job submitted["']""",
        "jupyter_qsession/vocabulary.py",
    ),
    "state words": (
        PYTHON,
        r"""["']open["']\s*:\s*["']pending["']|OPEN\s*:\s*["']pending["']""",
        "jupyter_qsession/vocabulary.py",
    ),
    "HTTP-status errors": (
        PYTHON,
        r"^\s+status\s*=\s*[1-5]\d\d\b|\(HTTPError\):",
        "jupyter_qsession/errors.py",
    ),
    "the wire contract's variable names": (
        PYTHON,
        r"""["']QSESSION_[A-Z_]+["']""",
        "jupyter_qsession/wire.py",
    ),
    "timestamp parsing in the sidebar": (
        TYPESCRIPT,
        r"\bDate\.parse\(|new Date\(\s*[a-z_.]*(at|iso|time|started|finished|created)\b",
        "src/times.ts",
    ),
    "TTL arithmetic in the sidebar": (
        TYPESCRIPT,
        r"\b(max_time|interactive_timeout)\s*\*\s*1000",
        None,
    ),
    "state and end words in the sidebar": (
        TYPESCRIPT,
        r"""case\s+'(open|kernel_shutdown|max_ttl)'\s*:|'its kernel|'reached its max TTL'""",
        None,
    ),
}


@pytest.mark.parametrize("concept", OWNERS)
def test_one_owner(concept):
    files, pattern, owner = OWNERS[concept]
    regex = re.compile(pattern, re.MULTILINE)
    found = []
    for path in files:
        name = str(path.relative_to(ROOT))
        if name == owner:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if regex.search(line) and not line.lstrip().startswith(("#", "//", "*")):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, f"{concept} belongs to {owner or 'the generated src/models.ts'}:\n" + (
        "\n".join(found)
    )


def test_the_owners_match_what_they_own():
    """The patterns above are not vacuous: each owner file has what the test looks for."""
    for concept, (_, pattern, owner) in OWNERS.items():
        text = (ROOT / (owner or "src/models.ts")).read_text()
        if owner is None:
            continue
        assert re.search(pattern, text, re.MULTILINE), f"{owner} does not own {concept}"
