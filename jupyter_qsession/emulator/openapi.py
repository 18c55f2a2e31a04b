"""The OpenAPI document of the emulator: the Runtime REST API subset it serves, and its
operator routes (``/api/v1/qsession/…``).

Paths are listed here next to :func:`.handlers.routes` and :func:`.operator.operator_routes`;
schemas are in :mod:`.openapi_schemas`. ``tests/test_emulator_openapi.py`` checks that the
checked-in ``openapi.json`` is current, that it lists exactly the served routes and methods,
and runs schemathesis over it. Run ``python -m jupyter_qsession.emulator.openapi`` after a
change. Every refusal is a 4xx with the :data:`ServiceError` body; a 5xx is a bug.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .handlers import API
from .instance import INFO_PATH
from .openapi_schemas import SCHEMAS, ref
from .operator import MAX_FEED_WAIT, PREFIX

OPENAPI_PATH = Path(__file__).parent / "openapi.json"
ID_PATTERN = "^[A-Za-z0-9_.-]{1,100}$"
USER_PATTERN = "^[A-Za-z0-9_.@-]{1,64}$"

ERRORS = {
    400: "Malformed or invalid request",
    401: "No valid bearer token (or, at /identity/token, an unknown API key)",
    403: "Not the operator's key",
    404: "Unknown id or backend, or someone else's session or job",
    409: "The session or job does not allow it in its current state",
    503: "The emulator cannot write its state (disk full or read-only): nothing was changed, "
    "send it again later",
}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _text(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _json("ServiceError", ERRORS[code]) for code in codes}


def _path(name: str, pattern: str = ID_PATTERN) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
        "description": "Anything else is a 404 (no such endpoint).",
    }


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    param = {"name": name, "in": "query", "required": False, "schema": schema}
    return {**param, "description": description} if description else param


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _op(summary: str, responses: dict[str, Any], *errors: int, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, **extra, "responses": {**responses, **_errors(401, *errors)}}


def _item(params: list[dict[str, Any]], **operations: dict[str, Any]) -> dict[str, Any]:
    """A path with path parameters: any operation on it may be a 404 (an id that is unknown,
    someone else's, or does not even match the route)."""
    for operation in operations.values():
        operation["responses"].setdefault("404", _errors(404)["404"])
    return {"parameters": params, **operations}


NO_CONTENT = {"204": {"description": "Done"}}
JOB = [_path("job_id")]
SESSION = [_path("session_id")]
BOOL_TEXT = {"type": "string", "enum": ["true", "false"]}
TIMESTAMP = {"type": "string", "description": "ISO 8601; without an offset: UTC."}


def _backend(what: str, schema: str) -> dict[str, Any]:
    responses = {"200": _json(schema, f"The {what}")}
    return _item([_path("name")], get=_op(f"The backend's {what}", responses))


RUNTIME: dict[str, dict[str, Any]] = {
    "/identity/token": {
        "post": {
            "summary": "Trade an API key for a bearer token (IBM Cloud IAM's grant)",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": ref("TokenRequest")}},
            },
            "responses": {"200": _json("Token", "A bearer token"), **_errors(400, 401)},
        }
    },
    f"{API}/backends": {
        "get": _op("The fake backends served", {"200": _json("Backends", "Every backend")})
    },
    f"{API}/backends/{{name}}/configuration": _backend("configuration", "BackendConfiguration"),
    f"{API}/backends/{{name}}/properties": _backend("properties", "BackendProperties"),
    f"{API}/backends/{{name}}/status": _backend("status", "BackendStatus"),
    f"{API}/jobs": {
        "post": _op(
            "Submit a primitive job, alone or in a session",
            {"200": _json("JobCreated", "Queued")},
            400,
            404,
            409,
            requestBody=_body("JobCreate"),
            description="Shots and circuits are bounded by the backend's max_shots and "
            "max_experiments, rep_delay by its rep_delay_range (400 naming the limit).",
        ),
        "get": _op(
            "The caller's jobs, newest first unless sort=ASC",
            {"200": _json("JobList", "A page of jobs")},
            400,
            parameters=[
                _query("limit", {"type": "integer", "minimum": 0, "default": 200}),
                _query("offset", {"type": "integer", "minimum": 0, "default": 0}),
                _query("created_after", TIMESTAMP, "Included."),
                _query("created_before", TIMESTAMP, "Included."),
                _query("session_id", {"type": "string"}),
                _query("backend", {"type": "string"}),
                _query("pending", BOOL_TEXT, "true: queued or running; false: ended."),
                _query("program", {"type": "string"}),
                _query("tags", {"type": "array", "items": {"type": "string"}}, "All of them."),
                _query("sort", {"type": "string", "enum": ["ASC", "DESC"]}),
                _query("exclude_params", BOOL_TEXT, "Ignored: lists never carry params."),
            ],
        ),
    },
    f"{API}/jobs/{{job_id}}": _item(
        JOB,
        get=_op(
            "One job",
            {"200": _json("Job", "The job")},
            400,
            404,
            parameters=[_query("exclude_params", BOOL_TEXT)],
        ),
        delete=_op("Delete a job; a queued or running one is cancelled", NO_CONTENT, 404),
    ),
    f"{API}/jobs/{{job_id}}/results": _item(
        JOB,
        get=_op(
            "The result of an ended job",
            {
                "200": {
                    "description": "The encoded PrimitiveResult (JSON), or, for a failed or "
                    "cancelled job, why (text)",
                    "content": {
                        "application/json": {"schema": {}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                "204": {"description": "A private job's results, read before: gone"},
            },
            404,
            409,
        ),
    ),
    f"{API}/jobs/{{job_id}}/cancel": _item(
        JOB,
        post=_op("Cancel a queued or running job", NO_CONTENT, 404, 409),
    ),
    f"{API}/jobs/{{job_id}}/metrics": _item(
        JOB,
        get=_op("Timestamps and usage", {"200": _json("JobMetrics", "Metrics")}, 404),
    ),
    f"{API}/jobs/{{job_id}}/logs": _item(
        JOB,
        get=_op("The job's status, as a log", {"200": _text("Log lines")}, 404),
    ),
    f"{API}/jobs/{{job_id}}/tags": _item(
        JOB,
        put=_op("Replace the job's tags", NO_CONTENT, 400, 404, requestBody=_body("JobTags")),
    ),
    f"{API}/sessions": {
        "post": _op(
            "Open a session (mode dedicated) or a batch",
            {"200": _json("Session", "The new session")},
            400,
            404,
            requestBody=_body("SessionCreate"),
        )
    },
    f"{API}/sessions/{{session_id}}": _item(
        SESSION,
        get=_op("One session", {"200": _json("Session", "The session")}, 404),
        patch=_op(
            "Close: accept no new jobs; queued jobs still run",
            NO_CONTENT,
            400,
            404,
            requestBody=_body("SessionClose"),
        ),
    ),
    f"{API}/sessions/{{session_id}}/close": _item(
        SESSION,
        delete=_op("Cancel: queued jobs are cancelled, the session ends now", NO_CONTENT, 404),
    ),
    f"{API}/instances/usage": {
        "get": _op("The instance's usage", {"200": _json("Usage", "Usage")}),
    },
}

OPERATOR: dict[str, dict[str, Any]] = {
    INFO_PATH: {
        "get": {
            "summary": "What this service is (no key needed): tells an emulator from IBM's",
            "security": [],
            "responses": {"200": _json("ServiceInfo", "The emulator's name and version")},
        }
    },
    f"{PREFIX}/changes": {
        "get": _op(
            "Long poll: the sessions that changed after seq 'after' of run 'epoch'",
            {"200": _json("Changes", "Changed sessions, or reset")},
            400,
            403,
            parameters=[
                _query("epoch", {"type": "string"}),
                _query("after", {"type": "integer", "minimum": -1}, "-1: start over."),
                _query(
                    "timeout",
                    {"type": "number", "minimum": 0},
                    f"Seconds to wait for a change; at most {MAX_FEED_WAIT:g} are waited.",
                ),
            ],
        )
    },
    f"{PREFIX}/sessions/{{session_id}}": _item(
        SESSION,
        get=_op(
            "A session as the lab server shows it",
            {"200": _json("SessionView", "The session's view")},
            403,
            404,
        ),
    ),
    f"{PREFIX}/users/{{user}}/key": _item(
        [_path("user", USER_PATTERN)],
        post=_op(
            "The user's API key, made on first call",
            {"200": _json("UserKey", "The key")},
            403,
        ),
    ),
    f"{PREFIX}/clock": {
        "post": _op(
            "Move a manual clock ahead, event by event, simulations settled",
            {"200": _json("ClockNow", "The clock after the move")},
            400,
            403,
            requestBody=_body("ClockAdvance"),
        )
    },
}


def _may_refuse_changes(paths: dict[str, Any]) -> dict[str, Any]:
    """Every change is committed before it is answered: a 503 if the state file refuses it
    (the token grant changes nothing; a private job's one read of its results does)."""
    for path, item in paths.items():
        for method in ("get", "post", "put", "patch", "delete"):
            changes = method != "get" or path.endswith("/results")
            if method in item and changes and path != "/identity/token":
                item[method]["responses"].setdefault("503", _errors(503)["503"])
    return paths


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-qsession Qiskit Runtime emulator",
            "version": "1",
            "description": "The subset of IBM's Qiskit Runtime REST API that qiskit-ibm-runtime "
            "calls, as the emulator serves it, and the emulator's operator routes (the key it "
            "was started with only). Every refusal is a 4xx with a ServiceError body, but the "
            "503 of a change the emulator cannot commit to its state file.",
        },
        "security": [{"bearer": []}],
        "paths": _may_refuse_changes({**RUNTIME, **OPERATOR}),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def main() -> None:
    OPENAPI_PATH.write_text(json.dumps(document(), indent=2) + "\n")
    print(f"wrote {OPENAPI_PATH}")


if __name__ == "__main__":
    main()
