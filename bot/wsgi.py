"""WSGI application: ``POST /slack/events`` for Slack, ``GET /healthz`` for load balancers."""

from __future__ import annotations

import json
import logging
from typing import Callable, Iterable

from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text

from bot.runtime import Runtime

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def make_wsgi_app(runtime: Runtime) -> Callable[[dict, Callable], Iterable[bytes]]:
    slack = SlackRequestHandler(runtime.app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _health(runtime, start_response)
        return slack(environ, start_response)

    return application


def _health(runtime: Runtime, start_response: Callable) -> Iterable[bytes]:
    """200 when the database answers; 503 with the error class otherwise."""
    try:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        status, body = "200 OK", {"ok": True, "database": "ok"}
    except Exception as error:  # report, do not crash the health check
        log.warning("health check: database unreachable: %s", type(error).__name__)
        status, body = "503 Service Unavailable", {"ok": False, "database": type(error).__name__}
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
