"""Retry policy for Genesys requests: what to do after each failed attempt, and the loop that does it.

Per failed attempt (see :meth:`RetryPolicy.decide`):

- 401: get a new token and repeat the request once (a 401 means Genesys did not act).
- 429: wait ``Retry-After`` seconds and repeat, unless the wait exceeds
  ``max_retry_after`` (GENESYS_MAX_RETRY_AFTER).
- 503, 504: repeat after a capped exponential backoff with full jitter. Genesys
  answers these before it accepts a request.
- 502: the same for an idempotent request. A create-call POST stops with an unknown
  outcome, because a gateway can answer 502 after Genesys accepted the call, and
  repeating it could ring the callee twice.
- Connection could not be opened: repeat with the same backoff (nothing was sent).
- Read timeout or dropped connection after sending: repeat only an idempotent request
  (GET, token request). A create-call POST stops here with an unknown outcome,
  because Genesys may have placed the call.
- Anything else (400, 403, 404, 500, ...): stop.

No wait starts if it would end after the deadline: the loop stops with the last
failure instead.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from bot.calls.models import (
    TRANSPORT_CONNECT,
    TRANSPORT_DEADLINE,
    TRANSPORT_DROPPED,
    TRANSPORT_TIMEOUT,
    CallFailed,
    GenesysFailure,
)
from bot.genesys.budget import Budget, DeadlineExceeded

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY = "retry"
REAUTHENTICATE = "reauthenticate"
STOP = "stop"

SERVER_BUSY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Decision:
    """What to do after a failed attempt: ``action`` is RETRY, REAUTHENTICATE or STOP."""

    action: str
    delay: float = 0.0
    reason: str = ""


@dataclass
class RetryState:
    """Retries already made for one request, by category (``rate_limited``, ``server``, ``transport``)."""

    reauthenticated: bool = False
    retries: dict[str, int] = field(default_factory=dict)

    def count(self, category: str) -> int:
        return self.retries.get(category, 0)


class AttemptFailed(Exception):
    """One attempt failed; ``sent`` says whether the request may have reached Genesys."""

    def __init__(self, failure: GenesysFailure, *, sent: bool) -> None:
        super().__init__(f"attempt failed: status={failure.status} code={failure.code} transport={failure.transport}")
        self.failure = failure
        self.sent = sent


class RetryPolicy:
    """Decide, per failed attempt, whether and when to repeat a Genesys request.

    base_delay, max_delay: the backoff before retry n is uniform in
        ``[0, min(max_delay, base_delay * 2 ** (n - 1))]`` seconds (full jitter).
    max_retries: retries per category, so 503s cannot use up the 429 allowance.
    """

    def __init__(
        self,
        *,
        max_retry_after: float,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        max_retries: int = 3,
        rng: random.Random | None = None,
    ) -> None:
        self.max_retry_after = max_retry_after
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retries = max_retries
        self._rng = rng or random.Random()

    def decide(self, failure: GenesysFailure, state: RetryState, *, idempotent: bool, can_reauthenticate: bool = True) -> Decision:
        """Return the decision for ``failure``.

        idempotent: False for a create-call POST, which must not be repeated once sent.
        can_reauthenticate: False for the token request itself, where a 401 means bad credentials.
        """
        if failure.status == 401:
            if not can_reauthenticate:
                return Decision(STOP, reason="the token request was refused")
            if state.reauthenticated:
                return Decision(STOP, reason="401 again after a new token")
            return Decision(REAUTHENTICATE, reason="401: requesting a new token and repeating once")

        if failure.status == 429:
            if state.count("rate_limited") >= self.max_retries:
                return Decision(STOP, reason=f"429 after {self.max_retries} rate-limit retries")
            if failure.retry_after is None:
                return self._backoff(state, "rate_limited", "Genesys Cloud rate-limited the bot (429 without Retry-After)")
            if failure.retry_after > self.max_retry_after:
                return Decision(STOP, reason=f"Retry-After {failure.retry_after:g} s exceeds the {self.max_retry_after:g} s the bot accepts")
            return Decision(RETRY, delay=failure.retry_after, reason=f"Genesys Cloud rate-limited the bot (429, Retry-After {failure.retry_after:g} s)")

        if failure.status == 502 and not idempotent:
            return Decision(STOP, reason="a 502 from a gateway may come after Genesys accepted the request")
        if failure.status in SERVER_BUSY_STATUSES:
            return self._backoff(state, "server", f"Genesys Cloud is unavailable (HTTP {failure.status})")

        if failure.transport == TRANSPORT_CONNECT:
            return self._backoff(state, "transport", "could not connect to Genesys Cloud")

        if failure.transport in (TRANSPORT_TIMEOUT, TRANSPORT_DROPPED):
            if not idempotent:
                return Decision(STOP, reason="the request was sent and may have taken effect")
            return self._backoff(state, "transport", f"no response from Genesys Cloud ({failure.transport})")

        return Decision(STOP, reason="not retryable")

    def _backoff(self, state: RetryState, category: str, reason: str) -> Decision:
        retry_number = state.count(category) + 1
        if retry_number > self.max_retries:
            return Decision(STOP, reason=f"{reason}, after {self.max_retries} retries")
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return Decision(RETRY, delay=self._rng.uniform(0.0, ceiling), reason=reason)

    @staticmethod
    def category(failure: GenesysFailure) -> str:
        if failure.status == 429:
            return "rate_limited"
        if failure.status in SERVER_BUSY_STATUSES:
            return "server"
        return "transport"


@dataclass
class Attempts:
    """The attempts of one request: how many reached (or may have reached) Genesys, and the failed ones."""

    sent: int = 0
    failures: list[GenesysFailure] = field(default_factory=list)


def run_with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    budget: Budget,
    phase: str,
    idempotent: bool,
    description: str,
    on_reauthenticate: Callable[[], None] | None,
    attempts: Attempts,
) -> T:
    """Call ``attempt`` until it returns, repeating it as ``policy`` decides within ``budget``.

    ``attempt`` raises AttemptFailed for a failed exchange and DeadlineExceeded when
    it could not send in time. A CallFailed raised inside it (the token request failed)
    ends the loop. Every failure is raised as CallFailed with ``requests_sent`` set
    to ``attempts.sent``. ``on_reauthenticate`` drops the token that drew a 401 (None
    where a 401 cannot be cured by a new token). ``description`` names the request in log lines and must not
    contain secrets or full phone numbers.
    """
    state = RetryState()
    last_failure: GenesysFailure | None = None
    number = 0
    while True:
        number += 1
        try:
            result = attempt()
        except DeadlineExceeded as exc:
            if last_failure is None:
                last_failure = GenesysFailure(phase=phase, transport=TRANSPORT_DEADLINE, transport_detail=str(exc))
            log.warning("Genesys %s: %s; giving up after %d attempt(s)", description, exc, number - 1)
            raise CallFailed(dataclasses.replace(last_failure, requests_sent=attempts.sent)) from None
        except CallFailed as exc:
            raise CallFailed(dataclasses.replace(exc.failure, requests_sent=attempts.sent)) from None
        except AttemptFailed as exc:
            if exc.sent:
                attempts.sent += 1
            failure = exc.failure
        else:
            attempts.sent += 1
            return result

        last_failure = failure
        attempts.failures.append(failure)
        decision = policy.decide(failure, state, idempotent=idempotent, can_reauthenticate=on_reauthenticate is not None)
        if decision.action == STOP:
            _log_final(description, number, failure, decision.reason)
            raise CallFailed(dataclasses.replace(failure, requests_sent=attempts.sent))
        try:
            budget.check(decision.delay, decision.reason)
        except DeadlineExceeded as exc:
            _log_final(description, number, failure, str(exc))
            raise CallFailed(dataclasses.replace(failure, requests_sent=attempts.sent)) from None

        log.warning(
            "Genesys %s: attempt %d failed (status %s, code %s, transport %s, correlation ID %s); %s; retrying in %.1f s",
            description, number, failure.status, failure.code, failure.transport, failure.correlation_id,
            decision.reason, decision.delay,
        )
        if decision.action == REAUTHENTICATE and on_reauthenticate is not None:
            state.reauthenticated = True
            on_reauthenticate()
        else:
            category = policy.category(failure)
            state.retries[category] = state.count(category) + 1
        budget.wait(decision.delay, decision.reason)


def _log_final(description: str, number: int, failure: GenesysFailure, reason: str) -> None:
    log.warning(
        "Genesys %s: attempt %d failed (status %s, code %s, transport %s, correlation ID %s); not retrying: %s",
        description, number, failure.status, failure.code, failure.transport, failure.correlation_id, reason,
    )
