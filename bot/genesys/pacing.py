"""Client-side pacing: keep this process under its Genesys request budget.

Genesys Cloud limits requests per OAuth token (300 per minute by default) and answers
429 beyond that. The bot paces itself so that a burst of slash commands queues here,
where the wait is announced to the user and bounded by the call's deadline, instead
of drawing 429s.

NOTE: the limiter lives in process memory, so it paces one process only. Processes
that share an OAuth client must split the budget (GENESYS_REQUESTS_PER_MINUTE set to
the Genesys limit divided by the number of processes) until pacing moves into the
shared database.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from bot.genesys.budget import Budget

REASON_PACING = "the bot is pacing its requests to stay under the Genesys Cloud rate limit"


def default_burst(requests_per_minute: int) -> int:
    """Return the default burst: a tenth of the per-minute budget, between 1 and 10 requests."""
    return max(1, min(10, requests_per_minute // 10))


class Pacer:
    """A thread-safe token bucket sized so that no 60-second window exceeds the budget.

    The bucket holds up to ``burst`` tokens and refills at
    ``(requests_per_minute - burst) / 60`` tokens per second. Any 60 s window then sees
    at most ``burst + (requests_per_minute - burst)`` = ``requests_per_minute``
    requests, whether Genesys counts in fixed or sliding minutes (for a budget of 1 per
    minute the refill is 1/60 per second and a closed window can hold 2). After the
    burst, requests are spaced evenly.

    Callers reserve a slot and then sleep until it comes, so they are served in the
    order they asked, and a caller whose slot would come after its deadline is rejected
    without taking a slot.
    """

    def __init__(
        self,
        *,
        requests_per_minute: int,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_minute < 1:
            raise ValueError(f"requests_per_minute must be at least 1, got {requests_per_minute}")
        if burst is None:
            burst = default_burst(requests_per_minute)
        if not 1 <= burst <= requests_per_minute:
            raise ValueError(f"burst must be between 1 and requests_per_minute ({requests_per_minute}), got {burst}")
        self.requests_per_minute = requests_per_minute
        self.burst = burst
        self.rate = max(requests_per_minute - burst, 1) / 60.0  # tokens per second
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated_at = clock()

    def acquire(self, budget: Budget) -> float:
        """Take one request slot, sleeping until it comes; return the seconds waited.

        Raises DeadlineExceeded, without taking a slot, when the slot would come after
        the budget's deadline.
        """
        with self._lock:
            wait = self._wait_for_next_slot()
            budget.check(wait, REASON_PACING)
            self._tokens -= 1.0
        budget.announce(wait, REASON_PACING)
        if wait > 0:
            budget.sleep(wait)
        return wait

    def _wait_for_next_slot(self) -> float:
        """Refill the bucket up to now and return how long the next slot is away (lock held)."""
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated_at) * self.rate)
        self._updated_at = now
        if self._tokens >= 1.0:
            return 0.0
        return (1.0 - self._tokens) / self.rate
