"""Imports go down only (issue 19, issue 23's "no circles"): ``kernel/`` and ``commands/`` both
speak to a Runtime service through ``client/`` and meet on the shared modules, never on each
other; ``client/`` imports neither of them.

The imports are read from the source with :mod:`ast` (relative ones resolved), so a lazy import
inside a function counts as much as one at the top of a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jupyter_qsession"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, as an absolute dotted name."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [part for part in package if part != "__init__"]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imports_of(layer: str) -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT)): imported_modules(path)
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    }


def offenders(layer: str, *forbidden: str) -> list[str]:
    prefixes = [f"jupyter_qsession.{name}" for name in forbidden]
    return [
        f"{name} imports {module}"
        for name, modules in imports_of(layer).items()
        for module in sorted(modules)
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)
    ]


def test_the_kernel_never_imports_the_commands():
    assert not offenders("kernel", "commands")


def test_the_commands_never_import_the_kernel():
    assert not offenders("commands", "kernel")


def test_the_client_imports_neither_the_kernel_nor_the_commands():
    assert not offenders("client", "kernel", "commands")


def test_the_rule_reads_relative_imports_as_the_layer_they_reach():
    """The check above is not vacuous: the kernel's and the commands' relative imports of the
    client are seen as imports of ``jupyter_qsession.client``."""
    assert offenders("kernel", "client")
    assert offenders("commands", "client")
    assert "jupyter_qsession.client.calls" in imported_modules(PACKAGE / "kernel" / "magics.py")
