"""Render the session model's JSON schemas as TypeScript interfaces (``src/models.ts``).

The model is defined once, in :mod:`.models`; the sidebar's types follow from it. Only the
schema shapes pydantic emits for those models are handled: objects, arrays, string literals,
scalars, nullables and ``$ref``.
"""

from __future__ import annotations

from typing import Any

HEADER = (
    "// Generated from jupyter_qsession/server/models.py by\n"
    "// `python -m jupyter_qsession.server.openapi`. Do not edit by hand.\n"
)
SCALARS = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean"}


def ts_type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(ts_type(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f"'{value}'" for value in schema["enum"])
    if "const" in schema:
        return f"'{schema['const']}'"
    kind = schema.get("type")
    if kind == "array":
        item = ts_type(schema["items"])
        return f"Array<{item}>"
    if kind == "null":
        return "null"
    if kind in SCALARS:
        return SCALARS[kind]
    raise ValueError(f"No TypeScript rendering for schema {schema!r}")


def interface(name: str, schema: dict[str, Any]) -> str:
    lines = []
    if schema.get("description"):
        lines.append(f"/** {' '.join(schema['description'].split())} */")
    lines.append(f"export interface {name} {{")
    required = set(schema.get("required", ()))
    for field, prop in schema["properties"].items():
        if prop.get("description"):
            lines.append(f"  /** {' '.join(prop['description'].split())} */")
        optional = "" if field in required else "?"
        lines.append(f"  {field}{optional}: {ts_type(prop)};")
    lines.append("}")
    return "\n".join(lines)


def render(schemas: dict[str, dict[str, Any]]) -> str:
    """All ``schemas`` (name -> JSON schema) as one TypeScript module."""
    blocks = [interface(name, schema) for name, schema in sorted(schemas.items())]
    return HEADER + "\n" + "\n\n".join(blocks) + "\n"
