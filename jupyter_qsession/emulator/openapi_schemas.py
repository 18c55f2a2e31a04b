"""The JSON schemas of the emulator's OpenAPI document (see :mod:`.openapi`).

They describe what the emulator sends and accepts, with the service's field names: the
renderings of :mod:`.models` (``Job.to_api``, ``Session.to_api``, ``Job.metrics``), the
operator's session views of :mod:`.views`, and the service's error body (``EmulatorHandler
.write_error``). ``tests/test_emulator_openapi.py`` checks real responses against them.
"""

from __future__ import annotations

from typing import Any

from ..vocabulary import SERVICE_END_REASON, SERVICE_JOB_STATUS, SessionMode, SessionState

STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
NUMBER: dict[str, Any] = {"type": "number"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 in UTC, with 'Z'."}
TIME_OR_NULL = {**TIME, "type": ["string", "null"]}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, **extra: Any):
    """An object with these required and optional properties and no others (unless extra
    says ``additionalProperties=True``)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
        **extra,
    }


JOB_STATE = {"type": "string", "enum": list(SERVICE_JOB_STATUS)}
MODE = {"type": "string", "enum": [str(mode) for mode in SessionMode]}
STATE = {"type": "string", "enum": [str(state) for state in SessionState]}

SCHEMAS: dict[str, dict[str, Any]] = {
    "ServiceError": obj(
        {
            "errors": {
                "type": "array",
                "items": obj({"code": STRING, "message": STRING, "more_info": STRING}),
                "minItems": 1,
            },
            "message": STRING,
            "status_code": INTEGER,
            "trace": STRING,
        },
        description="Every refusal, as the service words it: the HTTP status and a message.",
    ),
    "TokenRequest": obj(
        {"grant_type": {"type": "string", "const": "urn:ibm:params:oauth:grant-type:apikey"}},
        {"apikey": STRING},
        additionalProperties=True,
        description="IBM Cloud IAM's API key grant (a form, as the client posts it).",
    ),
    "Token": obj(
        {
            "access_token": {**STRING, "description": "Send as 'Authorization: Bearer …'."},
            "refresh_token": STRING,
            "token_type": {"type": "string", "const": "Bearer"},
            "expires_in": INTEGER,
            "expiration": {**INTEGER, "description": "Epoch seconds."},
        }
    ),
    "Backends": obj(
        {
            "devices": {
                "type": "array",
                "items": obj(
                    {
                        "name": STRING,
                        "status": obj({"name": STRING, "reason": STRING}),
                        "qubits": INTEGER,
                        "queue_length": INTEGER,
                        "class": STRING,
                    }
                ),
            }
        }
    ),
    "BackendConfiguration": obj(
        {"backend_name": STRING, "n_qubits": INTEGER, "simulator": {"const": False}},
        {"max_shots": INTEGER, "max_experiments": INTEGER},
        additionalProperties=True,
        description="The fake backend's configuration snapshot, under the name asked for.",
    ),
    "BackendProperties": obj(
        {"backend_name": STRING},
        additionalProperties=True,
        description="The fake backend's properties snapshot (calibration data).",
    ),
    "BackendStatus": obj(
        {
            "state": BOOLEAN,
            "status": STRING,
            "message": STRING,
            "length_queue": INTEGER,
            "backend_version": STRING,
        }
    ),
    "JobCreate": obj(
        {
            "program_id": {"type": "string", "enum": ["sampler", "estimator", "executor"]},
            "backend": {"type": "string", "minLength": 1},
            "params": {
                "description": "The primitive's request as the client encodes it "
                "(RuntimeEncoder PUBs, or an executor QuantumProgram)."
            },
        },
        {
            "session_id": {"type": ["string", "null"]},
            "tags": {"type": ["array", "null"], "items": STRING},
            "private": BOOLEAN,
        },
        additionalProperties=True,
        description="Other fields the client sends (runtime, log_level, cost, …) are ignored.",
    ),
    "JobCreated": obj(
        {"id": STRING, "backend": STRING, "session_id": {"type": ["string", "null"]}},
        {"private": {"const": True}},
    ),
    "Job": obj(
        {
            "id": STRING,
            "backend": STRING,
            "state": obj({"status": JOB_STATE}, {"reason": STRING, "reason_code": INTEGER}),
            "status": JOB_STATE,
            "program": obj({"id": STRING}),
            "created": TIME,
            "session_id": {"type": ["string", "null"]},
            "tags": {"type": "array", "items": STRING},
            "runtime": STRING,
            "estimated_running_time_seconds": NUMBER,
        },
        {
            "private": {"const": True},
            "queue_position": {"type": "integer", "minimum": 1},
            "ended": TIME,
            "params": {"description": "As submitted; never for private jobs or in lists."},
        },
    ),
    "JobList": obj(
        {
            "jobs": {"type": "array", "items": ref("Job")},
            "count": {**INTEGER, "description": "Jobs matching the filters, on every page."},
            "limit": INTEGER,
            "offset": INTEGER,
        }
    ),
    "JobMetrics": obj(
        {
            "timestamps": obj({"created": TIME, "running": TIME_OR_NULL, "finished": TIME_OR_NULL}),
            "bss": obj({"seconds": NUMBER}),
            "usage": obj(
                {
                    "quantum_seconds": NUMBER,
                    "seconds": NUMBER,
                    "qpu_charge_time_seconds": NUMBER,
                    "status": {"type": "string", "enum": ["completed", "pending"]},
                }
            ),
            "executions": INTEGER,
            "num_circuits": INTEGER,
            "position_in_queue": {"type": ["integer", "null"]},
            "qiskit_version": STRING,
        }
    ),
    "JobTags": obj({"tags": {"type": "array", "items": STRING}}, additionalProperties=True),
    "SessionCreate": obj(
        {"backend": {"type": "string", "minLength": 1}},
        {
            "mode": {**MODE, "default": str(SessionMode.DEDICATED)},
            "max_ttl": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "Seconds; at most the emulator's max TTL limit (28800 unless "
                "configured otherwise). Null or absent: that limit.",
            },
        },
        additionalProperties=True,
        description="Other fields the client sends (instance) are ignored.",
    ),
    "Session": obj(
        {
            "id": STRING,
            "backend_name": STRING,
            "mode": MODE,
            "state": STATE,
            "state_reason": {"type": ["string", "null"]},
            "accepting_jobs": BOOLEAN,
            "max_ttl": INTEGER,
            "active_ttl": INTEGER,
            "interactive_ttl": {"type": ["integer", "null"]},
            "created_at": TIME,
            "started_at": TIME_OR_NULL,
            "activated_at": TIME_OR_NULL,
            "closed_at": TIME_OR_NULL,
            "last_job_started": TIME_OR_NULL,
            "last_job_completed": TIME_OR_NULL,
            "elapsed_time": {**NUMBER, "description": "Usage so far, in seconds."},
            "user_id": STRING,
            "timestamps": {
                "type": "array",
                "items": obj(
                    {"status": STATE, "timestamp": TIME, "reason": {"type": ["string", "null"]}}
                ),
            },
        }
    ),
    "SessionClose": obj(
        {"accepting_jobs": {"const": False}},
        additionalProperties=True,
        description="The only change a session accepts: stop accepting jobs.",
    ),
    "Usage": obj(
        {
            "instance_id": STRING,
            "plan_id": STRING,
            "usage_consumed_seconds": NUMBER,
            "usage_limit_reached": BOOLEAN,
            "usage_period": obj({"start_time": TIME, "end_time": TIME_OR_NULL}),
        },
        {"usage_allocation_seconds": NUMBER, "usage_limit_seconds": NUMBER},
    ),
    # ----------------------------------------------------------------- operator routes
    "SessionView": obj(
        {
            "id": STRING,
            "user_id": {
                "type": "string",
                "description": "Whose API key opened it: the lab keeps its account's sessions.",
            },
            "backend": STRING,
            "mode": MODE,
            "state": STATE,
            "accepting_jobs": BOOLEAN,
            "max_time": {"type": ["integer", "null"]},
            "interactive_timeout": {"type": ["integer", "null"]},
            "started_at": TIME_OR_NULL,
            "activated_at": TIME_OR_NULL,
            "expires_at": TIME_OR_NULL,
            "interactive_expires_at": TIME_OR_NULL,
            "closed_at": TIME_OR_NULL,
            "ended_reason": nullable(
                {"type": "string", "enum": [str(reason) for reason in SERVICE_END_REASON]}
            ),
            "usage_seconds": NUMBER,
            "transitions": {
                "type": "array",
                "items": obj({"state": STATE, "at": TIME}),
                "description": "Every state it entered, oldest first.",
            },
            "jobs": {"type": "array", "items": ref("JobView")},
        },
        description="A session as the lab shows it (its ServiceSession, plus id and user_id).",
    ),
    "JobView": obj(
        {
            "id": STRING,
            "status": {"type": "string", "enum": [str(s) for s in SERVICE_JOB_STATUS.values()]},
            "primitive": {**STRING, "description": "The program id."},
            "created": TIME,
            "started": TIME_OR_NULL,
            "finished": TIME_OR_NULL,
            "queue_position": {"type": ["integer", "null"], "minimum": 1},
        }
    ),
    "Changes": obj(
        {
            "epoch": {**STRING, "description": "This run of the emulator; send it back."},
            "seq": {**INTEGER, "description": "Send it back as 'after'."},
            "reset": {**BOOLEAN, "description": "Re-read every session you hold."},
            "sessions": {"type": "array", "items": ref("SessionView")},
        }
    ),
    "ServiceInfo": obj(
        {"service": {"const": "jupyter-qsession-emulator"}, "version": STRING, "instance": STRING}
    ),
    "UserKey": obj({"user_id": STRING, "api_key": STRING}),
    "ClockAdvance": obj(
        {
            "advance": {
                "type": "number",
                "minimum": 0,
                "description": "Seconds; the clock may not pass the year 9000.",
            }
        },
        additionalProperties=True,
    ),
    "ClockNow": obj({"now": {**NUMBER, "description": "The manual clock, epoch seconds."}}),
}
