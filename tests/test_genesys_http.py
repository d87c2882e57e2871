"""HTTP transport: one send per request, timeouts, and how a missing response is classified.

The servers here are raw sockets on loopback, because the cases need control over
connections that an HTTP framework hides: keep-alive, closing after reading, silence.
"""

from __future__ import annotations

import socket
import threading
from typing import Callable

import pytest
import urllib3

from bot.calls.models import TRANSPORT_CONNECT, TRANSPORT_DROPPED, TRANSPORT_TIMEOUT
from bot.genesys.http import HttpTransport, TransportError

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class RawServer:
    """Accept connections on loopback and pass each request to ``serve(connection, request, number)``.

    ``serve`` returns True to keep the connection open for another request.
    """

    def __init__(self, serve: Callable[[socket.socket, bytes, int], bool]) -> None:
        self.serve = serve
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.connections = 0
        self.requests: list[bytes] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            while True:
                request = _read_request(connection)
                if request is None:
                    return
                self.requests.append(request)
                if not self.serve(connection, request, len(self.requests)):
                    return

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def _read_request(connection: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        body += connection.recv(65536)
    return data


@pytest.fixture
def transport():
    client = HttpTransport(connect_timeout=1, read_timeout=0.5)
    yield client
    client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_is_connect(transport):
    with pytest.raises(TransportError) as raised:
        transport.request("POST", f"http://127.0.0.1:{free_port()}/x", headers={}, body="{}")
    assert raised.value.kind == TRANSPORT_CONNECT
    assert raised.value.sent is False
    assert "refused" in raised.value.detail.lower()


def test_drop_after_read_is_dropped(transport):
    server = RawServer(lambda connection, request, number: False)  # read, then close
    try:
        with pytest.raises(TransportError) as raised:
            transport.request("POST", server.url + "/x", headers={}, body="{}")
        assert raised.value.kind == TRANSPORT_DROPPED
        assert raised.value.sent is True
        assert len(server.requests) == 1
    finally:
        server.close()


def test_silence_is_read_timeout(transport):
    release = threading.Event()

    def hang(connection, request, number):
        release.wait(5)
        return False

    server = RawServer(hang)
    try:
        with pytest.raises(TransportError) as raised:
            transport.request("POST", server.url + "/x", headers={}, body="{}")
        assert raised.value.kind == TRANSPORT_TIMEOUT
        assert "0.5 s read timeout" in raised.value.detail
        assert len(server.requests) == 1
    finally:
        release.set()
        server.close()


def test_error_status_returned_not_retried(transport):
    answer = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"

    def unavailable(connection, request, number):
        connection.sendall(answer)
        return True

    server = RawServer(unavailable)
    try:
        response = transport.request("POST", server.url + "/x", headers={}, body="{}")
        assert response.status == 503
        assert len(server.requests) == 1
    finally:
        server.close()


def test_post_uses_new_connection_each_time(transport):
    def keep_alive(connection, request, number):
        connection.sendall(OK)
        return True

    server = RawServer(keep_alive)
    try:
        for _ in range(3):
            assert transport.request("POST", server.url + "/x", headers={}, body="{}").status == 200
        assert server.connections == 3
        assert all(b"connection: close" in request.lower() for request in server.requests)
    finally:
        server.close()


def test_get_reuses_connection(transport):
    def keep_alive(connection, request, number):
        connection.sendall(OK)
        return True

    server = RawServer(keep_alive)
    try:
        for _ in range(3):
            assert transport.request("GET", server.url + "/x", headers={}).status == 200
        assert server.connections == 1
    finally:
        server.close()


def test_post_after_stale_get_connection_is_sent_once(transport):
    # The server answers a GET with keep-alive, then closes that connection while idle.
    # A POST must not travel on it, where its failure would look like a drop after send.
    def answer_then_close(connection, request, number):
        connection.sendall(OK)
        return False

    server = RawServer(answer_then_close)
    try:
        assert transport.request("GET", server.url + "/x", headers={}).status == 200
        response = transport.request("POST", server.url + "/x", headers={}, body="{}")
        assert response.status == 200
        assert server.connections == 2
    finally:
        server.close()


def test_stale_get_connection_is_dropped_for_get(transport):
    # What the note in bot/genesys/http.py describes: a keep-alive connection closed
    # by the server right after its response. urllib3 usually notices and reconnects,
    # and when it cannot, the GET fails as "dropped" and the caller may repeat it.
    def answer_then_close(connection, request, number):
        connection.sendall(OK)
        return False

    server = RawServer(answer_then_close)
    try:
        assert transport.request("GET", server.url + "/x", headers={}).status == 200
        try:
            second = transport.request("GET", server.url + "/x", headers={})
        except TransportError as error:
            assert error.kind == TRANSPORT_DROPPED
        else:
            assert second.status == 200
    finally:
        server.close()


def test_request_timeout_overrides_default(transport):
    release = threading.Event()

    def hang(connection, request, number):
        release.wait(5)
        return False

    server = RawServer(hang)
    try:
        with pytest.raises(TransportError) as raised:
            transport.request("GET", server.url + "/x", headers={}, timeout=urllib3.Timeout(connect=1, read=0.2))
        assert "0.2 s read timeout" in raised.value.detail
    finally:
        release.set()
        server.close()
