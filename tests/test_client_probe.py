"""An account's URL is told an emulator or IBM's service (client/emulator_probe.py): the
emulator says what it is without a key; IBM's hosts are never asked; nothing answering is a
one-line ProviderUnavailable naming the URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from processes import free_port

import jupyter_qsession
from jupyter_qsession.client import emulator_probe
from jupyter_qsession.client.emulator_probe import service_kind
from jupyter_qsession.emulator.instance import INFO_PATH, INSTANCE_CRN
from jupyter_qsession.errors import ProviderUnavailable


def test_the_emulator_says_what_it_is_without_a_key(emu):
    answer = requests.get(emu.url + INFO_PATH, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {
        "service": "jupyter-qsession-emulator",
        "version": jupyter_qsession.__version__,
        "instance": INSTANCE_CRN,
    }


def test_an_emulator_is_an_emulator(emu):
    assert service_kind(emu.url) == "emulator"
    assert service_kind(emu.url + "/") == "emulator"


def test_a_closed_port_is_provider_unavailable_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProviderUnavailable) as caught:
        service_kind(url, timeout=2.0)
    assert caught.value.message == f"{url} cannot be reached: connection refused."


@pytest.mark.parametrize(
    "url",
    [None, "", "https://cloud.ibm.com", "https://quantum.cloud.ibm.com/api", "https://ibm.com"],
)
def test_ibm_hosts_are_ibm_without_a_request(url, monkeypatch):
    def no_request(*args, **kwargs):
        raise AssertionError(f"asked {args}")

    monkeypatch.setattr(emulator_probe.requests, "get", no_request)
    assert service_kind(url) == "ibm"


def test_a_host_that_only_ends_like_ibm_is_asked():
    assert not emulator_probe.is_ibm_host("http://notibm.com")
    assert emulator_probe.is_ibm_host("https://eu-de.quantum.cloud.ibm.com")


class OtherService(BaseHTTPRequestHandler):
    """Some other Runtime API on loopback: its status and body chosen by the path's test."""

    status, body, asked = 404, b"", []

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        return None


@pytest.fixture
def other() -> Iterator[tuple[str, type[OtherService]]]:
    handler = type("Handler", (OtherService,), {"asked": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "status, body",
    [
        (404, b'{"errors": [{"message": "Not found"}]}'),
        (401, b'{"message": "no"}'),
        (200, b"<html>a page</html>"),
        (200, b'{"service": "someone-else"}'),
    ],
)
def test_another_runtime_api_is_ibm(other, status, body):
    url, handler = other
    handler.status, handler.body = status, body
    assert service_kind(url) == "ibm"
    assert handler.asked == [INFO_PATH]


def test_a_failing_server_is_provider_unavailable_to_ask_again(other):
    url, handler = other
    handler.status, handler.body = 502, b"Bad Gateway"
    with pytest.raises(ProviderUnavailable, match=f"^{url} answered 502 "):
        service_kind(url)
