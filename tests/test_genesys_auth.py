"""Token lifecycle against the Genesys stand-in: caching, expiry margin, one refresh at a time."""

from __future__ import annotations

import threading

import pytest

from bot.calls.models import PHASE_TOKEN, CallFailed
from bot.genesys.auth import TokenProvider
from bot.genesys.budget import Budget
from bot.genesys.http import HttpTransport
from bot.genesys.pacing import Pacer
from bot.genesys.retry import RetryPolicy
from bot.sandbox.genesys import Fault, GenesysSandbox

TOKEN = "/oauth/token"


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now


@pytest.fixture
def sandbox():
    server = GenesysSandbox(token_ttl=100).start()
    yield server
    server.stop()


def make_provider(api_host: str, clock, *, secret: str = "sandbox-secret", client_id: str | None = "sandbox-client") -> TokenProvider:
    return TokenProvider(
        client_id=client_id,
        client_secret=secret,
        api_host=api_host,
        region="custom",
        transport=HttpTransport(connect_timeout=1, read_timeout=2),
        pacer=Pacer(requests_per_minute=6000, clock=clock),
        policy=RetryPolicy(max_retry_after=30),
        connect_timeout=1,
        read_timeout=2,
        clock=clock,
    )


def budget(clock) -> Budget:
    return Budget(deadline=clock() + 30, clock=clock, sleep=lambda seconds: None)


def test_token_cached_until_margin(sandbox):
    clock = FakeClock()
    provider = make_provider(sandbox.url, clock)
    first = provider.token(budget(clock))
    # A 100 s token is replaced 10 s (10 %) before it expires.
    clock.now += 89
    assert provider.token(budget(clock)) is first
    assert sandbox.count("POST", TOKEN) == 1
    clock.now += 2
    second = provider.token(budget(clock))
    assert second.value != first.value
    assert sandbox.count("POST", TOKEN) == 2


def test_token_expiry_read_from_response(sandbox):
    clock = FakeClock()
    token = make_provider(sandbox.url, clock).token(budget(clock))
    assert token.expires_at == pytest.approx(clock.now + 100)
    assert token.refresh_at == pytest.approx(clock.now + 90)


def test_long_token_margin_capped_at_60s():
    server = GenesysSandbox(token_ttl=86400).start()
    try:
        clock = FakeClock()
        token = make_provider(server.url, clock).token(budget(clock))
        assert token.expires_at - token.refresh_at == pytest.approx(60)
    finally:
        server.stop()


def test_concurrent_refresh_sends_one_request(sandbox):
    clock = FakeClock()
    provider = make_provider(sandbox.url, clock)
    sandbox.add_fault(Fault(path_prefix=TOKEN, action="delay", delay=0.3))
    values: list[str] = []

    def fetch():
        values.append(provider.token(budget(clock)).value)

    threads = [threading.Thread(target=fetch) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sandbox.count("POST", TOKEN) == 1
    assert len(values) == 10
    assert len(set(values)) == 1


def test_invalidate_drops_only_that_token(sandbox):
    clock = FakeClock()
    provider = make_provider(sandbox.url, clock)
    old = provider.token(budget(clock))
    provider.invalidate(old)
    new = provider.token(budget(clock))
    assert new.value != old.value
    provider.invalidate(old)  # a late 401 for the old token keeps the new one
    assert provider.token(budget(clock)) is new
    assert sandbox.count("POST", TOKEN) == 2


def test_token_request_form_and_basic_auth(sandbox):
    clock = FakeClock()
    make_provider(sandbox.url, clock).token(budget(clock))
    request = sandbox.requests[0]
    assert request.body == {"grant_type": "client_credentials"}
    assert request.header("Authorization").startswith("Basic ")


def test_wrong_secret_not_repeated(sandbox):
    clock = FakeClock()
    with pytest.raises(CallFailed) as raised:
        make_provider(sandbox.url, clock, secret="wrong").token(budget(clock))
    assert sandbox.count("POST", TOKEN) == 1
    assert raised.value.failure.phase == PHASE_TOKEN
    assert raised.value.failure.status == 400
    assert raised.value.failure.code == "invalid_client"


def test_missing_client_id_sends_nothing(sandbox):
    clock = FakeClock()
    with pytest.raises(CallFailed) as raised:
        make_provider(sandbox.url, clock, client_id=None).token(budget(clock))
    assert sandbox.requests == []
    assert raised.value.failure.code == "missing_client_credentials"


def test_token_without_access_token_fails(sandbox):
    clock = FakeClock()
    sandbox.add_fault(Fault(path_prefix=TOKEN, status=200, body={"token_type": "bearer"}))
    with pytest.raises(CallFailed) as raised:
        make_provider(sandbox.url, clock).token(budget(clock))
    assert raised.value.failure.code == "invalid_token_response"


def test_login_url_for_region_host():
    clock = FakeClock()
    provider = make_provider("https://api.mypurecloud.ie", clock)
    assert provider.token_url == "https://login.mypurecloud.ie/oauth/token"
