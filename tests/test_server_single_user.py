"""A single-user lab (jupyter-server's own identity provider): the browser gets a random
anonymous name, yet the person who holds the server's token is the one whose sessions the
kernels and the account open — so "Close idle sessions" and ``jupyter qsession close --idle``
find them there (they found none while the caller was "Anonymous <moon>")."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.single_user


async def api(jp_fetch, route: str, method: str = "GET", body=None, **params) -> dict:
    kwargs = {"body": json.dumps(body)} if body is not None else {}
    response = await jp_fetch(
        "qsession", "api", *route.split("/"), method=method, params=params, **kwargs
    )
    return json.loads(response.body)


async def test_the_servers_own_user_owns_the_sessions_and_closes_the_idle_ones(lab, jp_fetch):
    info = await api(jp_fetch, "info")
    assert info["user"] == lab.app.default_owner
    idle, busy = await lab.open_session(), await lab.open_session()  # beside the lab
    await lab.submit(busy)

    listed = await api(jp_fetch, "sessions", idle="true")
    assert [s["id"] for s in listed["sessions"]] == [idle.session_id]
    result = await api(jp_fetch, "sessions/close-idle", "POST", {})
    assert [s["id"] for s in result["closed"]] == [idle.session_id]
    assert result["skipped"] == []
