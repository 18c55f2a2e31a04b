"""The OpenAPI document of ``/qsession/api/``.

Schemas come from :mod:`.models`; paths are listed here next to the handlers' routes, and
``tests/test_openapi.py`` checks that both match what the server really serves. The checked-in
``openapi.json`` and ``src/models.ts`` are written by :mod:`.codegen`.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from ..wire import API_VERSION
from . import models

SCHEMA_MODELS = (
    models.SessionList,
    models.SessionModel,
    models.RegisterSession,
    models.SessionEvent,
    models.ServerInfo,
    models.ErrorModel,
    models.AccountUsage,
    models.AccountList,
    models.CloseIdle,
    models.CloseIdleResult,
)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Malformed request",
        401: "Not authenticated",
        403: "Not allowed",
        404: "Unknown id",
        409: "The session or job has already ended",
        424: "The Qiskit Runtime service is unreachable",
        503: "The session registry cannot be used (a server-side fault; see ServerInfo)",
    }
    return {str(code): _json("ErrorModel", text[code]) for code in codes}


def _param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _action(summary: str, param: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "parameters": [_param(param)],
            "responses": {
                "200": _json("SessionModel", "The session after the action"),
                **_errors(401, 403, 404, 409, 424, 503),
            },
        }
    }


PATHS: dict[str, dict[str, Any]] = {
    "/qsession/api/info": {
        "get": {
            "summary": "Version, provider, the caller's rights (for the sidebar's buttons) and "
            "the registry's problems; answers even when the registry cannot be used",
            "responses": {"200": _json("ServerInfo", "Server info"), **_errors(401, 403)},
        }
    },
    "/qsession/api/sessions": {
        "get": {
            "summary": "The sessions the caller may see, newest first: open ones, and ended "
            "ones for ended_sessions_visible_for seconds (ServerInfo) unless a filter says",
            "parameters": [
                {
                    "name": "ended",
                    "in": "query",
                    "required": False,
                    "description": "'all': every ended session the registry keeps.",
                    "schema": {"type": "string", "enum": ["all"]},
                },
                {
                    "name": "ended_within",
                    "in": "query",
                    "required": False,
                    "description": "Ended sessions that ended within this many seconds.",
                    "schema": {"type": "number", "minimum": 0},
                },
                {
                    "name": "origin",
                    "in": "query",
                    "required": False,
                    "description": "'kernel': registered by this server's kernels; 'elsewhere': "
                    "found on the account (needs read on qsession:account); 'all' (default).",
                    "schema": {"type": "string", "enum": ["kernel", "elsewhere", "all"]},
                },
                {
                    "name": "idle",
                    "in": "query",
                    "required": False,
                    "description": "'true': only the caller's own idle sessions (open, taking "
                    "jobs, none queued or running) they may close: what close-idle closes.",
                    "schema": {"type": "string", "enum": ["true", "false"]},
                },
            ],
            "responses": {
                "200": _json("SessionList", "Sessions"),
                **_errors(400, 401, 403, 503),
            },
        }
    },
    "/qsession/api/sessions/close-idle": {
        "post": {
            "summary": "Close the caller's idle sessions (all of them, or those listed): each is "
            "read again first, and one that is not idle any more, not the caller's or unknown "
            "is left open and listed in skipped with the reason",
            "requestBody": {"content": {"application/json": {"schema": _ref("CloseIdle")}}},
            "responses": {
                "200": _json("CloseIdleResult", "What was closed and what was left open"),
                **_errors(400, 401, 403, 503),
            },
        }
    },
    "/qsession/api/accounts": {
        "get": {
            "summary": "Every account the lab serves, with its state, backends and usage; "
            "?refresh=1 asks each reachable account's usage now",
            "responses": {
                "200": _json("AccountList", "The accounts, the lab's emulator first"),
                **_errors(401, 403),
            },
        }
    },
    "/qsession/api/sessions/{session_id}": {
        "get": {
            "summary": "One session",
            "parameters": [_param("session_id")],
            "responses": {
                "200": _json("SessionModel", "The session"),
                **_errors(401, 403, 404, 503),
            },
        }
    },
    "/qsession/api/sessions/{session_id}/close": _action(
        "Close: accept no new jobs; queued jobs still run", "session_id"
    ),
    "/qsession/api/sessions/{session_id}/cancel": _action(
        "Cancel: cancel queued jobs and end the session now; a running job finishes", "session_id"
    ),
    "/qsession/api/jobs/{job_id}/cancel": _action("Cancel one queued or running job", "job_id"),
    "/qsession/api/kernels/{kernel_id}/sessions": {
        "get": {
            "summary": "The sessions registered under the calling kernel (kernel bridge)",
            "description": "Authenticated with the kernel's bridge token, as the POST.",
            "parameters": [_param("kernel_id")],
            "responses": {
                "200": _json("SessionList", "Sessions of this kernel"),
                **_errors(401, 403, 503),
            },
        },
        "post": {
            "summary": "Register a session under the calling kernel (kernel bridge)",
            "description": "Authenticated with the kernel's bridge token "
            "(header `X-QSession-Kernel-Token`, derived from the kernel's "
            "connection key), not with a user's credentials. A kernel may only register "
            "under its own id.",
            "parameters": [_param("kernel_id")],
            "requestBody": {"content": {"application/json": {"schema": _ref("RegisterSession")}}},
            "responses": {
                "200": _json("SessionModel", "The registered session"),
                **_errors(400, 401, 403, 404, 409, 424, 503),
            },
        },
    },
    "/qsession/api/kernels/{kernel_id}/accounts": {
        "get": {
            "summary": "The accounts the lab serves, without credentials (kernel bridge)",
            "description": "Authenticated with the kernel's bridge token, as its sessions. The "
            "magic picks the account that has a backend; it reaches it with credentials of "
            "its own (the account file, or its environment).",
            "parameters": [_param("kernel_id")],
            "responses": {
                "200": _json("AccountList", "The accounts"),
                **_errors(401, 403),
            },
        },
    },
    "/qsession/api/events": {
        "get": {
            "summary": "WebSocket: a snapshot on connect, then one SessionEvent per change",
            "description": "Refusals are jupyter-server's HTML pages, as on its own WebSockets.",
            "responses": {
                "101": _json("SessionEvent", "Switching protocols; messages are SessionEvent"),
                "400": _html("Not a WebSocket upgrade request"),
                "403": _html("Not authenticated, or not allowed to read sessions"),
                "426": _html("The WebSocket version is missing or not supported"),
                "503": _html("The session registry cannot be used (see ServerInfo)"),
            },
        }
    },
}


def component_schemas() -> dict[str, dict[str, Any]]:
    _, top = models_json_schema(
        [(model, "serialization") for model in SCHEMA_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    return top["$defs"]


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-qsession",
            "version": API_VERSION,
            "description": "Qiskit Runtime sessions of a Jupyter server, per kernel.",
        },
        "paths": PATHS,
        "components": {"schemas": component_schemas()},
    }
