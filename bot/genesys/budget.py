"""The time budget of one operation: a deadline, and the waits taken against it."""

from __future__ import annotations

import logging
from typing import Callable

log = logging.getLogger(__name__)

# Waits at least this long are announced through ``on_wait`` so the Slack user learns
# that the call is queued and why.
ANNOUNCE_WAIT_AFTER = 3.0


class DeadlineExceeded(Exception):
    """A wait would end after the deadline, so it was not started."""

    def __init__(self, seconds: float, reason: str, remaining: float) -> None:
        super().__init__(f"waiting {seconds:.1f} s ({reason}) would pass the deadline ({remaining:.1f} s left)")
        self.seconds = seconds
        self.reason = reason
        self.remaining = remaining


class Budget:
    """The deadline of one operation, with the clock and sleep that measure it.

    deadline: absolute ``clock()`` time by which the operation must have its answer.
    on_wait: called with ``(seconds, reason)`` before any wait of at least
        ``ANNOUNCE_WAIT_AFTER`` seconds; its exceptions are logged and ignored so a
        failing Slack message cannot break a call.
    """

    def __init__(
        self,
        *,
        deadline: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self.deadline = deadline
        self.clock = clock
        self._sleep = sleep
        self._on_wait = on_wait

    def remaining(self) -> float:
        return self.deadline - self.clock()

    def check(self, seconds: float, reason: str) -> None:
        """Raise DeadlineExceeded if a wait of ``seconds`` would end after the deadline."""
        remaining = self.remaining()
        if seconds > remaining:
            raise DeadlineExceeded(seconds, reason, remaining)

    def wait(self, seconds: float, reason: str) -> None:
        """Sleep ``seconds``, announcing long waits; raise DeadlineExceeded instead if it would pass the deadline."""
        if seconds <= 0:
            return
        self.check(seconds, reason)
        self.announce(seconds, reason)
        self.sleep(seconds)

    def sleep(self, seconds: float) -> None:
        """Sleep without checks or announcement; callers have checked the deadline."""
        self._sleep(seconds)

    def announce(self, seconds: float, reason: str) -> None:
        """Call ``on_wait`` when the wait is long enough to tell the user about."""
        if self._on_wait is None or seconds < ANNOUNCE_WAIT_AFTER:
            return
        try:
            self._on_wait(seconds, reason)
        except Exception:
            log.exception("on_wait callback failed for a %.1f s wait (%s); continuing", seconds, reason)
