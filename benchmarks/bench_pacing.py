"""Pacing under a burst: many calls fired at once from threads, one dialer, one budget.

Starts the Genesys stand-in in process, builds one GenesysDialer with
GENESYS_REQUESTS_PER_MINUTE set to RPM, fires CALLS place_call()s at once from
threads, and prints how long they took, how many 429 responses the stand-in sent,
how many calls were placed, and the most requests the stand-in saw in any 60 s window.

The pacer allows a burst and then spaces requests so that no 60 s window holds more
than RPM requests, so more than RPM requests take at least about a minute.
NOTE: the stand-in does not enforce a rate limit itself, so its 429 count is 0
unless a fault is scripted; the 60 s window count is the number that shows pacing.

Run: .venv/bin/python benchmarks/bench_pacing.py [CALLS] [RPM] [BURST]
"""

from __future__ import annotations

import collections
import platform
import sys
import threading
import time

from bot.calls.diagnosis import diagnose
from bot.calls.models import CallFailed
from bot.config import load_settings
from bot.genesys.client import GenesysDialer
from bot.genesys.pacing import Pacer, default_burst
from bot.sandbox.genesys import DEMO_USER_ID, GenesysSandbox


def max_in_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    best = 0
    end = 0
    for start_index, start in enumerate(ordered):
        while end < len(ordered) and ordered[end] < start + window:
            end += 1
        best = max(best, end - start_index)
    return best


def main() -> int:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rpm = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    burst = int(sys.argv[3]) if len(sys.argv) > 3 else default_burst(rpm)

    sandbox = GenesysSandbox().start()
    try:
        settings = load_settings(
            {
                "GENESYS_CLIENT_ID": sandbox.client_id,
                "GENESYS_CLIENT_SECRET": sandbox.client_secret,
                "GENESYS_API_HOST": sandbox.url,
                "GENESYS_REQUESTS_PER_MINUTE": str(rpm),
                # Every call must get its turn: the queue is the point of the benchmark.
                "CALL_DEADLINE": "3600",
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

        arrivals = [request.time for request in sandbox.requests]
        too_many = sum(1 for request in sandbox.requests if request.status == 429)
        print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
        print(f"calls fired at once: {calls}; GENESYS_REQUESTS_PER_MINUTE={rpm}; burst {burst}")
        print(f"total time: {elapsed:.1f} s")
        print(f"requests seen by the stand-in: {len(arrivals)} (token requests: {sandbox.count('POST', '/oauth/token')})")
        print(f"max requests in any 60 s window: {max_in_window(arrivals, 60.0)} (budget {rpm})")
        print(f"max requests in any 1 s window: {max_in_window(arrivals, 1.0)}")
        print(f"429 responses: {too_many}")
        print(f"placed: {outcomes['placed']} of {calls}")
        others = {kind: count for kind, count in outcomes.items() if kind != "placed"}
        if others:
            print(f"not placed, by diagnosis: {others}")
        return 0 if too_many == 0 and outcomes["placed"] == calls else 1
    finally:
        sandbox.stop()


if __name__ == "__main__":
    sys.exit(main())
