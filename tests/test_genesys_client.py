"""GenesysDialer end to end: the real SDK against the Genesys stand-in, one fault at a time.

Each test counts the requests the stand-in received, because the number of
create-call POSTs is what rings a phone. Waits use a recording sleep where the test
is about timing logic; real time passes only for short network timeouts.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time

import pytest

from bot.calls.diagnosis import diagnose
from bot.calls.models import PHASE_CALL, PHASE_CONVERSATION, PHASE_TOKEN, PHASE_USER, TRANSPORT_CONNECT, CallFailed
from bot.config import Settings
from bot.genesys.client import GenesysDialer
from bot.genesys.pacing import Pacer
from bot.sandbox.genesys import DEMO_USER_ID, Fault, GenesysSandbox

CREATE_CALL = "/api/v2/conversations/calls/user/"
TOKEN = "/oauth/token"
NUMBER = "+14155550134"


@pytest.fixture
def sandbox():
    server = GenesysSandbox().start()
    yield server
    server.stop()


class RecordingSleep:
    """A sleep that records and returns at once."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def make_settings(api_host: str, **overrides) -> Settings:
    values = {
        "genesys_client_id": "sandbox-client",
        "genesys_client_secret": "sandbox-secret",
        "genesys_api_host": api_host,
        "genesys_region": "custom",
        "genesys_connect_timeout": 1.0,
        "genesys_read_timeout": 0.5,
        "genesys_max_retry_after": 30.0,
        "call_deadline": 20.0,
        "genesys_requests_per_minute": 6000,
    }
    values.update(overrides)
    return Settings(**values)


def make_dialer(api_host: str, *, sleep=None, **overrides) -> GenesysDialer:
    return GenesysDialer(make_settings(api_host, **overrides), sleep=sleep or RecordingSleep())


def place(dialer: GenesysDialer, **options):
    return dialer.place_call(genesys_user_id=DEMO_USER_ID, phone_number=NUMBER, caller_id="+14155550100", caller_name="Demo", **options)


def failure_of(call) -> CallFailed:
    with pytest.raises(CallFailed) as raised:
        call()
    return raised.value


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- success ------------------------------------------------------------------


def test_place_call_sends_one_post(sandbox):
    placed = place(make_dialer(sandbox.url))
    assert placed.requests_sent == 1
    assert placed.http_status == 200
    assert placed.conversation_id in sandbox.calls
    posts = [r for r in sandbox.requests if r.path.startswith(CREATE_CALL)]
    assert len(posts) == 1
    assert posts[0].body["phoneNumber"] == NUMBER
    assert posts[0].body["callerId"] == "+14155550100"
    assert posts[0].body["callerIdName"] == "Demo"
    assert posts[0].header("Connection") == "close"
    assert placed.correlation_id == posts[0].correlation_id


def test_token_reused_across_calls(sandbox):
    dialer = make_dialer(sandbox.url)
    for _ in range(3):
        place(dialer)
    assert sandbox.count("POST", TOKEN) == 1
    assert sandbox.count("POST", CREATE_CALL) == 3


def test_get_call_returns_participants(sandbox):
    dialer = make_dialer(sandbox.url)
    placed = place(dialer)
    call = dialer.get_call(placed.conversation_id)
    assert call["id"] == placed.conversation_id
    states = {participant["purpose"]: participant["state"] for participant in call["participants"]}
    assert "external" in states


def test_get_call_unknown_is_conversation_phase(sandbox):
    error = failure_of(lambda: make_dialer(sandbox.url).get_call("no-such-call"))
    assert error.failure.phase == PHASE_CONVERSATION
    assert error.failure.status == 404
    assert diagnose(error.failure).kind == "conversation_not_found"


def test_get_user_found_and_missing(sandbox):
    dialer = make_dialer(sandbox.url)
    user = dialer.get_user(DEMO_USER_ID)
    assert user["id"] == DEMO_USER_ID
    assert set(user) == {"id", "name", "state"}
    error = failure_of(lambda: dialer.get_user("0f0f0f0f-0000-4000-8000-000000000000"))
    assert error.failure.phase == PHASE_USER
    assert diagnose(error.failure).kind == "user_not_found"


# --- fault matrix ---------------------------------------------------------------


def test_drop_after_send_is_unknown_one_post(sandbox):
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="drop"))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 1
    assert error.failure.transport == "dropped"
    assert error.failure.requests_sent == 1
    assert diagnose(error.failure).outcome == "unknown"


