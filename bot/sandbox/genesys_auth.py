"""Login service of the Genesys stand-in: the client-credentials grant and bearer token checks."""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from typing import Any


class TokenStore:
    """Thread-safe store of issued bearer tokens that classifies a token as valid, unknown or expired."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: dict[str, float] = {}  # token -> time.monotonic() at issue
        self._revoked: set[str] = set()

    def issue(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._issued[token] = time.monotonic()
        return token

    def problem(self, token: str | None, *, ttl: float) -> tuple[str, str] | None:
        """Return the Genesys (code, message) of a 401 for this token, or None when it is valid."""
        if token is None:
            return "authentication.required", "No authentication bearer token specified in authorization header."
        with self._lock:
            issued = self._issued.get(token)
            revoked = token in self._revoked
        if issued is None:
            return "bad.credentials", "Invalid login credentials."
        if revoked or time.monotonic() - issued >= ttl:
            return "credentials.expired", "The supplied credentials are expired and cannot be used."
        return None

    def expire_all(self) -> None:
        with self._lock:
            self._revoked.update(self._issued)

    def clear(self) -> None:
        with self._lock:
            self._issued.clear()
            self._revoked.clear()


def token_response(*, method: str, authorization: str | None, form: Any, client_id: str, client_secret: str,
                   tokens: TokenStore, ttl: float) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Handle POST /oauth/token; return HTTP status, JSON body and extra headers."""
    if method != "POST":
        return 405, _oauth_error("invalid_request", "The token endpoint accepts only POST."), {"Allow": "POST"}
    credentials = _basic_credentials(authorization)
    if credentials is None:
        return 401, _oauth_error("invalid_client", "client authentication required"), {}
    if credentials != (client_id, client_secret):
        # NOTE: public reports show this body from the real login service for a wrong
        # client. They do not show the HTTP status, so 400 is a guess (RFC 6749 allows 400 or 401).
        return 400, _oauth_error("invalid_client", "authentication failed"), {}
    grant_type = form.get("grant_type") if isinstance(form, dict) else None
    if grant_type != "client_credentials":
        return 400, _oauth_error("unsupported_grant_type", f"grant type {grant_type!r} is not supported"), {}

    return 200, {"access_token": tokens.issue(), "token_type": "bearer", "expires_in": int(ttl)}, {}


def _oauth_error(error: str, description: str) -> dict[str, str]:
    return {"error": error, "description": description, "error_description": description}


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Decode ``Authorization: Basic ...`` into (client ID, secret), or None when absent or malformed."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    return (client_id, secret) if separator else None
