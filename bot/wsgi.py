"""WSGI application: ``POST /slack/events`` for Slack, ``GET /healthz`` for load balancers.

Slack's signature is checked here before the request reaches Bolt. Bolt (slack_bolt
1.30) parses the body before it checks the signature, so an unsigned request with a
malformed body or timestamp made it respond 500 and log a traceback.
"""

from __future__ import annotations

import io
import json
import logging
from typing import Callable, Iterable

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slash commands and interaction payloads are a few kilobytes; anything far larger
# is not from Slack.
MAX_BODY_BYTES = 1_000_000


def make_wsgi_app(runtime: Runtime) -> Callable[[dict, Callable], Iterable[bytes]]:
    slack = SlackRequestHandler(runtime.app, path=EVENTS_PATH)
    verifier = SignatureVerifier(runtime.settings.slack_signing_secret or "")

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return _health(runtime, start_response)
        if path != EVENTS_PATH or method != "POST":
            return _reply(start_response, "404 Not Found", {"ok": False, "error": "not found"})

        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            return _reply(start_response, "413 Payload Too Large", {"ok": False, "error": "body too large or length invalid"})
        body = environ["wsgi.input"].read(length)
        if not _signed(verifier, body, environ):
            log.info("rejected a request to %s with a missing, invalid or expired Slack signature", EVENTS_PATH)
            return _reply(start_response, "401 Unauthorized", {"ok": False, "error": "invalid signature"})

        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return slack(environ, start_response)
        except Exception as error:  # a signed but malformed request; Bolt has not started a response yet
            log.warning("could not handle a signed request to %s: %s", EVENTS_PATH, type(error).__name__)
            return _reply(start_response, "400 Bad Request", {"ok": False, "error": "malformed request"})

    return application


def _signed(verifier: SignatureVerifier, body: bytes, environ: dict) -> bool:
    """True when the body carries a valid signature no older than five minutes."""
    try:
        return verifier.is_valid(
            body=body,
            timestamp=environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            signature=environ.get("HTTP_X_SLACK_SIGNATURE"),
        )
    except (ValueError, TypeError):  # a timestamp that is not a number
        return False


def _health(runtime: Runtime, start_response: Callable) -> Iterable[bytes]:
    """Return 200 when a database query succeeds; 503 with the error class otherwise."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"ok": True, "database": "ok"}
    except Exception as error:  # report, do not crash the health check
        log.warning("health check: database unreachable: %s", type(error).__name__)
        status, body = "503 Service Unavailable", {"ok": False, "database": type(error).__name__}
    return _reply(start_response, status, body)


def _reply(start_response: Callable, status: str, body: dict) -> Iterable[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