def test_read_timeout_is_unknown_one_post(sandbox):
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="hang", hang_seconds=5))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 1
    assert error.failure.transport == "timeout"
    diagnosis = diagnose(error.failure)
    assert diagnosis.kind == "timeout_unknown"
    assert diagnosis.outcome == "unknown"


def test_502_on_create_call_is_not_repeated(sandbox):
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=502))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 1
    diagnosis = diagnose(error.failure)
    assert diagnosis.outcome == "unknown"


@pytest.mark.parametrize("status", [503, 504])
def test_gateway_error_then_success(sandbox, status):
    sleep = RecordingSleep()
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=status))
    placed = place(make_dialer(sandbox.url, sleep=sleep))
    assert sandbox.count("POST", CREATE_CALL) == 2
    assert placed.requests_sent == 2
    assert len(sleep.sleeps) == 1
    assert [failure.status for failure in placed.retried_after] == [status]
    assert placed.retried_after[0].correlation_id


def test_503_every_time_gives_up(sandbox):
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=503, times=0))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 4  # the first attempt and 3 retries
    assert error.failure.requests_sent == 4
    assert diagnose(error.failure).kind == "service_unavailable"


def test_429_waits_retry_after_then_success(sandbox):
    sleep = RecordingSleep()
    waits = []
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=429, headers={"Retry-After": "4"}))
    placed = place(make_dialer(sandbox.url, sleep=sleep), on_wait=lambda seconds, reason: waits.append((seconds, reason)))
    assert sandbox.count("POST", CREATE_CALL) == 2
    assert placed.requests_sent == 2
    assert 4.0 in sleep.sleeps
    assert waits[0][0] == 4.0
    assert "429" in waits[0][1]


def test_429_longer_than_allowed_fails_at_once(sandbox):
    sleep = RecordingSleep()
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=429, headers={"Retry-After": "120"}))
    error = failure_of(lambda: place(make_dialer(sandbox.url, sleep=sleep)))
    assert sandbox.count("POST", CREATE_CALL) == 1
    assert sleep.sleeps == []
    assert error.failure.retry_after == 120
    assert diagnose(error.failure).kind == "rate_limited"


def test_429_past_deadline_fails_at_once(sandbox):
    sleep = RecordingSleep()
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=429, headers={"Retry-After": "25"}))
    error = failure_of(lambda: place(make_dialer(sandbox.url, sleep=sleep, call_deadline=10.0)))
    assert sandbox.count("POST", CREATE_CALL) == 1
    assert sleep.sleeps == []
    assert error.failure.status == 429


def test_expired_token_renewed_and_repeated(sandbox):
    dialer = make_dialer(sandbox.url)
    place(dialer)
    sandbox.expire_tokens()
    placed = place(dialer)
    assert sandbox.count("POST", TOKEN) == 2
    assert sandbox.count("POST", CREATE_CALL) == 3  # the first call, then 401 and the repeat
    assert placed.requests_sent == 2


def test_401_twice_is_not_repeated_again(sandbox):
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=401, times=2,
                            body={"message": "Invalid login credentials.", "code": "bad.credentials", "status": 401}))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 2
    assert sandbox.count("POST", TOKEN) == 2
    assert diagnose(error.failure).kind == "auth_failed"


def test_token_endpoint_503_dials_nothing(sandbox):
    sandbox.add_fault(Fault(path_prefix=TOKEN, status=503, times=0))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 0
    assert sandbox.count("POST", TOKEN) == 4  # token requests are safe to repeat
    assert error.failure.phase == PHASE_TOKEN
    assert error.failure.requests_sent == 0
    assert diagnose(error.failure).kind == "service_unavailable"


def test_token_endpoint_drop_is_network_error(sandbox):
    sandbox.add_fault(Fault(path_prefix=TOKEN, action="drop", times=0))
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 0
    assert error.failure.phase == PHASE_TOKEN
    diagnosis = diagnose(error.failure)
    assert diagnosis.kind == "network_error"
    assert diagnosis.outcome == "failed"


def test_bad_client_secret_is_auth_failed(sandbox):
    error = failure_of(lambda: place(make_dialer(sandbox.url, genesys_client_secret="wrong")))
    assert sandbox.count("POST", CREATE_CALL) == 0
    assert sandbox.count("POST", TOKEN) == 1
    assert error.failure.phase == PHASE_TOKEN
    assert error.failure.code == "invalid_client"
    diagnosis = diagnose(error.failure)
    assert diagnosis.kind == "auth_failed"
    assert sandbox.url in diagnosis.as_text()


