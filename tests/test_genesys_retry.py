"""Retry policy, retry loop, time budget and pacer, with a fake clock and sleep."""

from __future__ import annotations

import logging
import random
import threading

import pytest

from bot.calls.models import (
    PHASE_CALL,
    TRANSPORT_CONNECT,
    TRANSPORT_DEADLINE,
    TRANSPORT_DROPPED,
    TRANSPORT_TIMEOUT,
    CallFailed,
    GenesysFailure,
)
from bot.genesys.budget import Budget, DeadlineExceeded
from bot.genesys.errors import parse_retry_after
from bot.genesys.pacing import Pacer, default_burst
from bot.genesys.retry import REAUTHENTICATE, RETRY, STOP, AttemptFailed, Attempts, RetryPolicy, RetryState, run_with_retries


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failure(status: int | None = None, *, transport: str | None = None, retry_after: float | None = None, code: str | None = None) -> GenesysFailure:
    return GenesysFailure(phase=PHASE_CALL, status=status, transport=transport, retry_after=retry_after, code=code, correlation_id="corr-9")


def policy(**options) -> RetryPolicy:
    return RetryPolicy(max_retry_after=30, rng=random.Random(3), **options)


# --- decisions ----------------------------------------------------------------

DECISIONS = [
    # (failure, idempotent, expected action)
    (failure(401, code="credentials.expired"), False, REAUTHENTICATE),
    (failure(429, retry_after=2), False, RETRY),
    (failure(502), False, STOP),
    (failure(502), True, RETRY),
    (failure(503), False, RETRY),
    (failure(504), False, RETRY),
    (failure(transport=TRANSPORT_CONNECT), False, RETRY),
    (failure(transport=TRANSPORT_TIMEOUT), False, STOP),
    (failure(transport=TRANSPORT_DROPPED), False, STOP),
    (failure(transport=TRANSPORT_TIMEOUT), True, RETRY),
    (failure(transport=TRANSPORT_DROPPED), True, RETRY),
    (failure(transport=TRANSPORT_DEADLINE), True, STOP),
    (failure(400), False, STOP),
    (failure(403), False, STOP),
    (failure(404), False, STOP),
    (failure(408), False, STOP),
    (failure(500), False, STOP),
    (failure(500), True, STOP),
]


@pytest.mark.parametrize(("failed", "idempotent", "action"), DECISIONS, ids=[f"{d[0].status or d[0].transport}-{'get' if d[1] else 'post'}" for d in DECISIONS])
def test_policy_action(failed, idempotent, action):
    assert policy().decide(failed, RetryState(), idempotent=idempotent).action == action


def test_policy_401_only_once():
    state = RetryState(reauthenticated=True)
    assert policy().decide(failure(401), state, idempotent=False).action == STOP


def test_policy_401_on_token_request_stops():
    assert policy().decide(failure(401), RetryState(), idempotent=True, can_reauthenticate=False).action == STOP


def test_policy_429_waits_retry_after():
    decision = policy().decide(failure(429, retry_after=7), RetryState(), idempotent=False)
    assert decision.delay == 7
    assert "429" in decision.reason


def test_policy_429_beyond_maximum_stops():
    decision = policy().decide(failure(429, retry_after=31), RetryState(), idempotent=False)
    assert decision.action == STOP


def test_policy_429_without_header_backs_off():
    decision = policy().decide(failure(429), RetryState(), idempotent=False)
    assert decision.action == RETRY
    assert 0 <= decision.delay <= 0.5


def test_policy_backoff_is_capped_full_jitter():
    chosen = RetryPolicy(max_retry_after=30, base_delay=1, max_delay=4, max_retries=10, rng=random.Random(5))
    for retries in range(10):
        state = RetryState(retries={"server": retries})
        delays = [chosen.decide(failure(503), state, idempotent=False).delay for _ in range(200)]
        ceiling = min(4, 2 ** retries)
        assert max(delays) <= ceiling
        assert min(delays) < ceiling * 0.2  # full jitter reaches near zero
        assert max(delays) > ceiling * 0.8


