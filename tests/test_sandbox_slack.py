"""The Slack stand-in, driven over real HTTP with urllib and with slack_sdk's WebClient."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.sandbox.slack import DEFAULT_CHANNEL, SlackSandbox

TS_FORMAT = re.compile(r"^\d{10}\.\d{6}$")


def post(url: str, *, body: Any = None, form: dict[str, str] | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    all_headers = dict(headers or {})
    data = b""
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    if form is not None:
        data = urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def sandbox():
    with SlackSandbox() as server:
        yield server


@pytest.fixture
def client(sandbox) -> WebClient:
    return WebClient(token=sandbox.bot_token, base_url=sandbox.url + "/api/")


def slack_error(call) -> tuple[int, str]:
    """Run a WebClient call expected to fail; return the HTTP status and Slack error code."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.status_code, raised.value.response["error"]


# --- Web API -----------------------------------------------------------------------


def test_auth_test_returns_bot_identity(sandbox, client):
    response = client.auth_test()

    assert response["ok"] is True
    assert response["team_id"] == "T0SANDBOX"
    assert response["user_id"]
    assert response["bot_id"]
    assert response["url"].startswith("https://")


def test_post_message_recorded_with_unique_ts(sandbox, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "Calling *+1 415 555 0134*"}}]

    first = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Calling", blocks=blocks)
    second = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="again")

    assert first["channel"] == DEFAULT_CHANNEL
    assert TS_FORMAT.match(first["ts"])
    assert first["ts"] != second["ts"]
    assert first["message"]["text"] == "Calling"
    recorded = sandbox.messages[0]
    assert recorded.api == "chat.postMessage"
    assert recorded.channel == DEFAULT_CHANNEL
    assert recorded.text == "Calling"
    assert recorded.blocks == blocks
    assert recorded.ts == first["ts"]
    assert "token" not in recorded.raw


def test_post_message_form_encoded(sandbox):
    blocks = [{"type": "section", "text": {"type": "plain_text", "text": "hi"}}]
    form = {"token": sandbox.bot_token, "channel": DEFAULT_CHANNEL, "blocks": json.dumps(blocks)}

    status, _, raw = post(sandbox.url + "/api/chat.postMessage", form=form)

    assert status == 200
    assert json.loads(raw)["ok"] is True
    assert sandbox.messages[0].blocks == blocks


@pytest.mark.parametrize(("headers", "error"), [
    ({}, "not_authed"),
    ({"Authorization": "Bearer xoxb-wrong"}, "invalid_auth"),
])
def test_web_api_checks_token(sandbox, headers, error):
    status, _, raw = post(sandbox.url + "/api/chat.postMessage", body={"channel": DEFAULT_CHANNEL, "text": "x"},
                          headers=headers)

    assert status == 200
    assert json.loads(raw) == {"ok": False, "error": error}
    assert sandbox.messages == []


@pytest.mark.parametrize(("channel", "member", "kind", "error"), [
    ("C0PUBLIC", False, "public", "not_in_channel"),
    ("G0PRIVATE", False, "private", "channel_not_found"),
    ("D0DIRECT", False, "im", "channel_not_found"),
])
def test_post_message_outside_channel(sandbox, client, channel, member, kind, error):
    sandbox.add_channel(channel, member=member, kind=kind)

    assert slack_error(lambda: client.chat_postMessage(channel=channel, text="x")) == (200, error)
    assert sandbox.messages == []


def test_post_message_unknown_channel(sandbox, client):
    assert slack_error(lambda: client.chat_postMessage(channel="C0NOWHERE", text="x")) == (200, "channel_not_found")


def test_post_message_private_member_allowed(sandbox, client):
    sandbox.add_channel("G0PRIVATE", member=True, kind="private")

    response = client.chat_postMessage(channel="G0PRIVATE", text="x")

    assert response["ok"] is True


def test_post_message_without_text_is_no_text(sandbox, client):
    status, _, raw = post(sandbox.url + "/api/chat.postMessage", body={"channel": DEFAULT_CHANNEL},
                          headers={"Authorization": f"Bearer {sandbox.bot_token}"})

    assert json.loads(raw) == {"ok": False, "error": "no_text"}


def test_thread_lists_replies(sandbox, client):
    root = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Calling")["ts"]
    client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Ringing", thread_ts=root)
    client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Connected", thread_ts=root)
    client.chat_postMessage(channel=DEFAULT_CHANNEL, text="unrelated")

    assert [message.text for message in sandbox.thread(root)] == ["Ringing", "Connected"]


