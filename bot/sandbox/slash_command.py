"""Send a slash command to the bot exactly as Slack does: form-encoded and signed.

Used by the demo, the tests and the ack benchmark. The signature is computed by
slack_sdk's ``SignatureVerifier``, the same code Bolt uses to check it.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier


@dataclass(frozen=True)
class SlashResponse:
    status: int
    body: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}


def slash_command_form(
    *,
    text: str,
    response_url: str,
    user_id: str = "U0DEMO",
    team_id: str = "T0SANDBOX",
    channel_id: str = "C0SANDBOX",
    command: str = "/call",
    trigger_id: str | None = None,
) -> dict[str, str]:
    """Build the form fields Slack sends for a slash command; trigger_id is new for each call unless given."""
    if trigger_id is None:
        trigger_id = f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
    return {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": "sandbox",
        "enterprise_id": "",
        "channel_id": channel_id,
        "channel_name": "calls",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0SANDBOX",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def sign(body: str, *, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack adds to every request: timestamp and v0 HMAC-SHA256 signature."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }


def send_slash_command(
    url: str,
    *,
    signing_secret: str,
    timestamp: int | None = None,
    timeout: float = 10.0,
    **form: str,
) -> SlashResponse:
    """POST a signed slash command to ``url`` and return the HTTP response."""
    body = urlencode(slash_command_form(**form))
    headers = sign(body, signing_secret=signing_secret, timestamp=timestamp)
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        payload = error.read().decode()
        status = error.code
    return SlashResponse(status=status, body=payload, seconds=time.perf_counter() - started)
