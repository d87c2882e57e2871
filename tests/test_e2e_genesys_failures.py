"""End to end: Genesys failures replayed through the stand-in, from a signed slash command.

Each recorded Genesys response must give the expected diagnosis, the expected number
of create-call requests (a request is repeated only where Genesys reported that it
did not act on it), and a Slack message with every fact the user needs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.sandbox.genesys import Fault
from bot.sandbox.render import message_text
from bot.sandbox.stack import SandboxStack

from tests.test_e2e_call import CREATE_CALL, root_and_reply, wait_for_final_attempt

pytestmark = pytest.mark.e2e

CASES = [json.loads(line) for line in (Path(__file__).parent / "data" / "genesys_errors.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture
def stack(database_url):
    # Short timeouts so that the hang case ends quickly; the deadline leaves room
    # for one Retry-After wait and a few backoffs.
    extra = {"GENESYS_READ_TIMEOUT": "1", "GENESYS_CONNECT_TIMEOUT": "1", "CALL_DEADLINE": "20"}
    with SandboxStack(database_url=database_url, extra_env=extra) as running:
        running.serve_in_process()
        yield running


@pytest.mark.parametrize("case", CASES, ids=[f"{case['status']}-{case['kind']}" for case in CASES])
def test_recorded_error_case(stack, case):
    stack.genesys.add_fault(
        Fault(method="POST", path_prefix=CREATE_CALL, status=case["status"], body=case["body"], headers=case["headers"])
    )
    stack.slash("415 555 0134")
    _, reply = root_and_reply(stack)
    text = message_text(reply)
    attempt = wait_for_final_attempt(stack)
    posts = stack.genesys.count("POST", CREATE_CALL)

    if case["retry"] == "no":
        assert attempt.outcome == "failed"
        assert attempt.reason == case["kind"]
        assert attempt.http_status == case["status"]
        assert attempt.error_code == case["body"]["code"]
        assert attempt.correlation_id == case["headers"]["inin-correlation-id"]
        assert posts == 1
    else:
        # Retryable: Genesys did not act on the first request, so one more is allowed.
        assert attempt.outcome == "placed"
        assert posts == 2
        assert attempt.requests_sent == 2
    for fact in case["user_must_see"]:
        assert fact in text, f"{fact!r} missing from: {text}"


def test_read_timeout_is_unknown_and_sent_once(stack):
    stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="hang", hang_seconds=5))
    stack.slash("415 555 0134")
    _, reply = root_and_reply(stack)
    attempt = wait_for_final_attempt(stack)
    assert attempt.outcome == "unknown"
    assert attempt.reason == "timeout_unknown"
    assert stack.genesys.count("POST", CREATE_CALL) == 1
    assert "may" in message_text(reply).lower()


def test_bad_gateway_is_unknown_and_sent_once(stack):
    stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=502))
    stack.slash("415 555 0134")
    _, reply = root_and_reply(stack)
    attempt = wait_for_final_attempt(stack)
    assert attempt.outcome == "unknown"
    assert stack.genesys.count("POST", CREATE_CALL) == 1
    assert "before you dial again" in message_text(reply)


@pytest.mark.parametrize("status", [503, 504])
def test_gateway_error_then_success_is_placed(stack, status):
    stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=status))
    stack.slash("415 555 0134")
    _, reply = root_and_reply(stack)
    assert "Call placed" in message_text(reply)
    assert stack.genesys.count("POST", CREATE_CALL) == 2


def test_expired_token_is_renewed_and_call_repeated_once(stack):
    stack.slash("415 555 0100")
    root_and_reply(stack)
    tokens_before = stack.genesys.count("POST", "/oauth/token")
    stack.slack.reset()
    stack.genesys.expire_tokens()

    stack.slash("415 555 0134")
    _, reply = root_and_reply(stack)
    assert "Call placed" in message_text(reply)
    assert stack.genesys.count("POST", "/oauth/token") == tokens_before + 1
    assert stack.genesys.count("POST", CREATE_CALL) == 3  # one earlier call, then 401 and the repeat


def test_token_endpoint_down_dials_nothing(stack):
    stack.genesys.add_fault(Fault(path_prefix="/oauth/token", status=503, times=0))
    stack.slash("415 555 0134")
    _, reply = root_and_reply(stack)
    attempt = wait_for_final_attempt(stack)
    assert attempt.outcome == "failed"
    assert stack.genesys.count("POST", CREATE_CALL) == 0
    assert "token" in message_text(reply).lower() or "log in" in message_text(reply).lower()


def test_bad_client_secret_is_auth_failed(database_url):
    with SandboxStack(database_url=database_url, extra_env={"GENESYS_CLIENT_SECRET": "wrong"}) as stack:
        stack.serve_in_process()
        stack.slash("415 555 0134")
        _, reply = root_and_reply(stack)
        attempt = wait_for_final_attempt(stack)
        assert attempt.reason == "auth_failed"
        assert stack.genesys.count("POST", CREATE_CALL) == 0
        assert "GENESYS_CLIENT_SECRET" in message_text(reply) or "client" in message_text(reply).lower()


def test_genesys_unreachable_is_network_error(database_url):
    extra = {"GENESYS_API_HOST": "http://127.0.0.1:9", "GENESYS_CONNECT_TIMEOUT": "1", "CALL_DEADLINE": "5"}
    with SandboxStack(database_url=database_url, extra_env=extra) as stack:
        stack.serve_in_process()
        stack.slash("415 555 0134")
        _, reply = root_and_reply(stack)
        attempt = wait_for_final_attempt(stack)
        assert attempt.outcome == "failed"
        assert attempt.reason == "network_error"
        assert "nothing was dialed" in message_text(reply).lower() or "not dialed" in message_text(reply).lower()
