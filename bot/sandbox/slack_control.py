"""HTTP control API of the Slack stand-in, under ``/__sandbox/``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.sandbox.server import JSONHandler

if TYPE_CHECKING:
    from bot.sandbox.slack import SlackSandbox

# method and path -> what it does. The CLI help prints this table.
CONTROL_ENDPOINTS: dict[str, str] = {
    "GET /__sandbox/messages": "list the recorded messages as JSON",
    "GET /__sandbox/requests": "list every Web API and response URL request with its result",
    "POST /__sandbox/channels": 'add a channel, body {"id": "C123", "member": true, "kind": "public|private|im"}',
    "POST /__sandbox/response-urls": 'create a response URL, returns {"url": "..."}',
    "POST /__sandbox/faults": 'add a fault, body {"method": "chat.postMessage", "status": 429, "retry_after": 1, '
                              '"error": null, "times": 1}',
    "POST /__sandbox/reset": "forget messages, requests, faults and response URLs; keep only channel C0SANDBOX",
}


def handle_control(sandbox: SlackSandbox, handler: JSONHandler, *, path: str, raw: bytes) -> int:
    """Handle one control request and return the HTTP status sent."""
    route = f"{handler.command} {path.rstrip('/')}"
    try:
        body = json.loads(raw) if raw else {}
    except json.JSONDecodeError as error:
        handler.send_json(400, {"error": f"request body is not valid JSON: {error}"})
        return 400

    try:
        status, result = _dispatch(sandbox, route, body)
    except (ValueError, TypeError) as error:
        status, result = 400, {"error": str(error)}
    handler.send_json(status, result)
    return status


def _dispatch(sandbox: SlackSandbox, route: str, body: Any) -> tuple[int, Any]:
    if route == "GET /__sandbox/messages":
        return 200, [message.to_dict() for message in list(sandbox.messages)]
    if route == "GET /__sandbox/requests":
        return 200, [request.to_dict() for request in list(sandbox.requests)]
    if route == "POST /__sandbox/reset":
        sandbox.reset()
        return 200, {"ok": True}
    if route == "POST /__sandbox/channels":
        if not isinstance(body, dict) or not body.get("id"):
            raise ValueError('a channel needs a JSON body with "id", and optionally "member" and "kind"')
        sandbox.add_channel(str(body["id"]), member=bool(body.get("member", True)), kind=body.get("kind", "public"))
        return 201, {"id": body["id"]}
    if route == "POST /__sandbox/response-urls":
        return 201, {"url": sandbox.new_response_url()}
    if route == "POST /__sandbox/faults":
        if not isinstance(body, dict) or not body.get("method"):
            raise ValueError('a fault needs a JSON body with "method", and "status" or "error"')
        sandbox.add_fault(
            body["method"], error=body.get("error"), status=int(body.get("status", 200)),
            retry_after=body.get("retry_after"), times=body.get("times", 1),
        )
        return 201, {"ok": True}
    return 404, {"error": f"unknown control endpoint {route}; known: {', '.join(CONTROL_ENDPOINTS)}"}
