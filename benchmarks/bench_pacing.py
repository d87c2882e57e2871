"""Pacing under a burst: many /call commands fired at once against a rate-limited Genesys stand-in.

Whole-bot mode (the default) starts the stand-ins with SandboxStack, limits the
Genesys stand-in to RPM requests per access token in any 60 s (as Genesys Cloud
limits each client-credentials token), runs ``python -m bot serve`` under gunicorn
with GENESYS_REQUESTS_PER_MINUTE=RPM and CALL_DEADLINE=300, and fires CALLS signed
/call commands at once from threads. It prints how long they took, the
acknowledgement latency, the 429 responses of the stand-in, the outcomes in the
audit table (call_attempts) and the maximum number of requests in any 60 s window.

Dialer mode (--dialer) skips Slack, the web server and the database: it fires
CALLS place_call()s at one GenesysDialer, which measures the pacer alone.

The pacer sends a burst and then spaces requests so that no 60 s window contains
more than RPM requests, so more than RPM calls take more than a minute. The bot runs
at most 32 calls at once (CALL_WORKERS in bot/slack/app.py), so in whole-bot mode the
other commands wait in its queue before their call starts.

Run: .venv/bin/python benchmarks/bench_pacing.py [--calls 100] [--rpm 60] [--dialer]
Exit status 0 when every call was placed and the stand-in sent no 429.
"""

from __future__ import annotations

import argparse
import collections
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from bot.calls.diagnosis import diagnose
from bot.calls.models import CallFailed
from bot.config import load_settings
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import CallAttempt
from bot.genesys.client import GenesysDialer
from bot.genesys.pacing import Pacer, default_burst
from bot.sandbox.genesys import DEMO_USER_ID, GenesysSandbox
from bot.sandbox.render import message_text
from bot.sandbox.slash_command import SlashResponse
from bot.sandbox.stack import SandboxStack
from bot.slack.app import CALL_WORKERS

CALL_DEADLINE = 300  # seconds; long enough for every queued call to get its turn
CONVERSATION_ID = re.compile(r"Conversation ID: `?[0-9a-f-]{36}")


def print_machine() -> None:
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")


def print_stand_in(sandbox: GenesysSandbox, rpm: int) -> None:
    api_requests = sandbox.count(path_prefix="/api/v2/")
    print(f"requests seen by the stand-in: {api_requests} to /api/v2/, "
          f"{sandbox.count('POST', '/oauth/token')} token request(s)")
    print(f"max /api/v2/ requests in any 60 s window: {sandbox.max_requests_in_window(60.0)} (limit {rpm})")
    print(f"max /api/v2/ requests in any 1 s window: {sandbox.max_requests_in_window(1.0)}")
    print(f"429 responses from the stand-in's rate limit: {sandbox.rate_limited}")


def wait_for_final_attempts(database_url: str, count: int, timeout: float) -> list[CallAttempt]:
    """Poll the audit table until ``count`` rows exist and none is pending; return them."""
    sessions = make_session_factory(make_engine(database_url))
    deadline = time.monotonic() + timeout
    rows: list[CallAttempt] = []
    while time.monotonic() < deadline:
        with sessions() as session:
            rows = list(session.scalars(select(CallAttempt)))
        if len(rows) >= count and all(row.outcome != "pending" for row in rows):
            break
        time.sleep(0.2)
    return rows