def test_policy_gives_up_after_max_retries():
    state = RetryState(retries={"server": 3})
    assert policy(max_retries=3).decide(failure(503), state, idempotent=False).action == STOP


# --- loop ---------------------------------------------------------------------


class Script:
    """An attempt function that fails as scripted, then returns "done"."""

    def __init__(self, *failures: GenesysFailure, sent: bool = True) -> None:
        self.failures = list(failures)
        self.calls = 0
        self.sent = sent

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            given = self.failures.pop(0)
            raise AttemptFailed(given, sent=given.transport != TRANSPORT_CONNECT)
        return "done"


def run(script, fake: FakeTime, *, deadline: float = 60, idempotent: bool = False, on_wait=None, chosen: RetryPolicy | None = None, reauth=None):
    attempts = Attempts()
    budget = Budget(deadline=fake.now + deadline, clock=fake.clock, sleep=fake.sleep, on_wait=on_wait)
    result = run_with_retries(
        script, policy=chosen or policy(), budget=budget, phase=PHASE_CALL, idempotent=idempotent,
        description="create-call for user u1 to ***0134", on_reauthenticate=reauth or (lambda: None), attempts=attempts,
    )
    return result, attempts


def test_loop_503_then_success():
    fake = FakeTime()
    result, attempts = run(Script(failure(503)), fake)
    assert result == "done"
    assert attempts.sent == 2


def test_loop_429_sleeps_retry_after_and_announces():
    fake = FakeTime()
    waits = []
    result, attempts = run(Script(failure(429, retry_after=5)), fake, on_wait=lambda seconds, reason: waits.append((seconds, reason)))
    assert result == "done"
    assert fake.sleeps == [5]
    assert waits and waits[0][0] == 5
    assert "rate-limited" in waits[0][1]


def test_loop_short_wait_not_announced():
    fake = FakeTime()
    waits = []
    run(Script(failure(429, retry_after=1)), fake, on_wait=lambda seconds, reason: waits.append(seconds))
    assert waits == []


def test_loop_wait_past_deadline_not_started():
    fake = FakeTime()
    with pytest.raises(CallFailed) as raised:
        run(Script(failure(429, retry_after=20)), fake, deadline=10)
    assert raised.value.failure.status == 429
    assert raised.value.failure.requests_sent == 1
    assert fake.sleeps == []


def test_loop_timeout_after_send_not_repeated():
    fake = FakeTime()
    script = Script(failure(transport=TRANSPORT_TIMEOUT))
    with pytest.raises(CallFailed) as raised:
        run(script, fake)
    assert script.calls == 1
    assert raised.value.failure.transport == TRANSPORT_TIMEOUT
    assert raised.value.failure.requests_sent == 1
    assert raised.value.failure.maybe_sent


def test_loop_connect_failures_retried_then_reported():
    fake = FakeTime()
    script = Script(*[failure(transport=TRANSPORT_CONNECT)] * 10)
    with pytest.raises(CallFailed) as raised:
        run(script, fake, chosen=policy(max_retries=3))
    assert script.calls == 4
    assert raised.value.failure.transport == TRANSPORT_CONNECT
    assert raised.value.failure.requests_sent == 0


def test_loop_401_reauthenticates_once():
    fake = FakeTime()
    renewed = []
    script = Script(failure(401), failure(401))
    with pytest.raises(CallFailed) as raised:
        run(script, fake, reauth=lambda: renewed.append(1))
    assert renewed == [1]
    assert script.calls == 2
    assert raised.value.failure.status == 401


def test_loop_deadline_before_first_send():
    fake = FakeTime()

    def attempt():
        raise DeadlineExceeded(30, "pacing", 5)

    with pytest.raises(CallFailed) as raised:
        run(attempt, fake)
    assert raised.value.failure.transport == TRANSPORT_DEADLINE
    assert raised.value.failure.requests_sent == 0


def test_loop_deadline_after_failure_reports_failure():
    fake = FakeTime()
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) == 1:
            raise AttemptFailed(failure(503), sent=True)
        raise DeadlineExceeded(30, "pacing", 5)

    with pytest.raises(CallFailed) as raised:
        run(attempt, fake)
    assert raised.value.failure.status == 503


