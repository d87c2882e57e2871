"""HTTP control API of the Genesys stand-in, under ``/__sandbox/``; its requests are not recorded."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from bot.sandbox.genesys_faults import Fault
from bot.sandbox.server import JSONHandler

if TYPE_CHECKING:
    from bot.sandbox.genesys import GenesysSandbox

# method and path -> what it does. The CLI help prints this table.
CONTROL_ENDPOINTS: dict[str, str] = {
    "POST /__sandbox/faults": "add a fault, given as a JSON object with the fields of --fault",
    "GET /__sandbox/faults": "list the faults that still have uses left",
    "DELETE /__sandbox/faults": "remove every fault",
    "GET /__sandbox/requests": "list the recorded requests (control requests excepted) as JSON",
    "GET /__sandbox/calls": "list the placed calls by conversation ID",
    "POST /__sandbox/calls/ID/state": 'set a participant state, body {"purpose": "external", "state": "disconnected"}',
    "POST /__sandbox/users": 'add a known Genesys user, body {"id": "...", "name": "..."}',
    "POST /__sandbox/release": "let the requests held by a hold fault continue",
    "POST /__sandbox/expire-tokens": "make every token issued so far fail with 401 credentials.expired",
    "POST /__sandbox/rate-limit": 'limit the /api/v2/ requests per access token, body {"requests_per_minute": 60} '
                                  '(null: no limit) and optionally "window_seconds" (default 60)',
    "GET /__sandbox/rate-limit": "show the rate limit and how many requests it answered with 429",
    "POST /__sandbox/reset": "forget faults, requests, calls, tokens and rate limit counts (users and the limit stay)",
}

_CALL_STATE = re.compile(r"/__sandbox/calls/([^/]+)/state")


def handle_control(sandbox: GenesysSandbox, handler: JSONHandler, *, path: str, raw: bytes) -> int:
    """Handle one control request and return the HTTP status sent."""
    method = handler.command
    try:
        body = json.loads(raw) if raw else None
    except json.JSONDecodeError as error:
        return _send(handler, 400, {"error": f"request body is not valid JSON: {error}"})

    try:
        status, payload = _dispatch(sandbox, method, path, body)
    except (ValueError, KeyError) as error:
        message = error.args[0] if error.args else str(error)
        return _send(handler, 400, {"error": str(message)})
    return _send(handler, status, payload)


def _dispatch(sandbox: GenesysSandbox, method: str, path: str, body: Any) -> tuple[int, Any]:
    route = f"{method} {path.rstrip('/')}"
    if route == "POST /__sandbox/faults":
        fault = Fault.from_dict(body)
        sandbox.add_fault(fault)
        return 201, {"fault": fault.to_dict()}
    if route == "GET /__sandbox/faults":
        return 200, [fault.to_dict() for fault in sandbox.faults.pending()]
    if route == "DELETE /__sandbox/faults":
        sandbox.clear_faults()
        return 200, {"ok": True}
    if route == "GET /__sandbox/requests":
        return 200, [request.to_dict() for request in list(sandbox.requests)]
    if route == "GET /__sandbox/calls":
        return 200, dict(sandbox.calls)
    if route == "POST /__sandbox/users":
        if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
            raise ValueError('a user needs a JSON body with a non-empty "id" and optionally "name"')
        sandbox.add_user(body["id"], str(body.get("name") or "Sandbox User"))
        return 201, {"id": body["id"]}
    if route == "POST /__sandbox/release":
        sandbox.release()
        return 200, {"ok": True}
    if route == "POST /__sandbox/expire-tokens":
        sandbox.expire_tokens()
        return 200, {"ok": True}
    if route == "POST /__sandbox/rate-limit":
        if not isinstance(body, dict) or "requests_per_minute" not in body:
            raise ValueError('a rate limit needs a JSON body with "requests_per_minute" (a number, or null for no limit)')
        unknown = sorted(set(body) - {"requests_per_minute", "window_seconds"})
        if unknown:
            raise ValueError(f"unknown rate limit field(s) {', '.join(unknown)}; expected requests_per_minute, window_seconds")
        sandbox.set_rate_limit(body["requests_per_minute"], window=body.get("window_seconds", 60.0))
        return 200, _rate_limit_state(sandbox)
    if route == "GET /__sandbox/rate-limit":
        return 200, _rate_limit_state(sandbox)
    if route == "POST /__sandbox/reset":
        sandbox.reset()
        return 200, {"ok": True}

    call_state = _CALL_STATE.fullmatch(path)
    if method == "POST" and call_state:
        if not isinstance(body, dict) or "purpose" not in body or "state" not in body:
            raise ValueError('a state change needs a JSON body with "purpose" and "state"')
        sandbox.set_participant_state(
            call_state.group(1), purpose=body["purpose"], state=body["state"],
            disconnect_type=body.get("disconnectType"),
        )
        return 200, {"ok": True}

    return 404, {"error": f"unknown control endpoint {method} {path}; known: {', '.join(CONTROL_ENDPOINTS)}"}


def _rate_limit_state(sandbox: GenesysSandbox) -> dict[str, Any]:
    return {
        "requests_per_minute": sandbox.requests_per_minute,
        "window_seconds": sandbox.rate_limit.window,
        "rate_limited": sandbox.rate_limited,
    }


def _send(handler: JSONHandler, status: int, payload: Any) -> int:
    handler.send_json(status, payload)
    return status