def run_whole_bot(calls: int, rpm: int, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-pacing-") as directory:
        database_url = database_url or f"sqlite:///{Path(directory) / 'callbot.db'}"
        env = {"GENESYS_REQUESTS_PER_MINUTE": str(rpm), "CALL_DEADLINE": str(CALL_DEADLINE)}
        with SandboxStack(database_url=database_url, extra_env=env) as stack:
            stack.genesys.set_rate_limit(rpm)
            stack.serve_subprocess(log_path=Path(directory) / "serve.log")

            texts = [f"(415) 555-{index:04d}" for index in range(calls)]
            start = threading.Barrier(calls)

            def send(text: str) -> SlashResponse:
                start.wait()
                return stack.slash(text)

            fired_at = datetime.now(timezone.utc)
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=calls) as pool:
                responses = list(pool.map(send, texts))
            rows = wait_for_final_attempts(database_url, calls, timeout=CALL_DEADLINE + 60)
            waited = time.monotonic() - started

            finished = [row.finished_at for row in rows if row.finished_at is not None]
            if finished:
                last = max(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc) for moment in finished)
                total = (last - fired_at).total_seconds()
            else:
                total = waited
            acks = [response.seconds * 1000 for response in responses]
            statuses = collections.Counter(response.status for response in responses)
            outcomes = collections.Counter(row.outcome for row in rows)
            threads_with_id = sum(
                1 for row in rows
                if row.slack_message_ts and any(
                    CONVERSATION_ID.search(message_text(message)) for message in stack.slack.thread(row.slack_message_ts)
                )
            )

            print_machine()
            print(f"mode: whole bot (python -m bot serve under gunicorn, {database_url.split(':')[0]} database)")
            print(f"/call commands fired at once: {calls}; GENESYS_REQUESTS_PER_MINUTE={rpm}; "
                  f"pacer burst {default_burst(rpm)}; stand-in limit {rpm} per 60 s per token; "
                  f"CALL_DEADLINE={CALL_DEADLINE}; call workers {CALL_WORKERS}")
            print(f"total time, first command to last final outcome: {total:.1f} s")
            print(f"acknowledgements: HTTP {dict(statuses)}; latency median {statistics.median(acks):.0f} ms, "
                  f"max {max(acks):.0f} ms")
            print_stand_in(stack.genesys, rpm)
            print(f"audit table outcomes: {dict(outcomes)}; placed {outcomes['placed']} of {calls}")
            print(f"Slack threads with a conversation ID: {threads_with_id} of {calls}")
            return 0 if stack.genesys.rate_limited == 0 and outcomes["placed"] == calls else 1


def run_dialer(calls: int, rpm: int) -> int:
    burst = default_burst(rpm)
    sandbox = GenesysSandbox(requests_per_minute=rpm).start()
    try:
        settings = load_settings(
            {
                "GENESYS_CLIENT_ID": sandbox.client_id,
                "GENESYS_CLIENT_SECRET": sandbox.client_secret,
                "GENESYS_API_HOST": sandbox.url,
                "GENESYS_REQUESTS_PER_MINUTE": str(rpm),
                "CALL_DEADLINE": str(CALL_DEADLINE),
            },
            dotenv_path=None,
        )
        dialer = GenesysDialer(settings, pacer=Pacer(requests_per_minute=rpm, burst=burst))
        dialer.warm_up()

        outcomes: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()

        def place(index: int) -> None:
            try:
                dialer.place_call(
                    genesys_user_id=DEMO_USER_ID, phone_number=f"+1415555{index:04d}", caller_id=None, caller_name=None,
                )
                kind = "placed"
            except CallFailed as error:
                kind = diagnose(error.failure).kind
            with lock:
                outcomes[kind] += 1

        threads = [threading.Thread(target=place, args=(index,)) for index in range(calls)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started

        print_machine()
        print(f"mode: one GenesysDialer; calls fired at once: {calls}; GENESYS_REQUESTS_PER_MINUTE={rpm}; "
              f"burst {burst}; stand-in limit {rpm} per 60 s per token")
        print(f"total time: {elapsed:.1f} s")
        print_stand_in(sandbox, rpm)
        print(f"placed: {outcomes['placed']} of {calls}")
        others = {kind: count for kind, count in outcomes.items() if kind != "placed"}
        if others:
            print(f"not placed, by diagnosis: {others}")
        return 0 if sandbox.rate_limited == 0 and outcomes["placed"] == calls else 1
    finally:
        sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="commands (or dialer calls) fired at once (default: 100)")
    parser.add_argument("--rpm", type=int, default=60,
                        help="GENESYS_REQUESTS_PER_MINUTE and the stand-in's limit per 60 s (default: 60)")
    parser.add_argument("--dialer", action="store_true",
                        help="drive one GenesysDialer directly instead of the whole bot")
    parser.add_argument("--database-url", default=None,
                        help="database of the whole-bot mode (default: SQLite in a temporary directory)")
    args = parser.parse_args()
    if args.calls < 1 or args.rpm < 1:
        parser.error(f"--calls and --rpm must be 1 or more (got {args.calls} and {args.rpm})")
    if args.dialer:
        return run_dialer(args.calls, args.rpm)
    return run_whole_bot(args.calls, args.rpm, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