def test_update_edits_bot_message(sandbox, client):
    ts = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Calling")["ts"]

    response = client.chat_update(channel=DEFAULT_CHANNEL, ts=ts, text="Connected")

    assert response["ts"] == ts
    assert response["text"] == "Connected"
    assert [(m.api, m.ts, m.text) for m in sandbox.messages] == [
        ("chat.postMessage", ts, "Calling"), ("chat.update", ts, "Connected"),
    ]


def test_update_unknown_message(sandbox, client):
    assert slack_error(
        lambda: client.chat_update(channel=DEFAULT_CHANNEL, ts="1700000000.000100", text="x")
    ) == (200, "message_not_found")


def test_post_ephemeral_needs_membership(sandbox, client):
    sandbox.add_channel("C0PUBLIC", member=False)

    response = client.chat_postEphemeral(channel=DEFAULT_CHANNEL, user="U0DEMO", text="only you")
    outside = slack_error(lambda: client.chat_postEphemeral(channel="C0PUBLIC", user="U0DEMO", text="x"))

    assert response["ok"] is True
    assert response["message_ts"]
    assert outside == (200, "not_in_channel")
    assert [(m.api, m.user) for m in sandbox.messages] == [("chat.postEphemeral", "U0DEMO")]


def test_unknown_method(sandbox, client):
    assert slack_error(lambda: client.api_call("chat.meMessage", json={"channel": DEFAULT_CHANNEL})) == (
        200, "unknown_method",
    )


# --- faults ------------------------------------------------------------------------


def test_fault_429_has_retry_after(sandbox, client):
    sandbox.add_fault("chat.postMessage", status=429, retry_after=3)

    status, headers, raw = post(sandbox.url + "/api/chat.postMessage", body={"channel": DEFAULT_CHANNEL, "text": "x"},
                                headers={"Authorization": f"Bearer {sandbox.bot_token}"})
    after = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="y")

    assert status == 429
    assert headers["Retry-After"] == "3"
    assert json.loads(raw) == {"ok": False, "error": "ratelimited"}
    assert after["ok"] is True
    assert sandbox.count("chat.postMessage") == 2
    assert [m.text for m in sandbox.messages] == ["y"]


def test_fault_429_retried_by_slack_sdk(sandbox):
    sandbox.add_fault("chat.postMessage", status=429, retry_after=0)
    client = WebClient(token=sandbox.bot_token, base_url=sandbox.url + "/api/",
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    response = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="x")

    assert response["ok"] is True
    assert sandbox.count("chat.postMessage") == 2


def test_fault_error_code_and_times(sandbox, client):
    sandbox.add_fault("chat.update", error="cant_update_message", times=2)
    ts = client.chat_postMessage(channel=DEFAULT_CHANNEL, text="x")["ts"]

    errors = [slack_error(lambda: client.chat_update(channel=DEFAULT_CHANNEL, ts=ts, text="y")) for _ in range(2)]
    third = client.chat_update(channel=DEFAULT_CHANNEL, ts=ts, text="z")

    assert errors == [(200, "cant_update_message")] * 2
    assert third["ok"] is True


def test_fault_needs_error_or_status(sandbox):
    with pytest.raises(ValueError):
        sandbox.add_fault("chat.postMessage")


# --- response URLs -----------------------------------------------------------------


def test_response_url_records_message(sandbox):
    url = sandbox.new_response_url()
    payload = {"text": "Calling", "response_type": "in_channel", "replace_original": False, "thread_ts": "1.000100"}

    status, _, raw = post(url, body=payload)

    assert status == 200
    assert raw == b"ok"
    message = sandbox.messages[0]
    assert message.api == "response_url"
    assert message.url == url
    assert message.text == "Calling"
    assert message.response_type == "in_channel"
    assert message.replace_original is False
    assert message.thread_ts == "1.000100"


def test_response_url_with_webhook_client(sandbox):
    response = WebhookClient(sandbox.new_response_url()).send(text="done", response_type="ephemeral",
                                                             delete_original=True)

    assert response.status_code == 200
    assert sandbox.messages[0].delete_original is True


def test_response_url_allows_five_uses(sandbox):
    url = sandbox.new_response_url()

    statuses = [post(url, body={"text": f"message {n}"})[0] for n in range(6)]
    sixth_body = post(url, body={"text": "again"})[2]

    assert statuses == [200] * 5 + [404]
    assert sixth_body == b"used_url"
    assert len(sandbox.messages) == 5


