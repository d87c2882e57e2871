"""Local stand-in of the Genesys Cloud login service and Platform API, on loopback.

One port serves both ``/oauth/token`` and ``/api/v2/...``: the SDK derives the login
host by replacing ``//api.`` in the API host, which leaves ``http://127.0.0.1:PORT``
unchanged. Tests, the demo and ``python -m bot sandbox genesys`` drive it in process
or through the control API under ``/__sandbox/``.

Like Genesys Cloud it can limit the requests per access token (``requests_per_minute``)
and respond with 429 and Retry-After beyond the limit. By default it has no limit.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from bot.sandbox import genesys_calls as calls_model
from bot.sandbox.genesys_auth import TokenStore, token_response
from bot.sandbox.genesys_control import handle_control
from bot.sandbox.genesys_calls import CALL_PERMISSIONS, DEMO_USER_ID, DEMO_USER_NAME
from bot.sandbox.genesys_faults import Fault, FaultBook, RateLimit, error_body
from bot.sandbox.server import JSONHandler, LoopbackServer

__all__ = ["DEMO_USER_ID", "Fault", "GenesysSandbox", "RecordedRequest"]

CONTROL_PREFIX = "/__sandbox/"
CORRELATION_HEADER = "inin-correlation-id"
RATE_LIMITED_PREFIX = "/api/v2/"  # the paths that the rate limit counts


@dataclass
class RecordedRequest:
    """One request the stand-in received (control requests excepted)."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # as sent, including Authorization
    body: Any  # parsed JSON, a dict of form fields, or None when empty
    time: float  # time.time() at arrival
    token: str | None  # bearer token, or None
    correlation_id: str
    fault: str | None = None  # action of the fault applied, if any
    rate_limited: bool = False  # True when the rate limit responded with 429
    status: int | None = None  # HTTP status sent; None while pending or when no response was sent

    def header(self, name: str) -> str | None:
        """Return a header value, matching the name without regard to case."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _ApiError(Exception):
    """Stops handling; the stand-in responds with an ErrorBody."""

    def __init__(self, status: int, *, code: str | None = None, message: str | None = None,
                 message_with_params: str | None = None, message_params: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or code or str(status))
        self.status = status
        self.code = code
        self.message = message
        self.message_with_params = message_with_params
        self.message_params = message_params
        self.headers = headers or {}


class _GenesysHandler(JSONHandler):
    def do_GET(self) -> None:
        self.server.sandbox.handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


class GenesysSandbox(LoopbackServer):
    """Genesys Cloud stand-in: client-credentials tokens, calls, users, scripted faults and a rate limit.

    requests_per_minute: requests to /api/v2/ that one access token may make in any
        ``rate_limit_window`` seconds; more get 429 too.many.requests.retry.after with
        Retry-After. None: no limit. Requests without a valid token get their 401
        first and are not counted.
    rate_limit_window: length of the sliding window in seconds; 60 as in Genesys
        Cloud. Tests shorten it to see a Retry-After wait end within seconds.
    clock: time source of the rate limit window, in seconds.
    """

    handler_class = _GenesysHandler

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = "sandbox-client",
        client_secret: str = "sandbox-secret",
        token_ttl: float = 86400,
        permissions: set[str] | None = None,
        requests_per_minute: int | None = None,
        rate_limit_window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(host=host, port=port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.permissions: set[str] = {"conversation:call:add"} if permissions is None else set(permissions)
        self.requests: list[RecordedRequest] = []
        self.calls: dict[str, dict[str, Any]] = {}
        self.users: dict[str, str] = {DEMO_USER_ID: DEMO_USER_NAME}
        self.faults = FaultBook()
        self.rate_limit = RateLimit(limit=requests_per_minute, window=rate_limit_window, clock=clock)
        self._lock = threading.Lock()
        self._requests_changed = threading.Condition(self._lock)
        self._tokens = TokenStore()
        self._gate = threading.Event()
        self._held_count = 0

    # --- scripting -------------------------------------------------------

    def add_user(self, user_id: str, name: str = "Sandbox User") -> None:
        with self._lock:
            self.users[user_id] = name

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_rate_limit(self, requests_per_minute: int | None, *, window: float = 60.0) -> None:
        """Limit each access token to ``requests_per_minute`` requests per ``window`` seconds; None removes the limit.

        Raises ValueError for a limit below 1 or a window of 0 seconds or less.
        """
        self.rate_limit.configure(limit=requests_per_minute, window=window)

    @property
    def requests_per_minute(self) -> int | None:
        """Requests per window that one access token may make; None when there is no limit."""
        return self.rate_limit.limit

    @property
    def rate_limited(self) -> int:
        """Number of requests that the rate limit responded to with 429 since the last reset()."""
        return self.rate_limit.rejected

    def reset(self) -> None:
        """Forget faults, recorded requests, calls, tokens and the rate limit's counts, and release held requests.

        Users and the rate limit's setting stay.
        """
        self.faults.clear()
        self.rate_limit.reset()
        self.release()
        with self._lock:
            self.requests.clear()
            self.calls.clear()
        self._tokens.clear()

    def expire_tokens(self) -> None:
        """Make every token issued so far fail with 401 credentials.expired."""
        self._tokens.expire_all()

    def release(self) -> None:
        """Let every request received so far pass its "hold" fault; later requests are held again."""
        with self._lock:
            gate, self._gate = self._gate, threading.Event()
        gate.set()

    @property
    def held(self) -> int:
        """Number of requests waiting for release()."""
        with self._lock:
            return self._held_count

    def set_participant_state(self, conversation_id: str, *, purpose: str, state: str,
                              disconnect_type: str | None = None) -> None:
        """Set the state of the call's participants with ``purpose``; the call then stops advancing by itself."""
        with self._lock:
            call = self.calls.get(conversation_id)
            if call is None:
                raise KeyError(f"no call {conversation_id!r} in the sandbox")
            matched = [p for p in call["participants"] if p["purpose"] == purpose]
            if not matched:
                purposes = ", ".join(p["purpose"] for p in call["participants"])
                raise ValueError(f"call {conversation_id} has no participant with purpose {purpose!r}; it has {purposes}")
            for participant in matched:
                calls_model.set_state(participant, state, disconnect_type=disconnect_type)
            call["scripted"] = True

    # --- inspection ------------------------------------------------------

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        """Count recorded requests with this method (any when None) and path prefix."""
        with self._lock:
            return len(self._matching(method, path_prefix))

    def wait_for_count(self, count: int, *, method: str | None = None, path_prefix: str = "",
                       timeout: float = 10.0) -> list[RecordedRequest]:
        """Block until at least ``count`` matching requests arrived; raise AssertionError on timeout."""
        with self._requests_changed:
            arrived = self._requests_changed.wait_for(
                lambda: len(self._matching(method, path_prefix)) >= count, timeout=timeout,
            )
            matching = self._matching(method, path_prefix)
            if not arrived:
                seen = [f"{r.method} {r.path}" for r in self.requests]
                raise AssertionError(
                    f"expected {count} request(s) {method or 'ANY'} {path_prefix or '/'}* within {timeout} s, "
                    f"got {len(matching)}; all requests: {seen}"
                )
            return matching

    def max_requests_in_window(self, window: float = 60.0, *, path_prefix: str = RATE_LIMITED_PREFIX) -> int:
        """Return the maximum number of requests with this path prefix that arrived within any ``window`` seconds."""
        with self._lock:
            arrivals = sorted(r.time for r in self.requests if r.path.startswith(path_prefix))
        maximum = 0
        end = 0
        for start_index, start in enumerate(arrivals):
            while end < len(arrivals) and arrivals[end] < start + window:
                end += 1
            maximum = max(maximum, end - start_index)
        return maximum

    def _matching(self, method: str | None, path_prefix: str) -> list[RecordedRequest]:
        return [
            r for r in self.requests
            if (method is None or r.method == method.upper()) and r.path.startswith(path_prefix)
        ]

    # --- request handling ------------------------------------------------

    def handle(self, handler: JSONHandler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        raw = handler.read_body()
        if path.startswith(CONTROL_PREFIX):
            status = handle_control(self, handler, path=path, raw=raw)
            self.notify_response(handler.command, path, status, "control")
            return

        body, _ = handler.parse_body(raw)
        authorization = handler.headers.get("Authorization") or ""
        record = RecordedRequest(
            method=handler.command,
            path=path,
            query=parse_qs(parts.query),
            headers=dict(handler.headers.items()),
            body=body,
            time=time.time(),
            token=authorization[7:].strip() if authorization.lower().startswith("bearer ") else None,
            correlation_id=str(uuid.uuid4()),
        )
        with self._requests_changed:
            self.requests.append(record)
            # A later release() lets this request pass a hold, even if it has not reached the hold yet.
            gate = self._gate
            self._requests_changed.notify_all()

        fault = self.faults.take(handler.command, path)
        if fault is not None:
            record.fault = fault.action
            if not self._apply_fault(fault, handler, record, gate):
                self.notify_response(handler.command, path, record.status, f"fault {fault.action}")
                return

        status, payload, headers = self._route(record)
        headers = {CORRELATION_HEADER: record.correlation_id, **headers}
        record.status = status
        handler.send_json(status, payload, headers)
        self.notify_response(handler.command, path, status, self._describe(record, fault))

    def _apply_fault(self, fault: Fault, handler: JSONHandler, record: RecordedRequest,
                     gate: threading.Event) -> bool:
        """Carry out a fault; return True when the request should then be handled normally."""
        if fault.action == "respond":
            status = fault.status or 500
            headers = {CORRELATION_HEADER: record.correlation_id}
            if status == 429:
                headers["Retry-After"] = "1"
            headers.update(fault.headers or {})
            if fault.body is not None:
                body = fault.body
            else:
                retry_after = next((v for k, v in headers.items() if k.lower() == "retry-after"), "1")
                body = error_body(status, correlation_id=record.correlation_id, retry_after=retry_after)
            record.status = status
            handler.send_json(status, body, headers)
            return False
        if fault.action == "drop":
            return False
        if fault.action == "hang":
            handler.wait_for_client_close(timeout=fault.hang_seconds, stopping=self.stopping)
            return False
        if fault.action == "hold":
            with self._lock:
                self._held_count += 1
            try:
                while not gate.is_set() and not self.stopping.is_set():
                    gate.wait(0.1)
            finally:
                with self._lock:
                    self._held_count -= 1
            return not self.stopping.is_set()
        if fault.action == "delay":
            self.stopping.wait(fault.delay)
            return not self.stopping.is_set()
        raise AssertionError(f"unhandled fault action {fault.action}")

    @staticmethod
    def _describe(record: RecordedRequest, fault: Fault | None) -> str:
        details = []
        if fault is not None:
            details.append(f"fault {fault.action}")
        if record.rate_limited:
            details.append("rate limited")
        if isinstance(record.body, dict) and isinstance(record.body.get("phoneNumber"), str):
            details.append(f"phoneNumber {mask_number(record.body['phoneNumber'])}")
        return ", ".join(details)

    def _route(self, record: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        try:
            if record.path == "/oauth/token":
                return token_response(
                    method=record.method, authorization=record.header("Authorization"), form=record.body,
                    client_id=self.client_id, client_secret=self.client_secret, tokens=self._tokens,
                    ttl=self.token_ttl,
                )
            if record.path.startswith("/api/"):
                self._authenticate(record)
            if record.path.startswith(RATE_LIMITED_PREFIX):
                self._check_rate_limit(record)
            for method, pattern, action in self._routes():
                match = pattern.fullmatch(record.path)
                if match and method == record.method:
                    return action(record, *match.groups())
            raise _ApiError(404)
        except _ApiError as error:
            body = error_body(
                error.status, correlation_id=record.correlation_id, code=error.code, message=error.message,
                message_with_params=error.message_with_params, message_params=error.message_params,
            )
            return error.status, body, error.headers

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any, dict[str, str]]]]]:
        return [
            ("POST", re.compile(r"/api/v2/conversations/calls/user/([^/]+)"), self._create_call_for_user),
            ("POST", re.compile(r"/api/v2/conversations/calls"), self._create_call_as_token_user),
            ("GET", re.compile(r"/api/v2/conversations/calls/([^/]+)"), self._get_call),
            ("PATCH", re.compile(r"/api/v2/conversations/calls/([^/]+)"), self._patch_call),
            ("PATCH", re.compile(r"/api/v2/conversations/calls/([^/]+)/participants/([^/]+)"), self._patch_participant),
            ("GET", re.compile(r"/api/v2/users/([^/]+)"), self._get_user),
        ]

    # --- login service ---------------------------------------------------

    def _authenticate(self, record: RecordedRequest) -> None:
        problem = self._tokens.problem(record.token, ttl=self.token_ttl)
        if problem is not None:
            code, message = problem
            raise _ApiError(401, code=code, message=message)

    def _check_rate_limit(self, record: RecordedRequest) -> None:
        # _authenticate() let the request through, so it has a valid token.
        retry_after = self.rate_limit.admit(record.token or "")
        if retry_after is None:
            return
        record.rate_limited = True
        raise _ApiError(
            429, code="too.many.requests.retry.after",
            message=f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds",
            headers={"Retry-After": str(retry_after)},
        )

    # --- Platform API ----------------------------------------------------

    def _create_call_for_user(self, record: RecordedRequest, user_id: str) -> tuple[int, Any, dict[str, str]]:
        if not self.permissions & set(CALL_PERMISSIONS):
            listed = f"[{', '.join(CALL_PERMISSIONS)}]"
            template = "Unable to perform the requested action. You are missing the following permission(s): {permissions}"
            raise _ApiError(
                403, code="missing.any.permissions", message=template.format(permissions=listed),
                message_with_params=template, message_params={"permissions": listed},
            )
        with self._lock:
            user_name = self.users.get(user_id)
        if user_name is None:
            raise _ApiError(404)
        problem = calls_model.check_create_call(record.body)
        if problem is not None:
            raise _ApiError(problem.status, code=problem.code, message=problem.message)

        call = calls_model.new_call(user_id=user_id, user_name=user_name, request=record.body)
        with self._lock:
            self.calls[call["id"]] = call
        return 200, calls_model.create_call_response(call), {}

    def _create_call_as_token_user(self, record: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        # Every token of this stand-in comes from client credentials, so it has no user.
        raise _ApiError(
            400, code="bad.request",
            message="This request requires a user context. Client credentials cannot be used for requests to this resource.",
        )

    def _get_call(self, record: RecordedRequest, conversation_id: str) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            call = self.calls.get(conversation_id)
            if call is None:
                raise _ApiError(404)
            calls_model.advance_on_poll(call)
            return 200, calls_model.conversation_json(call), {}

    def _patch_call(self, record: RecordedRequest, conversation_id: str) -> tuple[int, Any, dict[str, str]]:
        return self._disconnect(record, conversation_id, participant_id=None)

    def _patch_participant(self, record: RecordedRequest, conversation_id: str,
                           participant_id: str) -> tuple[int, Any, dict[str, str]]:
        return self._disconnect(record, conversation_id, participant_id=participant_id)

    def _disconnect(self, record: RecordedRequest, conversation_id: str,
                    participant_id: str | None) -> tuple[int, Any, dict[str, str]]:
        state = record.body.get("state") if isinstance(record.body, dict) else None
        if state != "disconnected":
            raise _ApiError(400, code="invalid.value",
                            message=f"Invalid value for state: {state!r}; only 'disconnected' is supported.")
        with self._lock:
            call = self.calls.get(conversation_id)
            if call is None:
                raise _ApiError(404)
            targets = [p for p in call["participants"] if participant_id is None or p["id"] == participant_id]
            if not targets:
                raise _ApiError(404)
            for participant in targets:
                if participant["state"] not in ("disconnected", "terminated"):
                    calls_model.set_state(participant, "disconnected", disconnect_type="client")
            call["scripted"] = True
            if participant_id is not None:
                return 202, {}, {}
            return 200, calls_model.conversation_json(call), {}

    def _get_user(self, record: RecordedRequest, user_id: str) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            name = self.users.get(user_id)
        if name is None:
            raise _ApiError(404)
        return 200, calls_model.user_json(user_id, name), {}


def mask_number(number: str) -> str:
    """Hide all but the last four digits of a phone number, for logs."""
    digits = re.sub(r"\D", "", number)
    return f"***{digits[-4:]}" if len(digits) > 4 else "***"
