"""The Genesys Cloud stand-in, driven over real HTTP with urllib and with the Genesys SDK."""

from __future__ import annotations

import base64
import http.client
import importlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from bot.sandbox.cli import add_arguments, run
from bot.sandbox.genesys import DEMO_USER_ID, Fault, GenesysSandbox

CALLS_FOR_DEMO_USER = f"/api/v2/conversations/calls/user/{DEMO_USER_ID}"
ERROR_BODY_KEYS = {"message", "code", "status", "messageParams", "contextId", "details", "errors"}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def send(url: str, *, method: str = "GET", body: Any = None, form: str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 10.0) -> Reply:
    """Send one request; HTTP errors come back as a Reply, connection errors are raised."""
    all_headers = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    if form is not None:
        data = form.encode()
        all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, response_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, dict(error.headers), error.read()
    return Reply(status=status, headers=response_headers, body=json.loads(raw) if raw else None)


def basic(client_id: str = "sandbox-client", secret: str = "sandbox-secret") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def get_token(sandbox: GenesysSandbox) -> str:
    reply = send(sandbox.url + "/oauth/token", method="POST", form="grant_type=client_credentials", headers=basic())
    assert reply.status == 200, reply.body
    return reply.body["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_call(sandbox: GenesysSandbox, token: str, body: Any = None, *, user_id: str = DEMO_USER_ID,
                timeout: float = 10.0) -> Reply:
    body = {"phoneNumber": "+14155550134"} if body is None else body
    return send(f"{sandbox.url}/api/v2/conversations/calls/user/{user_id}", method="POST", body=body,
                headers=bearer(token), timeout=timeout)


def get_user(sandbox: GenesysSandbox, token: str) -> Reply:
    return send(f"{sandbox.url}/api/v2/users/{DEMO_USER_ID}", headers=bearer(token))


def assert_error_body(reply: Reply, status: int, code: str) -> None:
    assert reply.status == status
    assert ERROR_BODY_KEYS <= set(reply.body), reply.body
    assert reply.body["status"] == status
    assert reply.body["code"] == code
    assert reply.body["contextId"] == reply.headers["inin-correlation-id"]
    assert reply.body["details"] == []
    assert reply.body["errors"] == []


@pytest.fixture
def sandbox():
    with GenesysSandbox() as server:
        yield server


@pytest.fixture
def token(sandbox) -> str:
    return get_token(sandbox)


@pytest.fixture(scope="module")
def sdk():
    """The Genesys SDK module; importing it takes seconds, so once per module."""
    return importlib.import_module("PureCloudPlatformClientV2")


# --- login service ---------------------------------------------------------------


def test_token_issued_for_client_credentials(sandbox):
    reply = send(sandbox.url + "/oauth/token", method="POST", form="grant_type=client_credentials", headers=basic())

    assert reply.status == 200
    assert reply.body["token_type"] == "bearer"
    assert reply.body["expires_in"] == 86400
    assert reply.body["access_token"]
    uuid.UUID(reply.headers["inin-correlation-id"])


def test_token_wrong_secret_is_invalid_client(sandbox):
    reply = send(sandbox.url + "/oauth/token", method="POST", form="grant_type=client_credentials",
                 headers=basic(secret="wrong"))

    assert reply.status == 400
    assert reply.body["error"] == "invalid_client"


def test_token_wrong_client_id_is_invalid_client(sandbox):
    reply = send(sandbox.url + "/oauth/token", method="POST", form="grant_type=client_credentials",
                 headers=basic(client_id="someone-else"))

    assert reply.status == 400
    assert reply.body["error"] == "invalid_client"


def test_token_without_basic_auth_is_401(sandbox):
    reply = send(sandbox.url + "/oauth/token", method="POST",
                 form="grant_type=client_credentials&client_id=sandbox-client&client_secret=sandbox-secret")

    assert reply.status == 401
    assert reply.body["error"] == "invalid_client"


def test_token_other_grant_is_unsupported(sandbox):
    reply = send(sandbox.url + "/oauth/token", method="POST", form="grant_type=password", headers=basic())

    assert reply.status == 400
    assert reply.body["error"] == "unsupported_grant_type"


def test_token_lifetime_matches_token_ttl():
    with GenesysSandbox(token_ttl=600) as server:
        reply = send(server.url + "/oauth/token", method="POST", form="grant_type=client_credentials", headers=basic())

    assert reply.body["expires_in"] == 600


# --- authentication of API calls ---------------------------------------------------


def test_api_without_token_is_authentication_required(sandbox):
    reply = send(sandbox.url + f"/api/v2/users/{DEMO_USER_ID}")

    assert_error_body(reply, 401, "authentication.required")


def test_api_unknown_token_is_bad_credentials(sandbox):
    reply = send(sandbox.url + f"/api/v2/users/{DEMO_USER_ID}", headers=bearer("not-a-sandbox-token"))

    assert_error_body(reply, 401, "bad.credentials")


