"""Render the session model and its vocabulary as TypeScript (``src/models.ts``).

The model is defined once, in :mod:`.models`, its words in :mod:`..vocabulary`; the sidebar's
types, the words it shows and the API version follow from them. Word tables are rendered as
``Record<Enum, string>``, so the TypeScript compiler refuses a table that misses a value.
Only the schema shapes pydantic emits for those models are handled: objects, arrays, string
enums, scalars, nullables and ``$ref``.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .. import vocabulary
from ..wire import API_VERSION

HEADER = (
    "// Generated from jupyter_qsession/server/models.py, vocabulary.py and wire.py by\n"
    "// `python -m jupyter_qsession.server.codegen`. Do not edit by hand.\n"
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


def _doc(text: str | None, indent: str = "") -> list[str]:
    return [f"{indent}/** {' '.join(text.split())} */"] if text else []


def declaration(name: str, schema: dict[str, Any]) -> str:
    """An interface for an object schema, a type alias for an enum."""
    lines = _doc(schema.get("description"))
    if "enum" in schema:
        lines.append(f"export type {name} = {ts_type(schema)};")
        return "\n".join(lines)
    lines.append(f"export interface {name} {{")
    required = set(schema.get("required", ()))
    for field, prop in schema["properties"].items():
        lines += _doc(prop.get("description"), "  ")
        optional = "" if field in required else "?"
        lines.append(f"  {field}{optional}: {ts_type(prop)};")
    lines.append("}")
    return "\n".join(lines)


def _quote(text: str) -> str:
    """A single-quoted TypeScript string (the project's prettier style)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _values(name: str, enum: type[Enum], doc: str) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"/** {doc} */\nexport const {name}: ReadonlyArray<{enum.__name__}> = [{values}];"


def _words(name: str, enum: type[Enum], words: dict[Any, str], doc: str) -> str:
    rows = ",\n".join(f"  {k.value}: {_quote(v)}" for k, v in words.items())
    return f"/** {doc} */\nexport const {name}: Record<{enum.__name__}, string> = {{\n{rows}\n}};"


def vocabulary_constants() -> str:
    v = vocabulary
    final = ", ".join(_quote(s.value) for s in v.JobStatus if s in v.FINAL_JOB_STATUSES)
    return "\n\n".join(
        [
            "/** The REST API version this frontend was generated with; the server reports its "
            "own in `ServerInfo.api_version`. */\n"
            f"export const API_VERSION = {_quote(API_VERSION)};",
            _values("JOB_STATUSES", v.JobStatus, "Every job status."),
            "/** Job statuses that never change again. */\n"
            f"export const FINAL_JOB_STATUSES: ReadonlyArray<JobStatus> = [{final}];",
            _words("STATE_WORDS", v.SessionState, v.STATE_WORDS, "The badge of each state."),
            "/** The badge of a session that accepts no new jobs but has not ended. */\n"
            f"export const CLOSING_WORD = {_quote(v.CLOSING_WORD)};",
            _words("MODE_WORDS", v.SessionMode, v.MODE_WORDS, "What a person reads for a mode."),
            _words(
                "JOB_STATUS_HINTS",
                v.JobStatus,
                v.JOB_STATUS_HINTS,
                "What a job's status means, for its tooltip.",
            ),
            _words(
                "ORIGIN_WORDS",
                v.SessionOrigin,
                v.ORIGIN_WORDS,
                "The sidebar's group title for sessions of each origin.",
            ),
            _words(
                "ACCOUNT_STATE_WORDS",
                v.AccountState,
                v.ACCOUNT_STATE_WORDS,
                "What the sidebar says of an account in each state.",
            ),
            "/** The name of the lab's own emulator account (listed first). */\n"
            f"export const EMULATOR_ACCOUNT = {_quote(v.EMULATOR_ACCOUNT)};",
            _words(
                "ENDED_WORDS",
                v.EndedReason,
                v.ENDED_WORDS,
                "Why a session ended, as the end of the sentence 'Ended: …'.",
            ),
        ]
    )


def render(schemas: dict[str, dict[str, Any]]) -> str:
    """All ``schemas`` (name -> JSON schema) and the vocabulary as one TypeScript module."""
    blocks = [declaration(name, schema) for name, schema in sorted(schemas.items())]
    return HEADER + "\n" + "\n\n".join(blocks + [vocabulary_constants()]) + "\n"
