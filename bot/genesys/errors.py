"""Build GenesysFailure records from Genesys error responses and transport errors."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any, Mapping

from bot.calls.models import GenesysFailure
from bot.genesys.http import TransportError

CORRELATION_HEADER = "inin-correlation-id"


def failure_from_response(
    *,
    phase: str,
    status: int,
    headers: Mapping[str, str] | None,
    body: str | bytes | None,
    region: str | None,
    api_host: str | None,
) -> GenesysFailure:
    """Read a Genesys ErrorBody, or an OAuth error (``error``, ``error_description``), from a non-2xx response."""
    data = _json_object(body)
    code = data.get("code") or data.get("error")
    message = data.get("message") or data.get("error_description") or data.get("description")
    params = data.get("messageParams")
    correlation_id = _header(headers, CORRELATION_HEADER) or data.get("contextId")
    if not message and body and not data:
        message = _text(body)[:300]
    return GenesysFailure(
        phase=phase,
        status=status,
        code=str(code) if code else None,
        message=str(message) if message else None,
        message_params={str(key): str(value) for key, value in params.items()} if isinstance(params, dict) else {},
        correlation_id=str(correlation_id) if correlation_id else None,
        retry_after=parse_retry_after(_header(headers, "Retry-After")),
        region=region,
        api_host=api_host,
    )


def failure_from_transport(error: TransportError, *, phase: str, region: str | None, api_host: str | None) -> GenesysFailure:
    return GenesysFailure(
        phase=phase,
        transport=error.kind,
        transport_detail=error.detail,
        region=region,
        api_host=api_host,
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delay-seconds or HTTP-date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return max(0.0, seconds)


def correlation_id_of(headers: Mapping[str, str] | None) -> str | None:
    return _header(headers, CORRELATION_HEADER)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _json_object(body: str | bytes | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(_text(body))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _text(body: str | bytes) -> str:
    return body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