def test_expire_tokens_gives_credentials_expired(sandbox, token):
    sandbox.expire_tokens()

    reply = create_call(sandbox, token)

    assert_error_body(reply, 401, "credentials.expired")
    assert reply.body["message"] == "The supplied credentials are expired and cannot be used."
    assert sandbox.calls == {}


def test_new_token_works_after_expiry(sandbox, token):
    sandbox.expire_tokens()

    reply = create_call(sandbox, get_token(sandbox))

    assert reply.status == 200


def test_token_older_than_ttl_is_expired():
    # A lifetime of zero makes every token expired as soon as it is issued.
    with GenesysSandbox(token_ttl=0) as server:
        reply = create_call(server, get_token(server))

    assert_error_body(reply, 401, "credentials.expired")


# --- calls and users ---------------------------------------------------------------


def test_create_call_returns_and_stores_call(sandbox, token):
    body = {"phoneNumber": "+14155550134", "callerId": "+14155550100", "callerIdName": "Support"}

    reply = create_call(sandbox, token, body)

    assert reply.status == 200
    conversation_id = reply.body["id"]
    uuid.UUID(conversation_id)
    assert reply.body["selfUri"] == f"/api/v2/conversations/calls/{conversation_id}"
    assert sandbox.calls[conversation_id]["request"] == body
    assert sandbox.calls[conversation_id]["userId"] == DEMO_USER_ID


def test_create_call_unknown_user_is_404(sandbox, token):
    reply = create_call(sandbox, token, user_id="no-such-user")

    assert_error_body(reply, 404, "not.found")
    assert reply.body["message"] == "The requested resource was not found."


def test_create_call_without_permission_is_403():
    with GenesysSandbox(permissions=set()) as server:
        reply = create_call(server, get_token(server))

    assert_error_body(reply, 403, "missing.any.permissions")
    listed = "[conversation:call:add, conversation:agentlessCall:add]"
    assert reply.body["messageParams"] == {"permissions": listed}
    assert reply.body["message"] == (
        f"Unable to perform the requested action. You are missing the following permission(s): {listed}"
    )
    assert reply.body["messageWithParams"].endswith("{permissions}")


def test_create_call_agentless_permission_suffices():
    with GenesysSandbox(permissions={"conversation:agentlessCall:add"}) as server:
        reply = create_call(server, get_token(server))

    assert reply.status == 200


def test_create_call_without_target_is_bad_request(sandbox, token):
    reply = create_call(sandbox, token, {"callerId": "+14155550100"})

    assert_error_body(reply, 400, "bad.request")
    assert sandbox.calls == {}


@pytest.mark.parametrize("address", ["abc", "+1", "415-555-0134", "+1 415 555 0134", "tel:+1234567890123456"])
def test_create_call_undialable_address_is_invalid_value(sandbox, token, address):
    reply = create_call(sandbox, token, {"phoneNumber": address})

    assert_error_body(reply, 400, "invalid.value")
    assert address in reply.body["message"]
    assert sandbox.calls == {}


@pytest.mark.parametrize("address", ["+14155550134", "tel:+14155550134", "14155550134", "911"])
def test_create_call_dialable_address_accepted(sandbox, token, address):
    reply = create_call(sandbox, token, {"phoneNumber": address})

    assert reply.status == 200


def test_call_as_token_user_needs_user_context(sandbox, token):
    reply = send(sandbox.url + "/api/v2/conversations/calls", method="POST",
                 body={"phoneNumber": "+14155550134"}, headers=bearer(token))

    assert_error_body(reply, 400, "bad.request")
    assert reply.body["message"] == (
        "This request requires a user context. Client credentials cannot be used for requests to this resource."
    )


def test_get_call_dialing_then_connected(sandbox, token):
    conversation_id = create_call(sandbox, token).body["id"]
    url = f"{sandbox.url}/api/v2/conversations/calls/{conversation_id}"

    first = send(url, headers=bearer(token))
    second = send(url, headers=bearer(token))

    assert first.status == 200
    assert first.body["id"] == conversation_id
    by_purpose = {p["purpose"]: p for p in first.body["participants"]}
    assert by_purpose["user"]["state"] == "connected"
    assert by_purpose["user"]["user"]["id"] == DEMO_USER_ID
    assert by_purpose["external"]["state"] == "dialing"
    assert by_purpose["external"]["address"] == "tel:+14155550134"
    datetime.fromisoformat(by_purpose["external"]["startTime"].replace("Z", "+00:00"))
    assert {p["purpose"]: p["state"] for p in second.body["participants"]}["external"] == "connected"


def test_call_from_queue_has_agent_and_customer(sandbox, token):
    body = {"phoneNumber": "+14155550134", "callFromQueueId": "queue-1"}
    conversation_id = create_call(sandbox, token, body).body["id"]

    reply = send(f"{sandbox.url}/api/v2/conversations/calls/{conversation_id}", headers=bearer(token))

    assert sorted(p["purpose"] for p in reply.body["participants"]) == ["agent", "customer"]