def test_login_host_unreachable_is_network_error():
    sleep = RecordingSleep()
    error = failure_of(lambda: place(make_dialer(f"http://127.0.0.1:{free_port()}", sleep=sleep)))
    assert error.failure.phase == PHASE_TOKEN
    assert error.failure.transport == TRANSPORT_CONNECT
    assert len(sleep.sleeps) == 3  # three retries of the token request
    assert diagnose(error.failure).kind == "network_error"


def test_connection_refused_retried_then_network_error(sandbox):
    sleep = RecordingSleep()
    dialer = make_dialer(sandbox.url, sleep=sleep)
    place(dialer)  # caches a token
    sandbox.stop()  # nothing listens on the port any more
    error = failure_of(lambda: place(dialer))
    assert error.failure.phase == PHASE_CALL
    assert error.failure.transport == TRANSPORT_CONNECT
    assert error.failure.requests_sent == 0
    assert len(sleep.sleeps) == 3
    diagnosis = diagnose(error.failure)
    assert diagnosis.kind == "network_error"
    assert "nothing was dialed" in diagnosis.cause.lower()


def test_missing_permission_lists_names(sandbox):
    sandbox.permissions = set()
    error = failure_of(lambda: place(make_dialer(sandbox.url)))
    assert sandbox.count("POST", CREATE_CALL) == 1
    diagnosis = diagnose(error.failure)
    assert diagnosis.kind == "permission_missing"
    assert "conversation:call:add" in diagnosis.as_text()


def test_user_context_endpoint_not_used(sandbox):
    place(make_dialer(sandbox.url))
    assert sandbox.count("POST", "/api/v2/conversations/calls") == sandbox.count("POST", CREATE_CALL)


def test_retry_logged_without_secrets(sandbox, caplog):
    sandbox.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, status=503))
    dialer = make_dialer(sandbox.url)
    with caplog.at_level(logging.DEBUG):
        place(dialer)
    retries = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(retries) == 1
    assert "503" in retries[0].getMessage()
    token = next(r.token for r in sandbox.requests if r.token)
    for record in caplog.records:
        text = record.getMessage()
        assert "sandbox-secret" not in text
        assert token not in text
        assert NUMBER not in text


# --- deadline and pacing ---------------------------------------------------------


def test_pacing_wait_past_deadline_sends_nothing(sandbox):
    sleep = RecordingSleep()
    # 12 per minute with a burst of 1: one slot every 60 / 11 s. The sleep returns at
    # once, so the clock does not move and each slot lies further in the future.
    dialer = make_dialer(sandbox.url, sleep=sleep, genesys_requests_per_minute=12)
    place(dialer)  # the token request takes the burst, the create-call the next slot
    error = failure_of(lambda: place(dialer, deadline=time.monotonic() + 5))
    assert error.failure.transport == "deadline"
    assert sandbox.count("POST", CREATE_CALL) == 1
    assert diagnose(error.failure).kind == "deadline_exceeded"


def test_pacing_wait_announced(sandbox):
    waits = []
    dialer = make_dialer(sandbox.url, genesys_requests_per_minute=12)
    place(dialer)
    place(dialer, on_wait=lambda seconds, reason: waits.append(reason))
    assert waits
    assert "pacing" in waits[0]


def test_concurrent_calls_stay_under_budget(sandbox):
    # 20 calls at once with a budget of 600 per minute and a burst of 2: without
    # pacing all 21 requests (one token, 20 calls) arrive within a fraction of a second.
    dialer = GenesysDialer(make_settings(sandbox.url), pacer=Pacer(requests_per_minute=600, burst=2))
    placed: list[str] = []
    errors: list[BaseException] = []

    def call():
        try:
            placed.append(place(dialer).conversation_id)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(placed) == 20
    assert sum(1 for r in sandbox.requests if r.status == 429) == 0
    arrivals = sorted(r.time for r in sandbox.requests)
    assert len(arrivals) == 21
    # Any 1 s window may hold the burst plus one second of refill (598/60), plus one
    # for scheduling jitter between the pacer's slot and the arrival.
    limit = 2 + 598 / 60 + 1
    for index, start in enumerate(arrivals):
        in_window = sum(1 for moment in arrivals[index:] if moment < start + 1.0)
        assert in_window <= limit


# --- SDK loading -------------------------------------------------------------------


def test_import_does_not_load_sdk():
    code = "import sys, bot.genesys.client; print('PureCloudPlatformClientV2' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_warm_up_loads_sdk(sandbox):
    dialer = make_dialer(sandbox.url)
    dialer.warm_up()
    assert "PureCloudPlatformClientV2" in sys.modules
    assert sandbox.requests == []  # warming up sends nothing
