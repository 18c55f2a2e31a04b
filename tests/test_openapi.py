"""The OpenAPI document and the TypeScript types say what the server really does."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from jupyter_qsession.server import codegen, openapi
from jupyter_qsession.server.app import QSessionApp
from lab import QUEUE_WAIT

DOC = json.loads(codegen.OPENAPI_PATH.read_text())


def test_the_checked_in_document_and_types_are_current():
    """Run ``python -m jupyter_qsession.server.codegen`` after changing a model."""
    assert DOC == openapi.document()
    assert codegen.TYPESCRIPT_PATH.read_text() == codegen.typescript()


def test_every_route_is_documented_and_every_documented_path_is_served():
    app = QSessionApp()
    app.initialize_handlers()
    served = set()
    for pattern, _ in app.handlers:
        path = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", pattern)
        alternatives = re.search(r"\(\?P<\w+>([\w|]+)\)", path)
        if alternatives:
            for word in alternatives.group(1).split("|"):
                served.add(path.replace(alternatives.group(0), word))
        else:
            served.add(path)
    assert served == set(DOC["paths"])


def conforms(instance, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]}
    jsonschema.validate(instance, schema)


def documented(path: str, method: str, status: int) -> str:
    content = DOC["paths"][path][method]["responses"][str(status)]["content"]
    return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


@pytest.fixture
def kernel(lab, jp_asyncio_loop):
    return jp_asyncio_loop.run_until_complete(lab.start_kernel())


async def test_real_responses_match_their_documented_schemas(lab, kernel):
    socket = await lab.socket()
    conforms(json.loads(await socket.read_message()), "SessionEvent")
    session = await lab.open_session()
    sid = session.session_id
    calls = []

    status, body = await lab.register(kernel, sid)
    calls.append(("/qsession/api/kernels/{kernel_id}/sessions", "post", status, body))
    await lab.submit(session)
    job = await lab.submit(session)
    await lab.advance(QUEUE_WAIT)  # the first job runs, this one is queued
    for path, method, url in [
        ("/qsession/api/info", "get", "info"),
        ("/qsession/api/sessions", "get", "sessions"),
        ("/qsession/api/sessions/{session_id}", "get", f"sessions/{sid}"),
        ("/qsession/api/sessions/{session_id}", "get", "sessions/unknown"),
        ("/qsession/api/jobs/{job_id}/cancel", "post", f"jobs/{job}/cancel"),
        ("/qsession/api/sessions/{session_id}/close", "post", f"sessions/{sid}/close"),
        ("/qsession/api/sessions/{session_id}/close", "post", f"sessions/{sid}/close"),
        ("/qsession/api/sessions/{session_id}/cancel", "post", f"sessions/{sid}/cancel"),
        ("/qsession/api/sessions/{session_id}/cancel", "post", f"sessions/{sid}/cancel"),
    ]:
        status, body = await lab.api(url, method.upper())
        calls.append((path, method, status, body))
    status, body = await lab.api(f"sessions/{sid}/close", "POST", user="reader")
    calls.append(("/qsession/api/sessions/{session_id}/close", "post", status, body))

    statuses = [status for *_, status, _ in calls]
    assert statuses == [200, 200, 200, 200, 404, 200, 200, 409, 200, 409, 403]
    for path, method, status, body in calls:
        conforms(body, documented(path, method, status))

    for _ in range(6):  # registered, 2 jobs queued, running, job cancelled, closing, cancelled
        conforms(json.loads(await socket.read_message()), "SessionEvent")
    socket.close()
