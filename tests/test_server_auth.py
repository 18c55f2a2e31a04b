"""Every endpoint is authenticated and authorized through jupyter-server; each user sees and
touches only their own sessions unless the authorizer says otherwise (tests/lab.py roles) —
and cannot tell someone else's session, job or kernel from an unknown one."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest
import tornado.web
from jupyter_server.auth.decorator import authorized, ws_authenticated
from tornado.httpclient import HTTPClientError

from jupyter_qsession.server.app import QSessionApp
from jupyter_qsession.server.handlers import KernelBridge
from jupyter_qsession.wire import KERNEL_TOKEN_HEADER as TOKEN

USER_ENDPOINTS = [
    ("GET", "info"),
    ("GET", "sessions"),
    ("GET", "sessions/abc"),
    ("POST", "sessions/abc/close"),
    ("POST", "sessions/abc/cancel"),
    ("POST", "jobs/abc/cancel"),
]


@pytest.fixture
def alice_session(lab, jp_asyncio_loop):
    async def make():
        kernel = await lab.start_kernel()
        session = await lab.open_session()
        status, body = await lab.register(kernel, session.session_id)
        assert status == 200, body
        return session.session_id

    return jp_asyncio_loop.run_until_complete(make())


@pytest.mark.parametrize(("method", "path"), USER_ENDPOINTS)
async def test_every_endpoint_refuses_a_request_without_credentials(lab, method, path):
    status, body = await lab.api(path, method, user=None)
    assert status == 403 and "message" in body


async def test_the_events_socket_refuses_a_request_without_credentials(jp_ws_fetch, lab):
    with pytest.raises(HTTPClientError) as refused:
        await jp_ws_fetch("qsession", "api", "events", headers={"Authorization": ""})
    assert refused.value.code == 403


async def test_the_kernel_endpoint_needs_the_kernel_token(lab):
    kernel = await lab.start_kernel()
    other = await lab.start_kernel()
    session = await lab.open_session()
    status, body = await lab.register(kernel, session.session_id, token="")
    assert status == 401 and "token" in body["message"]
    status, body = await lab.register(kernel, session.session_id, token=lab.token(other))
    assert status == 403  # another kernel's token cannot act for this kernel
    status, body = await lab.register("not-a-kernel", session.session_id, token=lab.token(kernel))
    assert status == 403
    # A user's jupyter-server token is not a kernel token either.
    status, _ = await lab.register(kernel, session.session_id, token="alice-token")
    assert status == 403


async def test_a_wrong_bridge_token_is_refused_as_for_a_kernel_that_does_not_exist(lab):
    kernel = await lab.start_kernel()
    wrong = lab.token(await lab.start_kernel())
    exists = await lab.raw(f"kernels/{kernel}/sessions", user=None, headers={TOKEN: wrong})
    await lab.serverapp.kernel_manager.shutdown_kernel(kernel, now=True)
    gone = await lab.raw(f"kernels/{kernel}/sessions", user=None, headers={TOKEN: wrong})
    assert exists == gone and exists[0] == 403


def test_every_user_handler_is_behind_authenticated_and_authorized():
    """The template's audit: user endpoints are wrapped by @authenticated and @authorized;
    the kernel bridge's endpoints are the one explicit exception, each with its token check."""
    app = QSessionApp()
    app.initialize_handlers()
    for pattern, handler in app.handlers:
        for name in ("get", "post", "put", "patch", "delete"):
            method = handler.__dict__.get(name)
            if method is None:
                continue
            if "/kernels/" in pattern:
                assert getattr(method, "__allow_unauthenticated", False), pattern
                assert issubclass(handler, KernelBridge), pattern
                assert "self._verify_kernel(kernel_id)" in inspect.getsource(method), pattern
            elif pattern.endswith("/events"):
                assert getattr(method, "__allow_unauthenticated", None) is False, pattern
            else:
                assert method.__wrapped__.__wrapped__, (pattern, name)  # two decorators
                assert method.__qualname__.startswith(handler.__name__), pattern


def _wrapper_code(decorator):
    """The code object of the wrapper ``decorator`` puts around a method."""
    return decorator(lambda self: None).__code__


# The documented exceptions, by name: the kernel bridge checks its own token (a kernel has no
# user credentials); the WebSocket uses jupyter-server's decorator for WebSockets.
KERNEL_TOKEN_ROUTES = {
    ("KernelSessionsHandler", "get"),
    ("KernelSessionsHandler", "post"),
    ("KernelAccountsHandler", "get"),
}
WEBSOCKET_ROUTES = {("EventsSocket", "get")}


