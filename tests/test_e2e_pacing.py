"""End to end: a burst of signed /call commands through the real app against a rate-limited Genesys stand-in.

The stand-in limits requests per access token over a sliding 60 s window, as Genesys
Cloud does, and the bot gets the same budget (GENESYS_REQUESTS_PER_MINUTE). More
requests than the budget take over a minute to send when paced, so this test stays
below it: it checks that a burst larger than the pacer's burst is queued, placed in
full and never rate-limited. benchmarks/bench_pacing.py sends more calls than the
budget (100 at 60 per minute). The tests with the bot's budget above the stand-in's
limit show that the stand-in does reject the bot's surplus, so the paced test's check
for zero 429s can fail.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import CallAttempt
from bot.genesys.pacing import default_burst
from bot.sandbox.render import message_text
from bot.sandbox.slash_command import SlashResponse
from bot.sandbox.stack import SandboxStack

pytestmark = pytest.mark.e2e

CREATE_CALL = "/api/v2/conversations/calls/user/"
CONVERSATION_ID = re.compile(r"Conversation ID: `?([0-9a-f-]{36})")

# The budget of both the bot and the stand-in. The pacer sends its burst at once and
# then about 1.8 requests per second, so 20 calls (and one token request) queue for
# about 6 s.
REQUESTS_PER_MINUTE = 120
CALLS = 20


def numbers(count: int) -> list[str]:
    """Return ``count`` distinct dialable numbers as a user would type them."""
    return [f"(415) 555-{index:04d}" for index in range(100, 100 + count)]


def fire_at_once(stack: SandboxStack, texts: list[str]) -> list[SlashResponse]:
    """Send one signed /call per text, all released together from their own threads."""
    start = threading.Barrier(len(texts))

    def send(text: str) -> SlashResponse:
        start.wait()
        return stack.slash(text)

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        return list(pool.map(send, texts))


def final_attempts(stack: SandboxStack, count: int, timeout: float = 120.0) -> list[CallAttempt]:
    """Wait until ``count`` audit rows exist and none is pending; return them by ID."""
    sessions = make_session_factory(make_engine(stack.database_url))
    deadline = time.monotonic() + timeout
    rows: list[CallAttempt] = []
    while time.monotonic() < deadline:
        with sessions() as session:
            rows = list(session.scalars(select(CallAttempt).order_by(CallAttempt.id)))
        if len(rows) >= count and all(row.outcome != "pending" for row in rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"expected {count} final attempts within {timeout} s, got {[(row.id, row.outcome) for row in rows]}")


def thread_conversation_ids(stack: SandboxStack, root_ts: str) -> list[str]:
    """Return the conversation IDs that the replies in one Slack thread mention."""
    replies = [message_text(message) for message in stack.slack.thread(root_ts)]
    return [match.group(1) for text in replies for match in CONVERSATION_ID.finditer(text)]


@pytest.fixture
def paced_stack(database_url, tmp_path):
    # Served by gunicorn as in production: the in-process server's listen backlog
    # of 5 resets connections when 20 commands arrive at once.
    env = {"GENESYS_REQUESTS_PER_MINUTE": str(REQUESTS_PER_MINUTE), "CALL_DEADLINE": "120"}
    with SandboxStack(database_url=database_url, extra_env=env) as stack:
        stack.genesys.set_rate_limit(REQUESTS_PER_MINUTE)
        stack.serve_subprocess(log_path=tmp_path / "serve.log")
        yield stack


def test_burst_paced_under_limit(paced_stack):
    stack = paced_stack
    texts = numbers(CALLS)
    # One token request and CALLS create-call requests go through the pacer; more
    # than its burst must wait for a slot.
    assert CALLS + 1 > default_burst(REQUESTS_PER_MINUTE)

    responses = fire_at_once(stack, texts)
    rows = final_attempts(stack, CALLS)

    assert [response.status for response in responses] == [200] * CALLS
    assert len(rows) == CALLS
    assert {row.outcome for row in rows} == {"placed"}
    assert sorted(row.e164 for row in rows) == sorted(f"+1415555{index:04d}" for index in range(100, 100 + CALLS))
    assert stack.genesys.rate_limited == 0
    assert stack.genesys.count("POST", CREATE_CALL) == CALLS
    assert stack.genesys.max_requests_in_window(60.0) <= REQUESTS_PER_MINUTE
    for row in rows:
        assert row.requests_sent == 1, (row.id, row.requests_sent)
        assert row.conversation_id in stack.genesys.calls, row.id
        assert row.slack_message_ts is not None, row.id
        assert thread_conversation_ids(stack, row.slack_message_ts) == [row.conversation_id], row.id


def test_budget_above_limit_retries_after(database_url):
    # The bot may send 600 per minute (a burst of 10) but the stand-in admits 3 per
    # 4 s, so some create-call requests get 429. Their Retry-After (4 s at most) is
    # within GENESYS_MAX_RETRY_AFTER, so the bot waits, repeats them and places them.
    # Five calls at most: the in-process server's listen backlog is 5, and more
    # connections arriving at once may be reset.
    env = {"GENESYS_REQUESTS_PER_MINUTE": "600", "CALL_DEADLINE": "60"}
    calls = 5
    with SandboxStack(database_url=database_url, extra_env=env) as stack:
        stack.genesys.set_rate_limit(3, window=4)
        stack.serve_in_process()

        responses = fire_at_once(stack, numbers(calls))
        rows = final_attempts(stack, calls)

        assert [response.status for response in responses] == [200] * calls
        assert stack.genesys.rate_limited > 0
        assert {row.outcome for row in rows} == {"placed"}
        assert stack.genesys.count("POST", CREATE_CALL) == calls + stack.genesys.rate_limited
        retried = [row for row in rows if row.requests_sent > 1]
        assert retried
        for row in retried:
            replies = " ".join(message_text(message) for message in stack.slack.thread(row.slack_message_ts))
            assert "HTTP 429 too.many.requests.retry.after" in replies, row.id
            assert thread_conversation_ids(stack, row.slack_message_ts) == [row.conversation_id], row.id


def test_budget_above_limit_long_wait_fails(database_url):
    # With the 60 s window of Genesys Cloud, the Retry-After after a burst is close
    # to 60 s, beyond the default GENESYS_MAX_RETRY_AFTER of 30 s, so those calls
    # fail as rate-limited instead of waiting.
    env = {"GENESYS_REQUESTS_PER_MINUTE": "600"}
    calls = 5
    with SandboxStack(database_url=database_url, extra_env=env) as stack:
        stack.genesys.set_rate_limit(3)
        stack.serve_in_process()

        fire_at_once(stack, numbers(calls))
        rows = final_attempts(stack, calls)

        placed = [row for row in rows if row.outcome == "placed"]
        failed = [row for row in rows if row.outcome == "failed"]
        assert stack.genesys.rate_limited == 2
        assert len(placed) == 3
        assert len(failed) == 2
        for row in failed:
            assert row.reason == "rate_limited", row.id
            assert row.http_status == 429, row.id
            assert row.error_code == "too.many.requests.retry.after", row.id
            assert row.conversation_id is None, row.id
