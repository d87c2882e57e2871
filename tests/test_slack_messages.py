"""Slack messages: text from users, Slack and Genesys cannot ping, link or break markup."""

from __future__ import annotations

import json

import pytest

from bot.calls.models import Diagnosis, GenesysFailure, PlacedCall
from bot.calls.service import CallResult, CallStart, Rejection
from bot.phone import read_destination
from bot.slack import messages

HOSTILE = "<!channel> <!here> <@U123> <https://evil.example|bank> &"


def rendered(text: str, blocks: list) -> str:
    return text + json.dumps([block.to_dict() for block in blocks])


def assert_inert(output: str) -> None:
    for fragment in ("<!channel>", "<!here>", "<@U123>", "<https://evil"):
        assert fragment not in output


def test_placed_escapes_genesys_ids():
    number = read_destination("415 555 0134", default_country="US")
    placed = PlacedCall(
        conversation_id="<!channel>",
        requests_sent=2,
        correlation_id="<!here>",
        retried_after=(GenesysFailure(phase="call", status=503, code="<@U123>", correlation_id="<https://evil.example|bank>"),),
    )
    text, blocks = messages.finished(CallResult(attempt_id=1, outcome="placed", number=number, placed=placed))
    assert_inert(rendered(text, blocks))


def test_diagnosis_escapes_genesys_message():
    diagnosis = Diagnosis(
        kind="bad_request", outcome="failed", title=HOSTILE, cause=HOSTILE, action=HOSTILE, details=(("Genesys message", HOSTILE),)
    )
    number = read_destination("415 555 0134", default_country="US")
    text, blocks = messages.finished(CallResult(attempt_id=1, outcome="failed", number=number, diagnosis=diagnosis))
    assert_inert(rendered(text, blocks))


def test_calling_escapes_label():
    number = read_destination("Jane <b>&</b> Doe 415 555 0134", default_country="US")
    text, blocks = messages.calling(CallStart(attempt_id=1, user_id="U0DEMO", number=number, caller_id="+14155550100"))
    output = rendered(text, blocks)
    assert "<b>" not in output
    assert "<@U0DEMO>" in output  # the bot's own mention of the caller stays


def test_rejection_shows_slack_escaped_text_once():
    rejected = Rejection(attempt_id=1, reason="invalid", message="Not a number.")
    text, blocks = messages.rejection(rejected, "&lt;tel:+19005551234|x&gt; &amp; more")
    section = blocks[0].to_dict()["text"]["text"]
    assert "&lt;tel:+19005551234|x&gt; &amp; more" in section
    assert "&amp;lt;" not in section


@pytest.mark.parametrize("raw", [HOSTILE, "`code` ```block```"])
def test_rejection_heading_is_inert(raw):
    text, blocks = messages.rejection(Rejection(attempt_id=1, reason="invalid", message="x"), raw)
    output = rendered(text, blocks)
    assert_inert(output)
    assert "```" not in output
