"""End to end: signed slash commands to the real Bolt app, the real Genesys SDK
and a real database, over HTTP to the local Slack and Genesys stand-ins."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import CallAttempt
from bot.sandbox.genesys import DEMO_USER_ID, Fault
from bot.sandbox.render import message_text
from bot.sandbox.stack import DEMO_CALLER_ID, SandboxStack

pytestmark = pytest.mark.e2e

CREATE_CALL = "/api/v2/conversations/calls/user/"


@pytest.fixture
def stack(database_url):
    with SandboxStack(database_url=database_url) as running:
        running.serve_in_process()
        yield running


def attempts(stack) -> list[CallAttempt]:
    sessions = make_session_factory(make_engine(stack.database_url))
    with sessions() as session:
        return list(session.scalars(select(CallAttempt).order_by(CallAttempt.id)))


def wait_for_final_attempt(stack, timeout: float = 30.0) -> CallAttempt:
    """The newest attempt once its outcome is final (the lazy listener writes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = attempts(stack)
        if rows and rows[-1].outcome != "pending":
            return rows[-1]
        time.sleep(0.05)
    raise AssertionError(f"no final attempt within {timeout} s: {[(row.id, row.outcome) for row in attempts(stack)]}")


def root_and_reply(stack):
    root = stack.slack.wait_for(lambda m: m.api == "chat.postMessage" and not m.thread_ts)
    reply = stack.slack.wait_for(lambda m: m.api == "chat.postMessage" and m.thread_ts == root.ts and "Queued" not in message_text(m))
    return root, reply


def test_call_placed_and_reply_in_thread(stack):
    response = stack.slash("Jane Doe (415)\u00a0555\u20130134 x204")
    assert response.status == 200

    root, reply = root_and_reply(stack)
    assert root.channel == "C0SANDBOX"
    assert "Jane Doe" in message_text(root)
    conversation_id = re.search(r"Conversation ID: `?([0-9a-f-]{36})", message_text(reply)).group(1)
    assert conversation_id in stack.genesys.calls
    assert re.search(r"dial extension \*?204", message_text(reply))

    posts = [r for r in stack.genesys.requests if r.method == "POST" and r.path.startswith(CREATE_CALL)]
    assert len(posts) == 1
    assert posts[0].path == CREATE_CALL + DEMO_USER_ID
    assert posts[0].body["phoneNumber"] == "+14155550134"
    assert posts[0].body["callerId"] == DEMO_CALLER_ID

    attempt = wait_for_final_attempt(stack)
    assert attempt.outcome == "placed"
    assert attempt.conversation_id == conversation_id
    assert attempt.e164 == "+14155550134"
    assert attempt.extension == "204"
    assert attempt.requests_sent == 1
    assert attempt.slack_message_ts == root.ts
    assert attempt.sent_at is not None and attempt.finished_at is not None


def test_ack_returns_while_genesys_holds(stack):
    stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="hold"))
    response = stack.slash("415 555 0134")
    assert response.status == 200

    # The create-call request reached Genesys and is still held there, so the
    # acknowledgement above did not wait for it.
    stack.genesys.wait_for_count(1, method="POST", path_prefix=CREATE_CALL, timeout=30)
    assert stack.genesys.count("POST", CREATE_CALL) == 1
    assert attempts(stack)[-1].outcome == "pending"

    stack.genesys.release()
    root, reply = root_and_reply(stack)
    assert "Call placed" in message_text(reply)
    assert wait_for_final_attempt(stack).outcome == "placed"


@pytest.mark.parametrize("tamper", ["signature", "timestamp"])
def test_bad_signature_or_old_timestamp_gets_401(stack, tamper):
    if tamper == "signature":
        response = stack.slash("415 555 0134", signing_secret="not-the-secret")
    else:
        response = stack.slash("415 555 0134", timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    time.sleep(0.3)  # give a wrongly started listener time to show itself
    assert stack.genesys.count("POST", CREATE_CALL) == 0
    assert attempts(stack) == []


@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_empty_or_help_shows_usage_in_ack(stack, text):
    response = stack.slash(text)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "/call (415) 555-0134" in str(body["blocks"])
    assert stack.genesys.count("POST", CREATE_CALL) == 0


def test_unmapped_user_gets_ephemeral_how_to(stack):
    url = stack.slack.new_response_url()
    assert stack.slash("415 555 0134", user_id="U0STRANGER", response_url=url).status == 200
    message = stack.slack.wait_for(lambda m: m.api == "response_url")
    assert message.response_type == "ephemeral"
    assert "U0STRANGER" in message_text(message)
    assert "users add" in message_text(message)
    attempt = wait_for_final_attempt(stack)
    assert (attempt.outcome, attempt.reason) == ("rejected", "unmapped")
    assert stack.genesys.count("POST", CREATE_CALL) == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [("hello there", "invalid"), ("911", "emergency"), ("+1 900 200 1234", "premium_rate"), ("415-555-0134 or 415-555-0135", "multiple_numbers")],
)
def test_refused_number_never_reaches_genesys(stack, text, reason):
    stack.slash(text)
    message = stack.slack.wait_for(lambda m: m.api == "response_url")
    assert message.response_type == "ephemeral"
    assert "Not dialed" in message_text(message)
    attempt = wait_for_final_attempt(stack)
    assert (attempt.outcome, attempt.reason) == ("rejected", reason)
    assert stack.genesys.count("POST", CREATE_CALL) == 0


@pytest.mark.parametrize(("kind", "member"), [("private", False), ("im", False), ("public", False)])
def test_unpostable_channel_answers_through_response_url(stack, kind, member):
    stack.slack.add_channel("C0HIDDEN", member=member, kind=kind)
    url = stack.slack.new_response_url()
    stack.slash("415 555 0134", channel_id="C0HIDDEN", response_url=url)
    reply = stack.slack.wait_for(lambda m: m.api == "response_url" and "Conversation ID" in message_text(m))
    assert reply.response_type == "in_channel"
    assert wait_for_final_attempt(stack).outcome == "placed"


def test_dropped_connection_is_unknown_and_sent_once(stack):
    stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="drop"))
    stack.slash("415 555 0134")
    root, reply = root_and_reply(stack)
    text = message_text(reply)
    assert "may" in text.lower()
    attempt = wait_for_final_attempt(stack)
    assert attempt.outcome == "unknown"
    assert attempt.requests_sent == 1
    assert stack.genesys.count("POST", CREATE_CALL) == 1


def test_second_delivery_of_command_dials_once(stack):
    first = stack.slash("415 555 0134", trigger_id="1234.5678.same")
    second = stack.slash("415 555 0134", trigger_id="1234.5678.same")
    assert first.status == 200
    assert second.status == 200
    root_and_reply(stack)
    time.sleep(0.5)  # room for a wrongly started second call to show itself
    assert stack.genesys.count("POST", CREATE_CALL) == 1
    assert len(attempts(stack)) == 1


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, b"text=415"),
        ({"X-Slack-Request-Timestamp": "", "X-Slack-Signature": ""}, b"text=415"),
        ({"Content-Type": "application/json"}, b"{"),
        ({}, b"payload={"),
        ({}, b"\xff\xfe\x00"),
    ],
)
def test_malformed_unsigned_request_gets_401(stack, headers, body):
    request = urllib.request.Request(stack.events_url, data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 401
    assert stack.genesys.count("POST", CREATE_CALL) == 0


def test_get_events_url_is_404(stack):
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(stack.events_url, timeout=10)
    assert raised.value.code == 404