def test_get_unknown_call_is_404(sandbox, token):
    reply = send(f"{sandbox.url}/api/v2/conversations/calls/{uuid.uuid4()}", headers=bearer(token))

    assert_error_body(reply, 404, "not.found")


def test_set_participant_state_stops_progress(sandbox, token):
    conversation_id = create_call(sandbox, token).body["id"]
    sandbox.set_participant_state(conversation_id, purpose="external", state="disconnected", disconnect_type="peer")
    url = f"{sandbox.url}/api/v2/conversations/calls/{conversation_id}"

    send(url, headers=bearer(token))
    reply = send(url, headers=bearer(token))

    external = next(p for p in reply.body["participants"] if p["purpose"] == "external")
    assert external["state"] == "disconnected"
    assert external["disconnectType"] == "peer"


def test_patch_call_disconnects_everyone(sandbox, token):
    conversation_id = create_call(sandbox, token).body["id"]
    url = f"{sandbox.url}/api/v2/conversations/calls/{conversation_id}"

    reply = send(url, method="PATCH", body={"state": "disconnected"}, headers=bearer(token))
    after = send(url, headers=bearer(token))

    assert reply.status == 200
    assert {p["state"] for p in after.body["participants"]} == {"disconnected"}
    assert all("endTime" in p for p in after.body["participants"])


def test_patch_participant_disconnects_one(sandbox, token):
    conversation_id = create_call(sandbox, token).body["id"]
    url = f"{sandbox.url}/api/v2/conversations/calls/{conversation_id}"
    participants = send(url, headers=bearer(token)).body["participants"]
    external = next(p for p in participants if p["purpose"] == "external")

    reply = send(f"{url}/participants/{external['id']}", method="PATCH", body={"state": "disconnected"},
                 headers=bearer(token))
    after = {p["purpose"]: p["state"] for p in send(url, headers=bearer(token)).body["participants"]}

    assert reply.status == 202
    assert after == {"user": "connected", "external": "disconnected"}


def test_patch_call_other_state_is_invalid(sandbox, token):
    conversation_id = create_call(sandbox, token).body["id"]

    reply = send(f"{sandbox.url}/api/v2/conversations/calls/{conversation_id}", method="PATCH",
                 body={"state": "connected"}, headers=bearer(token))

    assert_error_body(reply, 400, "invalid.value")


def test_get_user_known_and_unknown(sandbox, token):
    sandbox.add_user("user-2", "Ann Example")

    known = send(f"{sandbox.url}/api/v2/users/user-2", headers=bearer(token))
    unknown = send(f"{sandbox.url}/api/v2/users/user-3", headers=bearer(token))

    assert known.status == 200
    assert known.body["id"] == "user-2"
    assert known.body["name"] == "Ann Example"
    assert known.body["state"] == "active"
    assert_error_body(unknown, 404, "not.found")


def test_burst_of_connections_all_answered(sandbox, token):
    start = threading.Barrier(100)

    def fetch_user(_: int) -> int:
        start.wait()
        return get_user(sandbox, token).status

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(fetch_user, range(100)))

    assert statuses == [200] * 100


def test_every_response_has_own_correlation_id(sandbox, token):
    replies = [
        send(sandbox.url + "/oauth/token", method="POST", form="grant_type=client_credentials", headers=basic()),
        create_call(sandbox, token),
        send(sandbox.url + "/api/v2/nothing-here", headers=bearer(token)),
        send(sandbox.url + f"/api/v2/users/{DEMO_USER_ID}"),
    ]

    ids = [reply.headers.get("inin-correlation-id") for reply in replies]
    assert None not in ids
    assert len(set(ids)) == len(ids)
    assert [r.correlation_id for r in sandbox.requests[-4:]] == ids


# --- recording ---------------------------------------------------------------------


def test_requests_recorded_in_order(sandbox, token):
    create_call(sandbox, token, {"phoneNumber": "+14155550134"})

    token_request, call_request = sandbox.requests
    assert token_request.method == "POST"
    assert token_request.path == "/oauth/token"
    assert token_request.body == {"grant_type": "client_credentials"}
    assert token_request.token is None
    assert call_request.path == CALLS_FOR_DEMO_USER
    assert call_request.body == {"phoneNumber": "+14155550134"}
    assert call_request.token == token
    assert call_request.header("authorization") == f"Bearer {token}"
    assert call_request.status == 200
    assert token_request.time <= call_request.time


def test_count_filters_method_and_prefix(sandbox, token):
    create_call(sandbox, token)
    create_call(sandbox, token)
    send(sandbox.url + f"/api/v2/users/{DEMO_USER_ID}", headers=bearer(token))

    assert sandbox.count() == 4
    assert sandbox.count("POST") == 3
    assert sandbox.count("post", "/api/v2/conversations/") == 2
    assert sandbox.count(path_prefix="/api/v2/users/") == 1
    assert sandbox.count("DELETE") == 0