def test_loop_logs_retry_with_masked_number(caplog):
    fake = FakeTime()
    with caplog.at_level(logging.WARNING, logger="bot.genesys.retry"):
        run(Script(failure(503)), fake)
    record = caplog.records[0]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "attempt 1" in message
    assert "503" in message
    assert "corr-9" in message
    assert "***0134" in message


def test_loop_total_time_within_deadline():
    fake = FakeTime()
    start = fake.now
    script = Script(*[failure(503)] * 50)
    with pytest.raises(CallFailed):
        run(script, fake, deadline=3, chosen=RetryPolicy(max_retry_after=30, base_delay=2, max_delay=2, max_retries=50, rng=random.Random(1)))
    assert fake.now - start <= 3


# --- budget and pacer ---------------------------------------------------------


def test_budget_callback_error_does_not_break_wait():
    fake = FakeTime()

    def broken(seconds, reason):
        raise RuntimeError("slack is down")

    Budget(deadline=fake.now + 60, clock=fake.clock, sleep=fake.sleep, on_wait=broken).wait(5, "test")
    assert fake.sleeps == [5]


def test_pacer_burst_then_even_spacing():
    fake = FakeTime()
    pacer = Pacer(requests_per_minute=60, burst=5, clock=fake.clock)
    budget = Budget(deadline=fake.now + 1000, clock=fake.clock, sleep=fake.sleep)
    waits = [pacer.acquire(budget) for _ in range(10)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    gap = 60 / 55
    for wait in waits[5:]:
        assert wait == pytest.approx(gap)


def test_pacer_never_exceeds_budget_per_minute():
    fake = FakeTime()
    pacer = Pacer(requests_per_minute=30, burst=10, clock=fake.clock)
    budget = Budget(deadline=fake.now + 10_000, clock=fake.clock, sleep=fake.sleep)
    sent_at = []
    for _ in range(200):
        pacer.acquire(budget)
        sent_at.append(fake.now)
    for index, start in enumerate(sent_at):
        in_window = [moment for moment in sent_at[index:] if moment < start + 60]
        assert len(in_window) <= 30


def test_pacer_rejects_slot_past_deadline_without_taking_it():
    fake = FakeTime()
    pacer = Pacer(requests_per_minute=60, burst=1, clock=fake.clock)
    pacer.acquire(Budget(deadline=fake.now + 100, clock=fake.clock, sleep=fake.sleep))
    with pytest.raises(DeadlineExceeded):
        pacer.acquire(Budget(deadline=fake.now + 0.1, clock=fake.clock, sleep=fake.sleep))
    wait = pacer.acquire(Budget(deadline=fake.now + 100, clock=fake.clock, sleep=fake.sleep))
    assert wait == pytest.approx(60 / 59)


def test_pacer_announces_long_queue():
    fake = FakeTime()
    pacer = Pacer(requests_per_minute=10, burst=1, clock=fake.clock)
    waits = []
    budget = Budget(deadline=fake.now + 100, clock=fake.clock, sleep=fake.sleep, on_wait=lambda s, r: waits.append(r))
    pacer.acquire(budget)
    pacer.acquire(budget)
    assert len(waits) == 1
    assert "pacing" in waits[0]


def test_pacer_threads_share_slots():
    fake_lock = threading.Lock()
    now = [0.0]

    def clock():
        with fake_lock:
            return now[0]

    pacer = Pacer(requests_per_minute=600, burst=4, clock=clock)
    waits: list[float] = []

    def worker():
        budget = Budget(deadline=1000, clock=clock, sleep=lambda s: None)
        waits.append(pacer.acquire(budget))

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The clock never moves, so the reservations line up one refill apart.
    assert sorted(waits) == pytest.approx([0.0] * 4 + [(n + 1) * 60 / 596 for n in range(16)])


def test_default_burst_bounds():
    assert default_burst(1) == 1
    assert default_burst(60) == 6
    assert default_burst(300) == 10


def test_parse_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == pytest.approx(10.0)
