"""Loopback HTTP server shared by the stand-ins: standard library only, served from a daemon thread."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

# Called after each request, answered or not, with: method, path, HTTP status
# (None when the connection was closed without a response) and a short detail.
ResponseHook = Callable[[str, str, "int | None", str], None]


def check_loopback(host: str) -> None:
    """Raise ValueError unless ``host`` is ``localhost`` or a loopback IP address."""
    if host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"invalid host {host!r}: give a loopback IP address such as 127.0.0.1 or ::1") from None
    if not address.is_loopback:
        raise ValueError(
            f"cannot bind {host}: the sandbox serves only the loopback interface (127.0.0.1 or ::1)"
        )


class _IPv4Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog of 5 resets connections when a test or
    # benchmark fires dozens of requests at once.
    request_queue_size = 128
    # The handler reaches its stand-in through the server.
    sandbox: Any = None


class _IPv6Server(_IPv4Server):
    address_family = socket.AF_INET6


class LoopbackServer:
    """Start, stop and locate one ThreadingHTTPServer bound to a loopback address.

    Subclasses set ``handler_class``; each request handler reaches the owning
    object through ``self.server.sandbox``.
    """

    handler_class: type[BaseHTTPRequestHandler]

    def __init__(self, *, host: str, port: int) -> None:
        check_loopback(host)
        self._host = host
        self._port = port
        self._httpd: _IPv4Server | None = None
        self._thread: threading.Thread | None = None
        # Set by stop(). Hanging, held and delayed requests wait on this event, so
        # they end as soon as stop() is called.
        self.stopping = threading.Event()
        self.on_response: ResponseHook | None = None

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:8081``; valid once started."""
        if self._httpd is None:
            raise RuntimeError("the server is not started; call start() first")
        host, port = self._httpd.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started; call start() first")
        return self._httpd.server_address[1]

    def start(self):
        """Bind the socket and serve from a daemon thread; return self."""
        if self._httpd is not None:
            raise RuntimeError("the server is already running")
        server_class = _IPv6Server if ":" in self._host else _IPv4Server
        httpd = server_class((self._host, self._port), self.handler_class)
        httpd.sandbox = self
        self.stopping.clear()
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"{type(self).__name__}:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; waiting requests are released first."""
        if self._httpd is None:
            return
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self):
        # ``with sandbox.start():`` and ``with sandbox:`` both work.
        return self if self._httpd is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def notify_response(self, method: str, path: str, status: int | None, detail: str = "") -> None:
        if self.on_response is not None:
            self.on_response(method, path, status, detail)


class JSONHandler(BaseHTTPRequestHandler):
    """Request handler that parses bodies and sends JSON responses, one response per connection."""

    # HTTP/1.0 closes the connection after every response, so a "drop" fault is
    # simply a return without writing anything.
    protocol_version = "HTTP/1.0"
    server_version = "callbot-sandbox"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr line; stand-ins report through their response hook."""

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def parse_body(self, raw: bytes) -> tuple[Any, str | None]:
        """Decode a JSON or form-encoded body; return (value, error message or None)."""
        if not raw:
            return None, None
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        text = raw.decode("utf-8", errors="replace")
        if content_type == "application/x-www-form-urlencoded":
            return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}, None
        try:
            return json.loads(text), None
        except json.JSONDecodeError as error:
            return None, f"request body is not valid JSON: {error}"

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_text(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def wait_for_client_close(self, *, timeout: float, stopping: threading.Event) -> None:
        """Block until the client closes its end, ``timeout`` seconds pass or the server stops."""
        connection: socket.socket = self.connection
        deadline = time.monotonic() + timeout
        while not stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            connection.settimeout(min(0.05, remaining))
            try:
                if connection.recv(1, socket.MSG_PEEK) == b"":
                    return
                # The client sent more bytes; they stay unread, so pause instead of spinning.
                stopping.wait(0.05)
            except (TimeoutError, socket.timeout):
                pass
            except OSError:
                return