@pytest.mark.parametrize(("body", "status", "error"), [
    ({}, 400, b"no_text"),
    ({"response_type": "ephemeral"}, 400, b"no_text"),
])
def test_response_url_rejects_empty_message(sandbox, body, status, error):
    result = post(sandbox.new_response_url(), body=body)

    assert (result[0], result[2]) == (status, error)
    assert sandbox.messages == []


def test_response_url_unknown_is_404(sandbox):
    status, _, _ = post(sandbox.url + "/response/0000", body={"text": "x"})

    assert status == 404


# --- waiting -----------------------------------------------------------------------


def test_wait_for_message_from_other_thread(sandbox, client):
    ready = threading.Event()

    def post_later() -> None:
        ready.wait(10)
        client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Connected")

    poster = threading.Thread(target=post_later)
    poster.start()
    ready.set()
    message = sandbox.wait_for(lambda m: m.text == "Connected")
    poster.join(timeout=10)

    assert message.channel == DEFAULT_CHANNEL


def test_wait_for_timeout_lists_received(sandbox, client):
    client.chat_postMessage(channel=DEFAULT_CHANNEL, text="Calling")

    with pytest.raises(AssertionError, match="Calling"):
        sandbox.wait_for(lambda m: m.text == "Connected", timeout=0.05)


def test_reset_keeps_only_default_channel(sandbox, client):
    sandbox.add_channel("C0OTHER")
    client.chat_postMessage(channel="C0OTHER", text="x")
    sandbox.add_fault("chat.postMessage", status=429, times=0)

    sandbox.reset()

    assert sandbox.messages == []
    assert sandbox.count() == 0
    assert slack_error(lambda: client.chat_postMessage(channel="C0OTHER", text="x")) == (200, "channel_not_found")
    assert client.chat_postMessage(channel=DEFAULT_CHANNEL, text="x")["ok"] is True


# --- control API -------------------------------------------------------------------


def test_control_channels_and_messages(sandbox, client):
    status, _, _ = post(sandbox.url + "/__sandbox/channels", body={"id": "G0TEAM", "member": False, "kind": "private"})
    error = slack_error(lambda: client.chat_postMessage(channel="G0TEAM", text="x"))
    client.chat_postMessage(channel=DEFAULT_CHANNEL, text="listed")

    messages = get_json(sandbox.url + "/__sandbox/messages")
    requests = get_json(sandbox.url + "/__sandbox/requests")

    assert status == 201
    assert error == (200, "channel_not_found")
    assert [(m["api"], m["text"]) for m in messages] == [("chat.postMessage", "listed")]
    assert [(r["api"], r["error"]) for r in requests] == [
        ("chat.postMessage", "channel_not_found"), ("chat.postMessage", None),
    ]


def test_control_response_url_fault_and_reset(sandbox, client):
    status, _, raw = post(sandbox.url + "/__sandbox/response-urls")
    url = json.loads(raw)["url"]
    fault_status, _, _ = post(sandbox.url + "/__sandbox/faults",
                              body={"method": "chat.postMessage", "status": 429, "retry_after": 2})
    limited = slack_error(lambda: client.chat_postMessage(channel=DEFAULT_CHANNEL, text="x"))
    post(url, body={"text": "via response URL"})
    reset_status, _, _ = post(sandbox.url + "/__sandbox/reset")

    assert status == 201
    assert url.startswith(sandbox.url + "/response/")
    assert fault_status == 201
    assert limited == (429, "ratelimited")
    assert reset_status == 200
    assert sandbox.messages == []
    assert post(url, body={"text": "x"})[0] == 404


def test_control_invalid_and_unknown(sandbox):
    invalid = post(sandbox.url + "/__sandbox/channels", body={"id": "C1", "kind": "shared"})
    unknown = post(sandbox.url + "/__sandbox/nothing")

    assert invalid[0] == 400
    assert b"shared" in invalid[2]
    assert unknown[0] == 404


# --- command line ------------------------------------------------------------------


def test_cli_slack_help_lists_endpoints():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "slack", "--help"],
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr
    for endpoint in ("/__sandbox/messages", "/__sandbox/channels", "/__sandbox/response-urls", "/__sandbox/reset"):
        assert endpoint in result.stdout
