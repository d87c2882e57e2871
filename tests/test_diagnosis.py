"""Diagnosis table: every documented Genesys status and code, the transport failures and the recorded cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.calls.diagnosis import CASES, diagnose, find_case, login_url, missing_permissions, render_markdown
from bot.calls.models import (
    PHASE_CALL,
    PHASE_CONVERSATION,
    PHASE_TOKEN,
    PHASE_USER,
    TRANSPORT_CONNECT,
    TRANSPORT_DEADLINE,
    TRANSPORT_DROPPED,
    TRANSPORT_TIMEOUT,
    GenesysFailure,
)
from bot.genesys.errors import failure_from_response
from bot.genesys.retry import REAUTHENTICATE, RETRY, STOP, RetryPolicy, RetryState

ROOT = Path(__file__).resolve().parent.parent
RECORDED = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "genesys_errors.jsonl").read_text().splitlines()
    if line.strip()
]

# (phase, status, code, message) -> expected kind, for every status and code the
# Genesys API definition lists for most operations.
DOCUMENTED = [
    (PHASE_CALL, 400, "bad.request", "The request could not be understood by the server due to malformed syntax.", "bad_request"),
    (PHASE_CALL, 400, "invalid.value", "Value [abc] is not valid for field callerIdName.", "bad_request"),
    (PHASE_CALL, 400, "invalid.value", "Invalid value for field phoneNumber: the phone number is not valid.", "invalid_address"),
    (PHASE_CALL, 400, "invalid.date", "Invalid date.", "bad_request"),
    (PHASE_CONVERSATION, 400, "response.entity.too.large", "The response is over the size limit.", "response_too_large"),
    (PHASE_CALL, 401, "authentication.required", "No authentication bearer token specified in authorization header.", "auth_failed"),
    (PHASE_CALL, 401, "bad.credentials", "Invalid login credentials.", "auth_failed"),
    (PHASE_CALL, 401, "credentials.expired", "The supplied credentials are expired and cannot be used.", "token_expired"),
    (PHASE_CALL, 401, "ip.not.authorized", "Requests from this address are not authorized.", "ip_not_authorized"),
    (PHASE_CALL, 401, "unauthorized", "Unauthorized.", "auth_failed"),
    (PHASE_CALL, 403, "missing.permissions", "You are missing the following permission(s): [conversation:call:add]", "permission_missing"),
    (PHASE_CALL, 403, "missing.any.permissions", "You are missing the following permission(s): [conversation:call:add, conversation:agentlessCall:add]", "permission_missing"),
    (PHASE_CALL, 403, "missing.division.permission", "You are missing the following division permission(s): [conversation:call:add]", "division_permission_missing"),
    (PHASE_CALL, 403, "not.authorized", "You are not authorized to perform the requested action.", "not_authorized"),
    (PHASE_CALL, 404, "not.found", "The requested resource was not found.", "user_not_found"),
    (PHASE_USER, 404, "not.found", "The requested resource was not found.", "user_not_found"),
    (PHASE_CONVERSATION, 404, "not.found", "The requested resource was not found.", "conversation_not_found"),
    (PHASE_CALL, 408, "client.timeout", "The client did not produce a request in time.", "request_timeout"),
    (PHASE_CALL, 413, "request.entity.too.large", "The request is too large.", "request_too_large"),
    (PHASE_CALL, 415, "unsupported.media.type", "Unsupported Media Type", "unsupported_media_type"),
    (PHASE_CALL, 429, "too.many.requests.retry.after", "Rate limit exceeded the maximum. Retry the request in [45] seconds", "rate_limited"),
    (PHASE_CALL, 429, "too.many.requests", "Too many requests.", "rate_limited"),
    (PHASE_CALL, 500, "internal.server.error", "The server encountered an unexpected condition.", "server_error"),
    (PHASE_USER, 500, "internal.server.error", "The server encountered an unexpected condition.", "server_error"),
    (PHASE_CALL, 502, "bad.gateway", "Bad Gateway", "service_unavailable"),
    (PHASE_CALL, 503, "service.unavailable", "Service Unavailable", "service_unavailable"),
    (PHASE_CALL, 504, "request.timeout", "The request timed out.", "service_unavailable"),
    (PHASE_CALL, 504, "authentication.request.timeout", "Authentication request timed out.", "service_unavailable"),
    (PHASE_CALL, 501, "not.implemented", "Not Implemented", "unexpected_error"),
]


@pytest.mark.parametrize(("phase", "status", "code", "message", "kind"), DOCUMENTED, ids=[f"{row[0]}-{row[1]}-{row[2]}" for row in DOCUMENTED])
def test_documented_status_and_code(phase, status, code, message, kind):
    failure = GenesysFailure(phase=phase, status=status, code=code, message=message, correlation_id="corr-1")
    diagnosis = diagnose(failure)
    assert diagnosis.kind == kind
    text = diagnosis.as_text()
    assert str(status) in text
    assert code in text
    assert message in text
    assert "corr-1" in text


# (phase, transport) -> (kind, outcome)
TRANSPORTS = [
    (PHASE_CALL, TRANSPORT_CONNECT, "network_error", "failed"),
    (PHASE_CALL, TRANSPORT_TIMEOUT, "timeout_unknown", "unknown"),
    (PHASE_CALL, TRANSPORT_DROPPED, "timeout_unknown", "unknown"),
    (PHASE_CALL, TRANSPORT_DEADLINE, "deadline_exceeded", "failed"),
    (PHASE_USER, TRANSPORT_TIMEOUT, "network_error", "failed"),
    (PHASE_CONVERSATION, TRANSPORT_DROPPED, "network_error", "failed"),
    (PHASE_TOKEN, TRANSPORT_CONNECT, "network_error", "failed"),
    (PHASE_TOKEN, TRANSPORT_TIMEOUT, "network_error", "failed"),
    (PHASE_TOKEN, TRANSPORT_DEADLINE, "deadline_exceeded", "failed"),
]


@pytest.mark.parametrize(("phase", "transport", "kind", "outcome"), TRANSPORTS, ids=[f"{row[0]}-{row[1]}" for row in TRANSPORTS])
def test_transport_failure(phase, transport, kind, outcome):
    failure = GenesysFailure(phase=phase, transport=transport, transport_detail="ConnectionRefusedError: refused", api_host="https://api.mypurecloud.ie")
    diagnosis = diagnose(failure)
    assert diagnosis.kind == kind
    assert diagnosis.outcome == outcome
    assert "ConnectionRefusedError: refused" in diagnosis.as_text() or transport == TRANSPORT_DEADLINE


def test_unknown_outcome_tells_user_to_check():
    diagnosis = diagnose(GenesysFailure(phase=PHASE_CALL, transport=TRANSPORT_TIMEOUT, transport_detail="no response within the 10 s read timeout"))
    assert "may" in diagnosis.title
    assert "before you dial again" in diagnosis.action


def test_connect_failure_says_nothing_dialed():
    diagnosis = diagnose(GenesysFailure(phase=PHASE_CALL, transport=TRANSPORT_CONNECT, transport_detail="refused"))
    assert "nothing was dialed" in diagnosis.cause.lower()


@pytest.mark.parametrize("status", [400, 401])
def test_token_refused_names_region_and_host(status):
    failure = GenesysFailure(
        phase=PHASE_TOKEN, status=status, code="invalid_client", message="authentication failed",
        region="eu_west_1", api_host="https://api.mypurecloud.ie",
    )
    diagnosis = diagnose(failure)
    assert diagnosis.kind == "auth_failed"
    text = diagnosis.as_text()
    assert "eu_west_1" in text
    assert "https://login.mypurecloud.ie" in text
    assert "GENESYS_CLIENT_SECRET" in diagnosis.action
    assert "GENESYS_REGION" in diagnosis.action


def test_token_refused_apart_from_api_401():
    token = diagnose(GenesysFailure(phase=PHASE_TOKEN, status=401, code="invalid_client"))
    api = diagnose(GenesysFailure(phase=PHASE_CALL, status=401, code="bad.credentials"))
    assert token.title != api.title
    assert "login service" in token.cause


def test_token_endpoint_unavailable_mentions_token():
    diagnosis = diagnose(GenesysFailure(phase=PHASE_TOKEN, status=503, api_host="http://127.0.0.1:8081"))
    assert diagnosis.kind == "service_unavailable"
    assert "token" in diagnosis.cause


def test_missing_credentials_is_auth_failed():
    diagnosis = diagnose(GenesysFailure(phase=PHASE_TOKEN, code="missing_client_credentials"))
    assert diagnosis.kind == "auth_failed"


def test_bad_request_is_not_invalid_address():
    diagnosis = diagnose(GenesysFailure(phase=PHASE_CALL, status=400, code="bad.request", message="The request could not be understood by the server due to malformed syntax."))
    assert diagnosis.kind == "bad_request"
    assert "does not by itself mean the number is wrong" in diagnosis.cause


def test_user_context_message_wins_over_status():
    message = "This request requires a user context. Client credentials cannot be used for requests to this resource."
    diagnosis = diagnose(GenesysFailure(phase=PHASE_CALL, status=400, code="bad.request", message=message))
    assert diagnosis.kind == "user_context_required"


def test_permissions_listed_from_message_params():
    failure = GenesysFailure(
        phase=PHASE_CALL, status=403, code="missing.permissions", message="Unable to perform the requested action.",
        message_params={"permissions": "[conversation:call:add, conversation:agentlessCall:add]"},
    )
    assert missing_permissions(failure) == ["conversation:call:add", "conversation:agentlessCall:add"]
    diagnosis = diagnose(failure)
    assert ("Missing permissions", "conversation:call:add, conversation:agentlessCall:add") in diagnosis.details
    assert "conversation:agentlessCall:add" in diagnosis.action


def test_permissions_listed_from_message():
    failure = GenesysFailure(phase=PHASE_CALL, status=403, code="missing.permissions", message="You are missing the following permission(s): [routing:queue:view]")
    assert missing_permissions(failure) == ["routing:queue:view"]
    assert "routing:queue:view" in diagnose(failure).action


def test_every_row_diagnoses_its_example():
    for case in CASES:
        failure = GenesysFailure(**case.example)
        chosen = find_case(failure)
        assert chosen is case, f"example of {case.kind!r} ({case.title}) chose {chosen.kind!r} ({chosen.title})"


def test_every_row_renders_without_placeholders():
    for case in CASES:
        text = diagnose(GenesysFailure(**case.example)).as_text()
        assert "{" not in text.replace("{userId}", ""), text


def test_details_always_carry_correlation_id():
    for case in CASES:
        diagnosis = diagnose(GenesysFailure(**case.example))
        labels = [label for label, _ in diagnosis.details]
        assert "Correlation ID" in labels, case.kind


def test_diagnose_never_fails_on_odd_input():
    rng = random.Random(7)
    phases = [PHASE_CALL, PHASE_TOKEN, PHASE_USER, PHASE_CONVERSATION, "other"]
    for _ in range(500):
        failure = GenesysFailure(
            phase=rng.choice(phases),
            status=rng.choice([None, 200, 302, 400, 401, 403, 404, 409, 429, 500, 503, 599]),
            code=rng.choice([None, "", "bad.request", "x.y", "missing.permissions"]),
            message=rng.choice([None, "", "{braces} in message", "phone number"]),
            transport=rng.choice([None, TRANSPORT_CONNECT, TRANSPORT_TIMEOUT, "weird"]),
        )
        diagnosis = diagnose(failure)
        assert diagnosis.outcome in ("failed", "unknown")
        assert diagnosis.title


def test_login_url_follows_sdk_rule():
    assert login_url("https://api.mypurecloud.ie") == "https://login.mypurecloud.ie"
    assert login_url("https://api.usw2.pure.cloud") == "https://login.usw2.pure.cloud"
    assert login_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081"


def test_docs_page_is_current():
    page = (ROOT / "docs" / "diagnoses.md").read_text()
    assert page == render_markdown(), "docs/diagnoses.md is stale: run python -m bot.calls.diagnosis > docs/diagnoses.md"


# --- recorded cases -----------------------------------------------------------

# The "retry" wording of the case file -> the policy decision it describes.
RETRY_WORDING = {
    "no": STOP,
    "after Retry-After seconds, then the same request once more": RETRY,
    "once, after requesting a new token": REAUTHENTICATE,
    "with backoff, a few times": RETRY,
}


def _recorded_failure(case: dict) -> GenesysFailure:
    return failure_from_response(
        phase=PHASE_CALL, status=case["status"], headers=case["headers"], body=json.dumps(case["body"]),
        region="us_east_1", api_host="https://api.mypurecloud.com",
    )


@pytest.mark.parametrize("case", RECORDED, ids=[f"{case['status']}-{case['kind']}" for case in RECORDED])
def test_recorded_case_kind(case):
    assert diagnose(_recorded_failure(case)).kind == case["kind"]


@pytest.mark.parametrize("case", RECORDED, ids=[f"{case['status']}-{case['kind']}" for case in RECORDED])
def test_recorded_case_retry(case):
    failure = _recorded_failure(case)
    assert case["retry"] in RETRY_WORDING, f"unknown retry wording {case['retry']!r}: add it to RETRY_WORDING"
    expected = RETRY_WORDING[case["retry"]]
    policy = RetryPolicy(max_retry_after=30, rng=random.Random(1))
    decision = policy.decide(failure, RetryState(), idempotent=False)
    assert decision.action == expected
    if "Retry-After" in case["retry"]:
        assert decision.delay == float(case["headers"]["Retry-After"])


@pytest.mark.parametrize("case", RECORDED, ids=[f"{case['status']}-{case['kind']}" for case in RECORDED])
def test_recorded_case_user_sees_facts(case):
    text = diagnose(_recorded_failure(case)).as_text()
    for fact in case["user_must_see"]:
        assert fact in text, f"{fact!r} missing from:\n{text}"
