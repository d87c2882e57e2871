"""Faults the Genesys stand-in can inject, its rate limit, and the ErrorBody of its error responses.

Error codes and messages follow the Genesys Cloud API definition (ErrorBody model of
the Python SDK, PureCloudPlatformClientV2 269) and error responses seen from the
service; the few that are not documented carry a NOTE.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from http import HTTPStatus
from typing import Any, Callable

# action -> what the stand-in does with a matching request. The CLI help prints this.
FAULT_ACTIONS: dict[str, str] = {
    "respond": "respond with `status`, `body` and `headers` instead of handling the request; "
               "without a body the response is a Genesys ErrorBody for that status "
               "(429 adds Retry-After: 1 unless `headers` sets it)",
    "drop": "read the whole request, then close the connection without any response",
    "hang": "read the request and never respond; the connection closes when the client gives up "
            "or after `hang_seconds`",
    "hold": "keep the request waiting until released (release() or POST /__sandbox/release), "
            "then handle it normally",
    "delay": "wait `delay` seconds, then handle the request normally",
}

# status -> (code, message) used when a fault or a check gives only the status.
DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad.request", "The request could not be understood by the server due to malformed syntax."),
    401: ("authentication.required", "No authentication bearer token specified in authorization header."),
    403: ("not.authorized", "You are not authorized to perform the requested action."),
    404: ("not.found", "The requested resource was not found."),
    408: ("client.timeout", "The client did not produce a request within the time the server was prepared to wait."),
    413: ("request.entity.too.large", "The request is larger than the server is willing or able to process."),
    415: ("unsupported.media.type", "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header."),
    429: ("too.many.requests.retry.after", "Rate limit exceeded the maximum. Retry the request in [{seconds}] seconds"),
    500: ("internal.server.error", "The server encountered an unexpected condition which prevented it from fulfilling the request."),
    # NOTE: the API definition lists no code for 502, and a gateway may send a 502
    # without an ErrorBody. The stand-in sends one so that clients can parse it.
    502: ("bad.gateway", "Bad Gateway"),
    503: ("service.unavailable", "Service Unavailable"),
    504: ("request.timeout", "The request timed out."),
}


def error_body(
    status: int,
    *,
    correlation_id: str,
    code: str | None = None,
    message: str | None = None,
    message_with_params: str | None = None,
    message_params: dict[str, str] | None = None,
    retry_after: str = "1",
) -> dict[str, Any]:
    """Build a Genesys ErrorBody; code and message default to the usual ones for ``status``."""
    default_code, default_message = DEFAULT_ERRORS.get(status, ("error", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "message": message if message is not None else default_message.format(seconds=retry_after),
        "code": code or default_code,
        "status": status,
        "messageParams": message_params or {},
        "contextId": correlation_id,
        "details": [],
        "errors": [],
    }
    if message_with_params is not None:
        body["messageWithParams"] = message_with_params
    return body


@dataclass
class Fault:
    """One scripted misbehaviour, applied to the requests it matches in arrival order."""

    method: str | None = None  # None matches every method
    path_prefix: str = ""  # matches paths starting with it, e.g. "/oauth/token"
    times: int | None = 1  # matching requests it applies to; 0 or None means every one
    action: str = "respond"  # a key of FAULT_ACTIONS
    status: int | None = None  # "respond" only; default 500
    body: dict[str, Any] | None = None  # "respond" only; default an ErrorBody for `status`
    headers: dict[str, str] | None = None  # "respond" only
    delay: float = 0.0  # seconds, "delay" only
    hang_seconds: float = 30.0  # seconds a "hang" waits at most before closing the connection

    def __post_init__(self) -> None:
        if self.action not in FAULT_ACTIONS:
            raise ValueError(f"invalid fault action {self.action!r}; expected one of {', '.join(FAULT_ACTIONS)}")
        if self.method is not None:
            self.method = self.method.upper()
        if self.times is not None and self.times < 0:
            raise ValueError(f"invalid fault times {self.times}: expected 0 or more (0 means every request)")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"invalid fault status {self.status}: expected an HTTP status from 100 to 599")
        if self.delay < 0 or self.hang_seconds < 0:
            raise ValueError("invalid fault: delay and hang_seconds must not be negative")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build a Fault from JSON-style data; raise ValueError on unknown or invalid fields."""
        if not isinstance(data, dict):
            raise ValueError(f"a fault must be a JSON object, got {type(data).__name__}")
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}")
        try:
            return cls(**data)
        except TypeError as error:
            raise ValueError(f"invalid fault: {error}") from None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method.upper()) and path.startswith(self.path_prefix)