def test_no_route_method_lacks_its_auth_decorator():
    """As the extension template's audit: every get/post/put/patch/delete our routes serve —
    inherited ones included — is ``@tornado.web.authenticated`` outermost with
    ``@authorized`` right inside it, or is one of the exceptions named above."""
    authenticated, authorizing = (
        _wrapper_code(tornado.web.authenticated),
        _wrapper_code(authorized("read")),
    )
    app = QSessionApp()
    app.initialize_handlers()
    audited = set()
    for _, handler in app.handlers:
        for name in ("get", "post", "put", "patch", "delete"):
            method = getattr(handler, name, None)
            if method is None or not inspect.unwrap(method).__module__.startswith(
                "jupyter_qsession"
            ):
                continue  # tornado's or jupyter-server's own (answers 405)
            where = (handler.__name__, name)
            audited.add(where)
            if where in KERNEL_TOKEN_ROUTES:
                assert getattr(method, "__allow_unauthenticated", False), where
                assert getattr(handler, "_verify_kernel", None) is not None, where
            elif where in WEBSOCKET_ROUTES:
                assert method.__code__ is _wrapper_code(ws_authenticated), where
            else:
                assert method.__code__ is authenticated, where
                assert method.__wrapped__.__code__ is authorizing, where
    assert KERNEL_TOKEN_ROUTES | WEBSOCKET_ROUTES <= audited  # the exceptions still exist
    assert len(audited) > len(KERNEL_TOKEN_ROUTES | WEBSOCKET_ROUTES)


async def test_a_reader_may_look_but_not_act(lab, alice_session):
    status, body = await lab.api(f"sessions/{alice_session}", user="reader")
    assert status == 404  # reader is not alice and may not see others' sessions
    status, body = await lab.api("info", user="reader")
    assert status == 200 and body["can_write"] is False
    status, body = await lab.api(f"sessions/{alice_session}/close", "POST", user="reader")
    assert status == 403 and "not authorized" in body["message"]


async def test_users_see_only_their_own_sessions(lab, alice_session):
    _, mine = await lab.api("sessions", user="alice")
    _, theirs = await lab.api("sessions", user="bob")
    assert [s["id"] for s in mine["sessions"]] == [alice_session]
    assert theirs["sessions"] == []
    status, _ = await lab.api(f"sessions/{alice_session}", user="bob")
    assert status == 404
    status, body = await lab.api(f"sessions/{alice_session}/cancel", "POST", user="bob")
    assert status == 404
    _, still = await lab.api(f"sessions/{alice_session}")
    assert still["state"] == "open"


async def test_the_authorizer_may_let_an_admin_act_on_anyones_session(lab, alice_session):
    _, info = await lab.api("info", user="admin")
    assert info["can_act_on_others"] is True and info["user"] == "admin"
    status, body = await lab.api(f"sessions/{alice_session}/cancel", "POST", user="admin")
    assert status == 200 and body["ended_reason"] == "cancelled"


async def test_sockets_only_carry_what_their_user_may_read(lab, alice_session):
    bob = await lab.socket("bob")
    admin = await lab.socket("admin")
    # (It may carry the account's usage too, once read: issue 13.)
    assert json.loads(await bob.read_message())["sessions"] == []
    snapshot = json.loads(await admin.read_message())
    assert [s["id"] for s in snapshot["sessions"]] == [alice_session]

    await lab.api(f"sessions/{alice_session}/close", "POST")
    change = json.loads(await admin.read_message())
    assert change["session"]["id"] == alice_session and change["session"]["accepting_jobs"] is False
    with pytest.raises(asyncio.TimeoutError):  # the change was written to admin only
        await asyncio.wait_for(bob.read_message(), timeout=0.2)
    bob.close()
    admin.close()


@pytest.mark.parametrize(("user", "statuses"), [("bob", [404] * 4), ("reader", [404] + [403] * 3)])
async def test_someone_elses_session_and_job_are_refused_as_unknown_ones(lab, user, statuses):
    """Byte for byte: the same id is asked for before the server knows it and once it is
    alice's; only alice's own answers change."""
    kernel = await lab.start_kernel()
    session = await lab.open_session()
    job = await lab.submit(session)  # on the service, not yet registered on this server
    sid = session.session_id
    asks = [
        ("GET", f"sessions/{sid}"),
        ("POST", f"jobs/{job}/cancel"),
        ("POST", f"sessions/{sid}/close"),
        ("POST", f"sessions/{sid}/cancel"),
    ]
    unknown = [await lab.raw(path, method, user=user) for method, path in asks]
    status, _ = await lab.register(kernel, sid)
    assert status == 200
    hidden = [await lab.raw(path, method, user=user) for method, path in asks]

    assert hidden == unknown
    assert [status for status, _ in hidden] == statuses
    assert sid not in hidden[1][1].decode()  # the job's refusal names the job only
    status, body = await lab.api(f"jobs/{job}/cancel", "POST")  # alice's own: it exists
    assert status == 200 and body["id"] == sid


async def test_someone_elses_session_is_absent_from_the_stream_as_an_unknown_one(lab):
    early = await lab.socket("bob")
    nothing = await early.read_message()
    _, session, job = await lab.kernel_with_a_queued_job()
    await lab.api(f"jobs/{job}/cancel", "POST")
    await lab.api(f"sessions/{session.session_id}/close", "POST")
    late = await lab.socket("bob")
    assert await late.read_message() == nothing  # the snapshot, byte for byte
    with pytest.raises(asyncio.TimeoutError):  # and no change of alice's reached bob
        await asyncio.wait_for(early.read_message(), timeout=0.2)
    early.close()
    late.close()
