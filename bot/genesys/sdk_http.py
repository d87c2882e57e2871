"""The SDK's HTTP client slot, filled with :class:`~bot.genesys.http.HttpTransport`.

Importing this module imports the Genesys SDK (several seconds): only
``GenesysDialer`` imports it, on first use or in ``warm_up()``.

Requests are encoded, and responses returned or raised, the way the SDK's own
``RESTClientObject.request`` does it (PureCloudPlatformClientV2 269.0.0, ``rest.py``),
so the SDK's API classes behave the same. The differences: each request is sent once
with explicit timeouts, and a missing response raises
:class:`~bot.genesys.http.TransportError` instead of an urllib3 error.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import urllib3
from PureCloudPlatformClientV2.abstract_http_client import AbstractHttpClient
from PureCloudPlatformClientV2.http_request_options import HttpRequestOptions
from PureCloudPlatformClientV2.rest import ApiException, RESTResponse

from bot.genesys.http import HttpTransport

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "OPTIONS"})
SUCCESS_STATUSES = range(200, 206)  # the range the SDK's rest.py accepts


class TransportHttpClient(AbstractHttpClient):
    """An SDK HTTP client that sends through ``transport`` with ``timeout``.

    Build one per attempt: the timeout shrinks as the call's deadline nears.
    """

    def __init__(self, transport: HttpTransport, *, timeout: urllib3.Timeout) -> None:
        super().__init__()
        self._transport = transport
        self._timeout = timeout

    def request(self, http_request_options: HttpRequestOptions) -> RESTResponse:
        if not isinstance(http_request_options, HttpRequestOptions):
            raise ValueError("http_request_options must be an HttpRequestOptions")
        options = http_request_options
        if self.pre_hook is not None:
            options = self.pre_hook(options)

        raw = self._send(options)
        response = RESTResponse(raw)
        response.data = response.data.decode("utf8")
        if self.post_hook is not None:
            response = self.post_hook(response)
        if response.status not in SUCCESS_STATUSES:
            raise ApiException(http_resp=response)
        return response

    def _send(self, options: HttpRequestOptions) -> urllib3.BaseHTTPResponse:
        method = options.method.upper()
        url = options.url
        headers = dict(options.headers or {})
        headers.setdefault("Content-Type", "application/json")
        query = options.query_params or {}

        if method not in BODY_METHODS:
            return self._transport.request(method, url, headers=headers, fields=query, timeout=self._timeout)

        if query:
            url += "?" + urlencode(query)
        content_type = headers["Content-Type"]
        if content_type == "application/json":
            body = json.dumps(options.body)
            return self._transport.request(method, url, headers=headers, body=body, timeout=self._timeout)
        if content_type == "application/x-www-form-urlencoded":
            return self._transport.request(
                method, url, headers=headers, fields=options.post_params or {}, encode_multipart=False, timeout=self._timeout,
            )
        if content_type == "multipart/form-data":
            del headers["Content-Type"]  # urllib3 sets it with the boundary
            return self._transport.request(
                method, url, headers=headers, fields=options.post_params or {}, encode_multipart=True, timeout=self._timeout,
            )
        raise ValueError(f"unsupported Content-Type {content_type!r} for {method} {url}")