@dataclass
class _ActiveFault:
    fault: Fault
    remaining: int | None  # None: no limit
    applied: int = field(default=0)


class FaultBook:
    """Thread-safe list of faults; each request consumes one use of the first fault it matches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_ActiveFault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            remaining = fault.times if fault.times else None
            self._faults.append(_ActiveFault(fault=fault, remaining=remaining))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first fault that still applies to this request and count the use."""
        with self._lock:
            for active in self._faults:
                if active.remaining == 0 or not active.fault.matches(method, path):
                    continue
                active.applied += 1
                if active.remaining is not None:
                    active.remaining -= 1
                return active.fault
            return None

    def pending(self) -> list[Fault]:
        """Faults with uses left, in the order they were added."""
        with self._lock:
            return [active.fault for active in self._faults if active.remaining != 0]


class RateLimit:
    """Thread-safe request limit per access token over a sliding window.

    It models the Genesys Cloud limit ``client.credentials.token.rate.per.minute``:
    requests per minute per client-credentials access token, 300 by default. A
    request is admitted while fewer than ``limit`` requests with the same token were
    admitted in the last ``window`` seconds. Rejected requests do not count.
    NOTE: whether Genesys Cloud counts in fixed or sliding minutes, and whether it
    counts rejected requests, is a guess. A sliding window is the stricter reading,
    because no 60 s span, wherever it starts, may contain more than ``limit`` requests.
    """

    def __init__(self, *, limit: int | None = None, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[float]] = {}  # token -> clock() times of admitted requests
        self.limit: int | None = None
        self.window = 60.0
        self.rejected = 0  # requests rejected with 429 since the last reset()
        self.configure(limit=limit, window=window)

    def configure(self, *, limit: int | None, window: float = 60.0) -> None:
        """Set the limit (None: no limit) and the window in seconds; requests already admitted still count."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ValueError(f"invalid rate limit {limit!r}: expected a whole number of requests of 1 or more, or None (JSON null) for no limit")
        if isinstance(window, bool) or not isinstance(window, (int, float)) or not window > 0:
            raise ValueError(f"invalid rate limit window {window!r}: expected a number of seconds greater than 0")
        with self._lock:
            self.limit = limit
            self.window = float(window)

    def admit(self, token: str) -> int | None:
        """Count one request with ``token``; return None when admitted, else the Retry-After in whole seconds.

        Retry-After is the time until the oldest counted request leaves the window,
        rounded up, so a request sent that much later is admitted unless another takes the slot first.
        """
        with self._lock:
            now = self._clock()
            admitted = self._admitted.setdefault(token, deque())
            while admitted and admitted[0] <= now - self.window:
                admitted.popleft()
            if self.limit is None or len(admitted) < self.limit:
                admitted.append(now)
                return None
            self.rejected += 1
            # With more admitted than the limit (after the limit was lowered) the
            # request must wait for the surplus to leave as well.
            oldest_blocking = admitted[len(admitted) - self.limit]
            return max(1, math.ceil(oldest_blocking + self.window - now))

    def reset(self) -> None:
        """Forget admitted requests and the rejected count; the limit and window stay."""
        with self._lock:
            self._admitted.clear()
            self.rejected = 0
