"""HTTP transport to Genesys Cloud: urllib3 with explicit timeouts, no automatic retries.

The SDK's own client (PureCloudPlatformClientV2 269.0.0, ``rest.py``) sets no timeout,
re-sends any request, POST included, up to 10 times, and silently sleeps on
``Retry-After``. This transport sends each request exactly once and reports why no
response came, so the retry policy can tell a request that never left (safe to repeat)
from one that may have taken effect (a call that may exist).

Stale keep-alive connections: a pooled connection that the server closed while idle
fails only after the request was written, and then looks exactly like a connection
dropped after sending. Requests that change state (every method except GET and HEAD)
therefore always use a new connection: they go through pools that close every
connection after its response and send ``Connection: close``. For them "dropped"
means the connection broke during this very request. GET and HEAD reuse connections,
and their callers may repeat them after a drop.
"""

from __future__ import annotations

import http.client
import logging
from typing import Any, Mapping

import urllib3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from bot.calls.models import TRANSPORT_CONNECT, TRANSPORT_DROPPED, TRANSPORT_TIMEOUT

log = logging.getLogger(__name__)

REUSABLE_METHODS = frozenset({"GET", "HEAD"})


class _SingleUseHTTPConnectionPool(HTTPConnectionPool):
    """A pool that closes each connection when it is returned, so every request opens a new one."""

    def _put_conn(self, conn):  # type: ignore[no-untyped-def]
        if conn is not None:
            conn.close()
        super()._put_conn(None)  # return an empty slot, so the pool keeps its size limit


class _SingleUseHTTPSConnectionPool(HTTPSConnectionPool):
    """The HTTPS twin of _SingleUseHTTPConnectionPool."""

    def _put_conn(self, conn):  # type: ignore[no-untyped-def]
        if conn is not None:
            conn.close()
        super()._put_conn(None)


class TransportError(Exception):
    """No HTTP response came back.

    kind: TRANSPORT_CONNECT when no connection could be opened (nothing was sent),
        TRANSPORT_TIMEOUT when the request was sent and no response came within the read
        timeout, TRANSPORT_DROPPED when the connection closed or broke after sending.
    """

    def __init__(self, kind: str, detail: str, *, method: str, url: str) -> None:
        super().__init__(f"{method} {url}: {kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.method = method
        self.url = url

    @property
    def sent(self) -> bool:
        """True when the server may have received the request."""
        return self.kind != TRANSPORT_CONNECT


class HttpTransport:
    """Send one HTTP request per call over pooled urllib3 connections; thread-safe.

    connect_timeout, read_timeout: default seconds to open a connection and to wait
        for each read of the response; a request may pass a shorter ``timeout``.
    """

    def __init__(self, *, connect_timeout: float, read_timeout: float, max_connections: int = 10) -> None:
        self.default_timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        common: dict[str, Any] = {"retries": False, "timeout": self.default_timeout, "maxsize": max_connections}
        self._reusing = urllib3.PoolManager(**common)
        self._single_use = urllib3.PoolManager(**common)
        self._single_use.pool_classes_by_scheme = {"http": _SingleUseHTTPConnectionPool, "https": _SingleUseHTTPSConnectionPool}

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | str | None = None,
        fields: Mapping[str, Any] | None = None,
        encode_multipart: bool | None = None,
        timeout: urllib3.Timeout | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """Send the request once and return the response, whatever its status.

        ``fields`` become the query string for GET, HEAD and DELETE, and a form body
        otherwise (multipart unless ``encode_multipart`` is False). Raises
        TransportError when no response came back.
        """
        method = method.upper()
        send_headers = dict(headers)
        if method in REUSABLE_METHODS:
            pool = self._reusing
        else:
            pool = self._single_use
            send_headers["Connection"] = "close"
        options: dict[str, Any] = {
            "headers": send_headers,
            "timeout": timeout or self.default_timeout,
            "retries": False,
            "redirect": False,
            "preload_content": True,
        }
        if body is not None:
            options["body"] = body
        if fields is not None:
            options["fields"] = fields
        if encode_multipart is not None:
            options["encode_multipart"] = encode_multipart

        try:
            return pool.request(method, url, **options)
        except (NewConnectionError, ConnectTimeoutError) as exc:
            # NewConnectionError covers refused connections and DNS failures
            # (NameResolutionError); it subclasses ConnectTimeoutError in urllib3 2.
            raise TransportError(TRANSPORT_CONNECT, _describe(exc), method=method, url=url) from exc
        except SSLError as exc:
            # urllib3 raises SSLError from the TLS handshake, before any request byte.
            raise TransportError(TRANSPORT_CONNECT, _describe(exc), method=method, url=url) from exc
        except ReadTimeoutError as exc:
            read_timeout = options["timeout"].read_timeout
            detail = f"no response within the {read_timeout:g} s read timeout"
            raise TransportError(TRANSPORT_TIMEOUT, detail, method=method, url=url) from exc
        except ProtocolError as exc:
            raise TransportError(TRANSPORT_DROPPED, _describe(exc), method=method, url=url) from exc
        except (HTTPError, http.client.HTTPException, OSError) as exc:
            # Anything else happened after the connection opened: treat it as sent.
            raise TransportError(TRANSPORT_DROPPED, _describe(exc), method=method, url=url) from exc

    def close(self) -> None:
        self._reusing.clear()
        self._single_use.clear()


def _describe(exc: BaseException) -> str:
    """Return the innermost cause of a urllib3 error, such as ``ConnectionRefusedError: [Errno 111] Connection refused``."""
    cause = exc
    for _ in range(5):  # urllib3 nests its errors two or three deep
        inner = cause.__cause__
        if inner is None and cause.args and isinstance(cause.args[-1], BaseException):
            inner = cause.args[-1]
        if inner is None or inner is cause:
            break
        cause = inner
    return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