def test_wait_for_count_times_out_with_listing(sandbox):
    with pytest.raises(AssertionError, match="expected 1 request"):
        sandbox.wait_for_count(1, method="POST", timeout=0.05)


def test_reset_forgets_everything_but_users(sandbox, token):
    sandbox.add_user("user-2")
    create_call(sandbox, token)
    sandbox.add_fault(Fault(status=500, times=0))

    sandbox.reset()

    assert sandbox.requests == []
    assert sandbox.calls == {}
    assert sandbox.faults.pending() == []
    assert_error_body(create_call(sandbox, token), 401, "bad.credentials")
    assert create_call(sandbox, get_token(sandbox), user_id="user-2").status == 200


# --- faults ------------------------------------------------------------------------


def test_fault_429_has_retry_after_and_error_body(sandbox, token):
    sandbox.add_fault(Fault(method="POST", path_prefix="/api/v2/conversations/calls/user/", status=429))

    limited = create_call(sandbox, token)
    placed = create_call(sandbox, token)

    assert_error_body(limited, 429, "too.many.requests.retry.after")
    assert limited.headers["Retry-After"] == "1"
    assert placed.status == 200
    assert len(sandbox.calls) == 1
    assert [r.fault for r in sandbox.requests[1:]] == ["respond", None]


@pytest.mark.parametrize(("status", "code"), [
    (500, "internal.server.error"), (502, "bad.gateway"), (503, "service.unavailable"), (504, "request.timeout"),
])
def test_fault_status_fills_error_code(sandbox, token, status, code):
    sandbox.add_fault(Fault(path_prefix="/api/", status=status))

    reply = create_call(sandbox, token)

    assert_error_body(reply, status, code)


def test_fault_custom_body_and_headers(sandbox, token):
    sandbox.add_fault(Fault(status=429, body={"message": "slow down"}, headers={"Retry-After": "7"}))

    reply = create_call(sandbox, token)

    assert reply.status == 429
    assert reply.body == {"message": "slow down"}
    assert reply.headers["Retry-After"] == "7"
    assert "inin-correlation-id" in reply.headers


