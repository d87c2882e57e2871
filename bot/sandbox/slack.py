"""Local stand-in of the Slack Web API and of slash-command response URLs, on loopback.

The Web API lives under ``url + "/api/"``, so ``WebClient(base_url=url + "/api/")``
talks to it. Like Slack, it reports API errors as ``{"ok": false, "error": ...}``
with HTTP 200, except rate limits, which get HTTP 429 with Retry-After.
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from bot.sandbox.server import JSONHandler, LoopbackServer
from bot.sandbox.slack_control import handle_control

__all__ = ["DEFAULT_CHANNEL", "SlackMessage", "SlackRequest", "SlackSandbox"]

DEFAULT_CHANNEL = "C0SANDBOX"
BOT_USER_ID = "U0SANDBOXBOT"
BOT_ID = "B0SANDBOX"
CHANNEL_KINDS = ("public", "private", "im")

# Slack accepts up to five messages per response URL within 30 minutes.
RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60.0

@dataclass
class SlackMessage:
    """One message the bot sent, through the Web API or a response URL."""

    api: str  # Web API method ("chat.postMessage", "chat.update", "chat.postEphemeral") or "response_url"
    channel: str | None
    text: str | None
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    ts: str | None  # the message's own ts; for chat.update the ts of the edited message
    user: str | None  # recipient of an ephemeral message
    response_type: str | None
    replace_original: bool | None
    delete_original: bool | None
    raw: dict[str, Any]  # the request payload as received (token removed)
    url: str | None = None  # the response URL used, for api "response_url"
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SlackRequest:
    """One Web API or response URL request and the error it got (None on success)."""

    api: str  # Web API method name or "response_url"
    status: int
    error: str | None
    time: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Fault:
    method: str
    error: str | None
    status: int
    retry_after: float | None
    remaining: int | None  # None: no limit


@dataclass
class _ResponseURL:
    created: float
    uses: int = 0


class _ApiError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _SlackHandler(JSONHandler):
    def do_GET(self) -> None:
        self.server.sandbox.handle(self)

    do_POST = do_GET


class SlackSandbox(LoopbackServer):
    """Slack Web API stand-in: channels with bot membership, recorded messages, scripted errors."""

    handler_class = _SlackHandler

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, bot_token: str = "xoxb-sandbox-token",
                 team_id: str = "T0SANDBOX") -> None:
        super().__init__(host=host, port=port)
        self.bot_token = bot_token
        self.team_id = team_id
        self.messages: list[SlackMessage] = []
        self.requests: list[SlackRequest] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._channels: dict[str, tuple[bool, str]] = {}  # id -> (bot is member, kind)
        self._posted: dict[tuple[str, str], SlackMessage] = {}  # (channel, ts) -> bot message
        self._response_urls: dict[str, _ResponseURL] = {}
        self._faults: list[_Fault] = []
        self._sequence = 0
        self.reset()

    # --- scripting -------------------------------------------------------

    def add_channel(self, channel_id: str, *, member: bool = True, kind: str = "public") -> None:
        if kind not in CHANNEL_KINDS:
            raise ValueError(f"invalid channel kind {kind!r}; expected one of {', '.join(CHANNEL_KINDS)}")
        with self._lock:
            self._channels[channel_id] = (member, kind)

    def new_response_url(self) -> str:
        """Create a response URL like Slack sends with a slash command; POSTs to it are recorded."""
        url_id = secrets.token_hex(8)
        with self._lock:
            self._response_urls[url_id] = _ResponseURL(created=time.monotonic())
        return f"{self.url}/response/{url_id}"

    def add_fault(self, method_name: str, *, error: str | None = None, status: int = 200,
                  retry_after: float | None = None, times: int | None = 1) -> None:
        """Make the next ``times`` calls of ``method_name`` fail (0 or None: every call).

        Status 429 sends the error ``ratelimited`` with a Retry-After header (default 1 s).
        ``method_name`` "response_url" applies to response URL posts.
        """
        if status == 200 and error is None:
            raise ValueError("a fault needs an error code, a non-200 status, or both")
        with self._lock:
            self._faults.append(_Fault(method=method_name, error=error, status=status, retry_after=retry_after,
                                       remaining=times if times else None))

    def reset(self) -> None:
        """Forget messages, requests, faults and response URLs; keep only the default channel."""
        with self._lock:
            self.messages.clear()
            self.requests.clear()
            self._posted.clear()
            self._response_urls.clear()
            self._faults.clear()
            self._channels = {DEFAULT_CHANNEL: (True, "public")}

    # --- inspection ------------------------------------------------------

    def wait_for(self, predicate: Callable[[SlackMessage], bool], timeout: float = 10.0) -> SlackMessage:
        """Return the first recorded message matching ``predicate``, waiting up to ``timeout`` seconds.

        Raises AssertionError listing the messages received when none matches in time.
        """
        with self._changed:
            found: list[SlackMessage] = []

            def matched() -> bool:
                found[:] = [message for message in self.messages if predicate(message)][:1]
                return bool(found)

            if self._changed.wait_for(matched, timeout=timeout):
                return found[0]
            received = [f"{m.api} {m.channel or m.url}: {m.text!r}" for m in self.messages]
        raise AssertionError(f"no matching Slack message within {timeout} s; received {len(received)}: {received}")

    def thread(self, ts: str) -> list[SlackMessage]:
        """Return the replies in the thread of message ``ts``, in order."""
        with self._lock:
            return [message for message in self.messages if message.thread_ts == ts]

    def count(self, method_name: str | None = None) -> int:
        """Count requests to ``method_name`` (every request when None), failed ones included."""
        with self._lock:
            return sum(1 for request in self.requests if method_name in (None, request.api))

    # --- request handling ------------------------------------------------

    def handle(self, handler: JSONHandler) -> None:
        path = urlsplit(handler.path).path
        raw = handler.read_body()
        if path.startswith("/__sandbox/"):
            status = handle_control(self, handler, path=path, raw=raw)
        elif path.startswith("/api/"):
            status = self._web_api(handler, path[len("/api/"):], raw)
        elif path.startswith("/response/") and handler.command == "POST":
            status = self._response_url(handler, path, raw)
        else:
            status = 404
            handler.send_text(404, "not found")
        self.notify_response(handler.command, path, status)

    def _web_api(self, handler: JSONHandler, method_name: str, raw: bytes) -> int:
        payload, problem = handler.parse_body(raw)
        payload = dict(payload) if isinstance(payload, dict) else {}
        form_token = payload.pop("token", None)
        authorization = handler.headers.get("Authorization") or ""
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else form_token

        status, headers, error, result = 200, {}, None, {}
        try:
            if problem is not None:
                raise _ApiError("invalid_json")
            if not token:
                raise _ApiError("not_authed")
            if token != self.bot_token:
                raise _ApiError("invalid_auth")
            fault = self._take_fault(method_name)
            if fault is not None:
                status = fault.status
                if fault.status == 429:
                    headers["Retry-After"] = _seconds(fault.retry_after if fault.retry_after is not None else 1)
                raise _ApiError(fault.error or ("ratelimited" if fault.status == 429 else "fatal_error"))
            result = self._call(method_name, _normalize(payload))
        except _ApiError as failure:
            error = failure.error
            result = {"ok": False, "error": error}

        with self._changed:
            self.requests.append(SlackRequest(api=method_name, status=status, error=error))
            self._changed.notify_all()
        handler.send_json(status, result, headers)
        return status

    def _call(self, method_name: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method_name == "auth.test":
            return {
                "ok": True, "url": "https://sandbox.slack.com/", "team": "Sandbox", "user": "callbot",
                "team_id": self.team_id, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False,
            }
        if method_name == "chat.postMessage":
            return self._post_message(payload)
        if method_name == "chat.update":
            return self._update(payload)
        if method_name == "chat.postEphemeral":
            return self._post_ephemeral(payload)
        raise _ApiError("unknown_method")

    def _check_channel(self, channel: Any) -> str:
        """Return the channel ID when the bot may post there; raise the error Slack returns otherwise."""
        with self._lock:
            entry = self._channels.get(channel) if isinstance(channel, str) else None
        if entry is None:
            raise _ApiError("channel_not_found")
        member, kind = entry
        if not member:
            # Slack hides private channels and DMs from a bot outside them.
            raise _ApiError("not_in_channel" if kind == "public" else "channel_not_found")
        return channel

    def _post_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = self._check_channel(payload.get("channel"))
        if not payload.get("text") and not payload.get("blocks") and not payload.get("attachments"):
            raise _ApiError("no_text")
        with self._lock:
            ts = self._next_ts()
        message = self._message("chat.postMessage", payload, channel=channel, ts=ts)
        self._record(message, key=(channel, ts))
        return {"ok": True, "channel": channel, "ts": ts, "message": _message_json(message)}

    def _update(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = self._check_channel(payload.get("channel"))
        ts = payload.get("ts")
        with self._lock:
            original = self._posted.get((channel, ts))
        if original is None:
            raise _ApiError("message_not_found")
        if not payload.get("text") and not payload.get("blocks") and not payload.get("attachments"):
            raise _ApiError("no_text")
        message = self._message("chat.update", payload, channel=channel, ts=ts)
        message.thread_ts = original.thread_ts
        self._record(message, key=(channel, ts))
        return {"ok": True, "channel": channel, "ts": ts, "text": message.text or "", "message": _message_json(message)}

    def _post_ephemeral(self, payload: dict[str, Any]) -> dict[str, Any]:
        channel = self._check_channel(payload.get("channel"))
        if not payload.get("user"):
            raise _ApiError("user_not_in_channel")
        if not payload.get("text") and not payload.get("blocks") and not payload.get("attachments"):
            raise _ApiError("no_text")
        with self._lock:
            message_ts = self._next_ts()
        self._record(self._message("chat.postEphemeral", payload, channel=channel, ts=message_ts))
        return {"ok": True, "message_ts": message_ts}

    def _response_url(self, handler: JSONHandler, path: str, raw: bytes) -> int:
        url = f"{self.url}{path}"
        url_id = path.rsplit("/", 1)[-1]
        payload, problem = handler.parse_body(raw)
        if problem is None and isinstance(payload, dict):
            try:
                payload = _normalize(payload)
            except _ApiError as failure:
                problem = failure.error
        # NOTE: Slack documents the limit of five uses in 30 minutes but not the
        # response past it. The errors "used_url" and "expired_url" with HTTP 404 are a guess.
        with self._lock:
            entry = self._response_urls.get(url_id)
            fault = self._take_fault_locked("response_url")
            if fault is not None:
                status, error = fault.status, fault.error or ("ratelimited" if fault.status == 429 else "fatal_error")
            elif entry is None:
                status, error = 404, "no_service"
            elif time.monotonic() - entry.created > RESPONSE_URL_LIFETIME:
                status, error = 404, "expired_url"
            elif entry.uses >= RESPONSE_URL_USES:
                status, error = 404, "used_url"
            elif problem is not None or not isinstance(payload, dict):
                status, error = 400, "invalid_payload"
            elif not (payload.get("text") or payload.get("blocks") or payload.get("delete_original")):
                status, error = 400, "no_text"
            else:
                status, error = 200, None
                entry.uses += 1

        if error is None:
            self._record(self._message("response_url", payload, channel=None, ts=None, url=url))
        with self._changed:
            self.requests.append(SlackRequest(api="response_url", status=status, error=error))
            self._changed.notify_all()

        headers = {"Retry-After": "1"} if status == 429 else None
        handler.send_text(status, error or "ok", headers)
        return status

    def _message(self, api: str, payload: dict[str, Any], *, channel: str | None, ts: str | None,
                 url: str | None = None) -> SlackMessage:
        return SlackMessage(
            api=api, channel=channel, text=payload.get("text"), blocks=payload.get("blocks"),
            thread_ts=payload.get("thread_ts"), ts=ts, user=payload.get("user"),
            response_type=payload.get("response_type"), replace_original=payload.get("replace_original"),
            delete_original=payload.get("delete_original"), raw=payload, url=url,
        )

    def _record(self, message: SlackMessage, key: tuple[str, str] | None = None) -> None:
        with self._changed:
            self.messages.append(message)
            if key is not None:
                self._posted[key] = message
            self._changed.notify_all()

    def _next_ts(self) -> str:
        """Return a unique message ts in Slack's form, seconds.microseconds (call with the lock held)."""
        self._sequence += 1
        return f"{int(time.time())}.{self._sequence * 100:06d}"

    def _take_fault(self, method_name: str) -> _Fault | None:
        with self._lock:
            return self._take_fault_locked(method_name)

    def _take_fault_locked(self, method_name: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method_name and fault.remaining != 0:
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None


def _normalize(payload: dict[str, Any]) -> dict[str, Any]:
    """Decode the form-encoded spellings of JSON fields: blocks as a JSON string, booleans as "true"."""
    normalized = dict(payload)
    for name in ("blocks", "attachments"):
        value = normalized.get(name)
        if isinstance(value, str):
            try:
                normalized[name] = json.loads(value)
            except json.JSONDecodeError:
                raise _ApiError(f"invalid_{name}") from None
    for name in ("replace_original", "delete_original", "mrkdwn", "unfurl_links"):
        value = normalized.get(name)
        if isinstance(value, str):
            normalized[name] = value.lower() in ("true", "1")
    return normalized


def _message_json(message: SlackMessage) -> dict[str, Any]:
    result: dict[str, Any] = {
        "type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": message.text or "", "ts": message.ts,
    }
    if message.blocks:
        result["blocks"] = message.blocks
    if message.thread_ts:
        result["thread_ts"] = message.thread_ts
    return result


def _seconds(value: float) -> str:
    """Format a Retry-After value; Slack sends whole seconds and slack_sdk parses it with int()."""
    return str(math.ceil(value))