def test_fault_times_counts_matching_requests(sandbox, token):
    sandbox.add_fault(Fault(method="POST", path_prefix="/api/", status=503, times=2))

    statuses = [create_call(sandbox, token).status for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_fault_times_zero_applies_to_every_request(sandbox, token):
    sandbox.add_fault(Fault(path_prefix="/api/", status=503, times=0))

    statuses = [create_call(sandbox, token).status for _ in range(4)]

    assert statuses == [503] * 4


def test_fault_ignores_other_methods_and_paths(sandbox, token):
    sandbox.add_fault(Fault(method="GET", path_prefix="/api/v2/users/", status=500))

    call = create_call(sandbox, token)
    user = send(f"{sandbox.url}/api/v2/users/{DEMO_USER_ID}", headers=bearer(token))

    assert call.status == 200
    assert user.status == 500


def test_fault_on_token_endpoint(sandbox):
    sandbox.add_fault(Fault(path_prefix="/oauth/token", status=503))

    reply = send(sandbox.url + "/oauth/token", method="POST", form="grant_type=client_credentials", headers=basic())

    assert_error_body(reply, 503, "service.unavailable")


def test_fault_drop_closes_without_response(sandbox, token):
    sandbox.add_fault(Fault(method="POST", path_prefix="/api/", action="drop"))

    with pytest.raises(http.client.RemoteDisconnected):
        create_call(sandbox, token)

    assert sandbox.count("POST", CALLS_FOR_DEMO_USER) == 1
    assert sandbox.requests[-1].fault == "drop"
    assert sandbox.requests[-1].status is None
    assert sandbox.requests[-1].body == {"phoneNumber": "+14155550134"}
    assert sandbox.calls == {}


def test_fault_hang_until_client_times_out(sandbox, token):
    sandbox.add_fault(Fault(path_prefix="/api/", action="hang"))

    with pytest.raises(TimeoutError):
        create_call(sandbox, token, timeout=0.3)

    assert sandbox.requests[-1].fault == "hang"
    assert sandbox.requests[-1].status is None
    assert sandbox.calls == {}


def test_fault_hang_closes_after_hang_seconds(sandbox, token):
    sandbox.add_fault(Fault(path_prefix="/api/", action="hang", hang_seconds=0.1))

    with pytest.raises(http.client.RemoteDisconnected):
        create_call(sandbox, token, timeout=30)

    assert sandbox.calls == {}


def test_fault_hold_until_release(sandbox, token):
    sandbox.add_fault(Fault(path_prefix="/api/", action="hold"))
    replies: list[Reply] = []
    client = threading.Thread(target=lambda: replies.append(create_call(sandbox, token)))
    client.start()

    sandbox.wait_for_count(1, method="POST", path_prefix="/api/")
    calls_while_held = dict(sandbox.calls)
    sandbox.release()
    client.join(timeout=10)

    assert calls_while_held == {}
    assert not client.is_alive()
    assert replies[0].status == 200
    assert list(sandbox.calls) == [replies[0].body["id"]]
    assert sandbox.requests[-1].fault == "hold"
    assert sandbox.held == 0


def test_fault_delay_then_normal_answer(sandbox, token):
    sandbox.add_fault(Fault(path_prefix="/api/", action="delay", delay=0.2))

    started = time.monotonic()
    reply = create_call(sandbox, token)
    elapsed = time.monotonic() - started

    assert reply.status == 200
    assert elapsed >= 0.2
    assert sandbox.requests[-1].fault == "delay"
    assert len(sandbox.calls) == 1


def test_stop_ends_held_request():
    server = GenesysSandbox().start()
    token = get_token(server)
    server.add_fault(Fault(path_prefix="/api/", action="hold"))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            create_call(server, token)
        except (OSError, http.client.HTTPException) as error:
            errors.append(error)

    client = threading.Thread(target=call)
    client.start()
    server.wait_for_count(1, method="POST", path_prefix="/api/")
    server.stop()
    client.join(timeout=10)

    assert not client.is_alive()
    assert len(errors) == 1
    assert server.calls == {}


@pytest.mark.parametrize("data", [
    {"action": "explode"},
    {"times": -1},
    {"status": 99},
    {"delay": -1, "action": "delay"},
    {"status": 500, "colour": "red"},
])
def test_fault_rejects_invalid_fields(data):
    with pytest.raises(ValueError):
        Fault.from_dict(data)


# --- control API -------------------------------------------------------------------


def test_control_fault_and_requests_listing(sandbox, token):
    added = send(sandbox.url + "/__sandbox/faults", method="POST",
                 body={"method": "POST", "path_prefix": "/api/", "status": 503})

    faulted = create_call(sandbox, token)
    listing = send(sandbox.url + "/__sandbox/requests")

    assert added.status == 201
    assert faulted.status == 503
    assert [(r["method"], r["path"], r["status"]) for r in listing.body] == [
        ("POST", "/oauth/token", 200), ("POST", CALLS_FOR_DEMO_USER, 503),
    ]
    assert listing.body[1]["body"] == {"phoneNumber": "+14155550134"}
    assert sandbox.count() == 2


def test_control_delete_faults(sandbox, token):
    sandbox.add_fault(Fault(status=500, times=0))

    deleted = send(sandbox.url + "/__sandbox/faults", method="DELETE")
    pending = send(sandbox.url + "/__sandbox/faults")

    assert deleted.status == 200
    assert pending.body == []
    assert create_call(sandbox, token).status == 200


def test_control_rejects_invalid_fault(sandbox):
    reply = send(sandbox.url + "/__sandbox/faults", method="POST", body={"action": "explode"})

    assert reply.status == 400
    assert "explode" in reply.body["error"]
    assert sandbox.faults.pending() == []


def test_control_users_release_expire_reset(sandbox, token):
    added = send(sandbox.url + "/__sandbox/users", method="POST", body={"id": "user-9", "name": "Bo"})
    user = send(f"{sandbox.url}/api/v2/users/user-9", headers=bearer(token))

    sandbox.add_fault(Fault(path_prefix="/api/", action="hold"))
    replies: list[Reply] = []
    client = threading.Thread(target=lambda: replies.append(create_call(sandbox, token)))
    client.start()
    sandbox.wait_for_count(1, method="POST", path_prefix="/api/")
    released = send(sandbox.url + "/__sandbox/release", method="POST")
    client.join(timeout=10)

    expired = send(sandbox.url + "/__sandbox/expire-tokens", method="POST")
    after_expiry = create_call(sandbox, token)
    reset = send(sandbox.url + "/__sandbox/reset", method="POST")

    assert added.status == 201
    assert user.body["name"] == "Bo"
    assert released.status == 200
    assert replies[0].status == 200
    assert expired.status == 200
    assert after_expiry.body["code"] == "credentials.expired"
    assert reset.status == 200
    assert sandbox.requests == []
    assert sandbox.calls == {}


def test_control_calls_listing_and_state(sandbox, token):
    conversation_id = create_call(sandbox, token).body["id"]

    listing = send(sandbox.url + "/__sandbox/calls")
    changed = send(f"{sandbox.url}/__sandbox/calls/{conversation_id}/state", method="POST",
                   body={"purpose": "external", "state": "disconnected"})

    assert list(listing.body) == [conversation_id]
    assert changed.status == 200
    states = {p["purpose"]: p["state"] for p in sandbox.calls[conversation_id]["participants"]}
    assert states["external"] == "disconnected"


def test_control_requests_not_recorded(sandbox):
    send(sandbox.url + "/__sandbox/requests")
    send(sandbox.url + "/__sandbox/faults", method="DELETE")

    assert sandbox.requests == []


def test_control_unknown_endpoint_is_404(sandbox):
    reply = send(sandbox.url + "/__sandbox/nothing", method="POST")

    assert reply.status == 404
    assert "/__sandbox/faults" in reply.body["error"]


# --- rate limit --------------------------------------------------------------------


class FakeClock:
    """Time source of the rate limit window that moves only when a test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited(clock):
    """A stand-in that admits 3 requests per token in any 60 s of ``clock``."""
    with GenesysSandbox(requests_per_minute=3, clock=clock) as server:
        yield server


def test_rate_limit_over_limit_is_429(limited, clock):
    token = get_token(limited)
    for _ in range(3):
        assert get_user(limited, token).status == 200
        clock.advance(20)
    clock.advance(-15)  # 45 s after the first request

    reply = get_user(limited, token)

    assert_error_body(reply, 429, "too.many.requests.retry.after")
    assert reply.headers["Retry-After"] == "15"
    assert reply.body["message"] == "Rate limit exceeded the maximum. Retry the request in [15] seconds"
    assert limited.rate_limited == 1
    assert limited.requests[-1].status == 429
    assert limited.requests[-1].rate_limited is True


def test_rate_limit_retry_after_rounds_up(limited, clock):
    token = get_token(limited)
    for _ in range(3):
        assert get_user(limited, token).status == 200
    clock.advance(0.25)

    reply = get_user(limited, token)

    assert reply.status == 429
    assert reply.headers["Retry-After"] == "60"  # 59.75 s rounded up


def test_rate_limit_window_slides(limited, clock):
    token = get_token(limited)
    for _ in range(3):  # at 0, 20 and 40 s
        assert get_user(limited, token).status == 200
        clock.advance(20)
    clock.advance(-0.5)  # 59.5 s: the request at 0 s still counts

    early = get_user(limited, token)
    clock.advance(0.5)  # 60 s: the request at 0 s has left the window
    on_time = get_user(limited, token)
    clock.advance(1)  # 61 s: the requests at 20, 40 and 60 s count
    next_one = get_user(limited, token)

    assert early.status == 429
    assert early.headers["Retry-After"] == "1"
    assert on_time.status == 200
    assert next_one.status == 429
    assert next_one.headers["Retry-After"] == "19"
    assert limited.rate_limited == 2


def test_rate_limit_counts_per_token(limited):
    first = get_token(limited)
    second = get_token(limited)
    for _ in range(3):
        assert get_user(limited, first).status == 200

    assert get_user(limited, first).status == 429
    for _ in range(3):
        assert get_user(limited, second).status == 200
    assert get_user(limited, second).status == 429
    assert limited.rate_limited == 2


def test_rate_limit_applies_to_create_call(limited):
    token = get_token(limited)
    for _ in range(3):
        assert create_call(limited, token).status == 200

    reply = create_call(limited, token)

    assert_error_body(reply, 429, "too.many.requests.retry.after")
    assert len(limited.calls) == 3


def test_rate_limit_skips_tokens_and_401s(limited):
    for _ in range(5):
        get_token(limited)
    for _ in range(5):
        assert get_user(limited, "not-a-token").status == 401
    token = get_token(limited)

    statuses = [get_user(limited, token).status for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_rate_limit_lowered_counts_earlier_requests(limited, clock):
    token = get_token(limited)
    for _ in range(3):  # at 0, 10 and 20 s
        assert get_user(limited, token).status == 200
        clock.advance(10)
    limited.set_rate_limit(1)

    reply = get_user(limited, token)  # at 30 s, with 3 requests counted against a limit of 1

    assert reply.status == 429
    # Admitted again once all three have left, the last one (20 s) at 80 s.
    assert reply.headers["Retry-After"] == "50"


def test_rate_limit_off_by_default(sandbox, token):
    statuses = {get_user(sandbox, token).status for _ in range(30)}

    assert statuses == {200}
    assert sandbox.requests_per_minute is None
    assert sandbox.rate_limited == 0


def test_rate_limit_shorter_window():
    clock = FakeClock()
    with GenesysSandbox(requests_per_minute=1, rate_limit_window=2, clock=clock) as server:
        token = get_token(server)
        first = get_user(server, token)
        second = get_user(server, token)
        clock.advance(2)
        third = get_user(server, token)

    assert first.status == 200
    assert second.status == 429
    assert second.headers["Retry-After"] == "2"
    assert third.status == 200


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (-1, 60), (1.5, 60), (True, 60), ("10", 60), (1, 0), (1, -5)])
def test_rate_limit_rejects_invalid_settings(sandbox, limit, window):
    with pytest.raises(ValueError):
        sandbox.set_rate_limit(limit, window=window)


def test_max_requests_in_window(sandbox, token):
    for _ in range(3):
        get_user(sandbox, token)
    api_requests = sandbox.requests[1:]  # after the token request
    start = api_requests[0].time
    for record, offset in zip(api_requests, (0.0, 30.0, 61.0)):
        record.time = start + offset

    assert sandbox.max_requests_in_window(60.0) == 2
    assert sandbox.max_requests_in_window(120.0) == 3
    assert sandbox.max_requests_in_window(60.0, path_prefix="/oauth/") == 1


def test_control_rate_limit_set_show_clear(sandbox, token):
    set_reply = send(sandbox.url + "/__sandbox/rate-limit", method="POST", body={"requests_per_minute": 1})
    statuses = [get_user(sandbox, token).status for _ in range(2)]
    shown = send(sandbox.url + "/__sandbox/rate-limit")
    cleared = send(sandbox.url + "/__sandbox/rate-limit", method="POST", body={"requests_per_minute": None})
    after_clear = get_user(sandbox, token)

    assert set_reply.status == 200
    assert set_reply.body == {"requests_per_minute": 1, "window_seconds": 60.0, "rate_limited": 0}
    assert statuses == [200, 429]
    assert shown.body == {"requests_per_minute": 1, "window_seconds": 60.0, "rate_limited": 1}
    assert cleared.status == 200
    assert cleared.body["requests_per_minute"] is None
    assert after_clear.status == 200


def test_control_rate_limit_window_seconds(sandbox):
    reply = send(sandbox.url + "/__sandbox/rate-limit", method="POST",
                 body={"requests_per_minute": 5, "window_seconds": 10})

    assert reply.status == 200
    assert reply.body["window_seconds"] == 10.0
    assert sandbox.rate_limit.window == 10.0


@pytest.mark.parametrize("body", [
    None, {}, {"requests_per_minute": 0}, {"requests_per_minute": "60"},
    {"requests_per_minute": 60, "window_seconds": 0}, {"requests_per_minute": 60, "per": "hour"},
])
def test_control_rate_limit_rejects_invalid(sandbox, body):
    reply = send(sandbox.url + "/__sandbox/rate-limit", method="POST", body=body)

    assert reply.status == 400
    assert reply.body["error"]
    assert sandbox.requests_per_minute is None


def test_reset_keeps_limit_clears_counts(limited):
    token = get_token(limited)
    for _ in range(4):
        get_user(limited, token)

    limited.reset()
    token = get_token(limited)
    statuses = [get_user(limited, token).status for _ in range(4)]

    assert limited.requests_per_minute == 3
    assert statuses == [200, 200, 200, 429]
    assert limited.rate_limited == 1


# --- the real Genesys SDK ----------------------------------------------------------


def sdk_client(sdk, sandbox: GenesysSandbox):
    api_client = sdk.ApiClient(host=sandbox.url)
    api_client.get_client_credentials_token(sandbox.client_id, sandbox.client_secret)
    return api_client


def test_sdk_places_call(sdk, sandbox):
    api = sdk.ConversationsApi(sdk_client(sdk, sandbox))
    body = sdk.CreateCallRequest()
    body.phone_number = "+14155550134"
    body.caller_id = "+14155550100"
    body.caller_id_name = "Support"

    response = api.post_conversations_calls_user_user_id(DEMO_USER_ID, body)

    assert response.id in sandbox.calls
    assert sandbox.calls[response.id]["request"] == {
        "phoneNumber": "+14155550134", "callerId": "+14155550100", "callerIdName": "Support",
    }
    assert sandbox.requests[0].path == "/oauth/token"


def test_sdk_reads_call_and_user(sdk, sandbox):
    api_client = sdk_client(sdk, sandbox)
    body = sdk.CreateCallRequest()
    body.phone_number = "+14155550134"
    conversation_id = sdk.ConversationsApi(api_client).post_conversations_calls_user_user_id(DEMO_USER_ID, body).id

    call = sdk.ConversationsApi(api_client).get_conversations_call(conversation_id)
    user = sdk.UsersApi(api_client).get_user(DEMO_USER_ID)

    assert call.id == conversation_id
    assert {p.purpose: p.state for p in call.participants} == {"user": "connected", "external": "dialing"}
    assert user.id == DEMO_USER_ID
    assert user.state == "active"


def test_sdk_unknown_user_raises_404(sdk, sandbox):
    api = sdk.ConversationsApi(sdk_client(sdk, sandbox))
    body = sdk.CreateCallRequest()
    body.phone_number = "+14155550134"

    with pytest.raises(sdk.rest.ApiException) as raised:
        api.post_conversations_calls_user_user_id("no-such-user", body)

    assert raised.value.status == 404
    assert json.loads(raised.value.body)["code"] == "not.found"


def test_sdk_user_context_call_raises_400(sdk, sandbox):
    api = sdk.ConversationsApi(sdk_client(sdk, sandbox))
    body = sdk.CreateCallRequest()
    body.phone_number = "+14155550134"

    with pytest.raises(sdk.rest.ApiException) as raised:
        api.post_conversations_calls(body)

    assert raised.value.status == 400
    assert "user context" in json.loads(raised.value.body)["message"]


def test_sdk_repeats_post_after_429(sdk, sandbox):
    # The SDK's urllib3 retry repeats a 429 that carries Retry-After, POST included.
    sandbox.add_fault(Fault(method="POST", path_prefix="/api/", status=429, headers={"Retry-After": "0"}))
    api = sdk.ConversationsApi(sdk_client(sdk, sandbox))
    body = sdk.CreateCallRequest()
    body.phone_number = "+14155550134"

    response = api.post_conversations_calls_user_user_id(DEMO_USER_ID, body)

    assert response.id in sandbox.calls
    assert sandbox.count("POST", CALLS_FOR_DEMO_USER) == 2


# --- command line ------------------------------------------------------------------


def test_cli_help_lists_actions_and_endpoints():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "genesys", "--help"],
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr
    for action in ("respond", "drop", "hang", "hold", "delay"):
        assert re.search(rf"^\s+{action}\s", result.stdout, re.MULTILINE), action
    for endpoint in ("/__sandbox/faults", "/__sandbox/requests", "/__sandbox/reset", "/__sandbox/release",
                     "/__sandbox/expire-tokens", "/__sandbox/users", "/__sandbox/rate-limit"):
        assert endpoint in result.stdout
    assert "--rate-limit N" in result.stdout
    assert "too.many.requests.retry.after" in result.stdout


def test_cli_rejects_non_loopback_host(capsys):
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["genesys", "--host", "0.0.0.0", "--port", "0"])

    status = run(args)

    assert status == 2
    assert "loopback" in capsys.readouterr().err


def test_cli_rejects_invalid_fault_json():
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)

    with pytest.raises(SystemExit):
        parser.parse_args(["genesys", "--fault", '{"action": "explode"}'])


@pytest.mark.parametrize("arguments", [["--rate-limit", "0"], ["--rate-limit", "ten"], ["--rate-limit-window", "0"]])
def test_cli_rejects_invalid_rate_limit(arguments):
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)

    with pytest.raises(SystemExit):
        parser.parse_args(["genesys", *arguments])


def test_cli_rate_limit_answers_429():
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "genesys", "--port", "0", "--rate-limit", "2"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "LOG_LEVEL": "INFO"},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)
    reader.start()
    try:
        url = None
        log: list[str] = []
        while url is None:
            line = lines.get(timeout=120)
            log.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            url = match.group(1) if match else None

        token = send(url + "/oauth/token", method="POST", form="grant_type=client_credentials",
                     headers=basic()).body["access_token"]
        statuses = [send(f"{url}/api/v2/users/{DEMO_USER_ID}", headers=bearer(token)).status for _ in range(3)]
        shown = send(url + "/__sandbox/rate-limit")

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=30)
    while not lines.empty():
        log.append(lines.get())
    text = "".join(log)
    assert statuses == [200, 200, 429]
    assert shown.body == {"requests_per_minute": 2, "window_seconds": 60.0, "rate_limited": 1}
    assert "rate limit 2 requests per 60 s per token" in text
    assert f"GET /api/v2/users/{DEMO_USER_ID} -> 429 (rate limited)" in text


def test_cli_serves_logs_and_stops_on_interrupt():
    fault = json.dumps({"method": "GET", "path_prefix": "/api/v2/users/", "status": 503})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "genesys", "--port", "0", "--user", "user-7=Cy",
         "--client-secret", "cli-secret-value", "--fault", fault],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "LOG_LEVEL": "INFO"},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True)
    reader.start()
    try:
        url = None
        log: list[str] = []
        while url is None:
            line = lines.get(timeout=120)
            log.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            url = match.group(1) if match else None

        token_reply = send(url + "/oauth/token", method="POST", form="grant_type=client_credentials",
                           headers=basic(secret="cli-secret-value"))
        token = token_reply.body["access_token"]
        faulted = send(url + "/api/v2/users/user-7", headers=bearer(token))
        user = send(url + "/api/v2/users/user-7", headers=bearer(token))
        call = send(f"{url}/api/v2/conversations/calls/user/user-7", method="POST",
                    body={"phoneNumber": "+14155550134"}, headers=bearer(token))
        recorded = send(url + "/__sandbox/requests")

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=30)
    while not lines.empty():
        log.append(lines.get())
    text = "".join(log)
    assert faulted.status == 503
    assert user.body["name"] == "Cy"
    assert call.status == 200
    assert len(recorded.body) == 4
    assert "GET /api/v2/users/user-7 -> 503" in text
    assert "***0134" in text
    assert "4155550134" not in text
    assert token not in text
    assert "cli-secret-value" not in text
    assert "stopped" in text
