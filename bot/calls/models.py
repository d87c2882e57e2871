"""Plain data passed between the Slack layer, the calls service and the Genesys client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class CallRequest:
    """A `/call` command as the calls service receives it."""

    team_id: str
    user_id: str
    channel_id: str | None
    text: str
    trigger_id: str | None = None  # unique per invocation; a second delivery is ignored
    received_at: float | None = None  # time.monotonic() at the acknowledgement; CALL_DEADLINE counts from it


@dataclass(frozen=True)
class PlacedCall:
    """Genesys accepted the create-call request."""

    conversation_id: str
    requests_sent: int
    http_status: int | None = None
    correlation_id: str | None = None
    # Failed attempts before the one that succeeded (a 503, a 429, a 401), oldest first,
    # so the reply can say why the call took longer.
    retried_after: tuple[GenesysFailure, ...] = ()


# Phases of a Genesys exchange that can fail.
PHASE_TOKEN = "token"
PHASE_CALL = "call"  # create-call request
PHASE_USER = "user"  # look up a Genesys user (GET /api/v2/users/{userId})
PHASE_CONVERSATION = "conversation"  # read a call (GET /api/v2/conversations/calls/{id})

# Transport failures, by what is known about the request.
TRANSPORT_CONNECT = "connect"  # connection could not be opened: nothing was sent
TRANSPORT_TIMEOUT = "timeout"  # request sent, no response in time: the call may exist
TRANSPORT_DROPPED = "dropped"  # request sent, connection closed before a response
TRANSPORT_DEADLINE = "deadline"  # the bot's own time budget ran out before sending


@dataclass(frozen=True)
class GenesysFailure:
    """Everything known about a failed exchange with Genesys Cloud.

    Either ``status`` (an HTTP response came back) or ``transport`` (none did) is set.
    """

    phase: str
    status: int | None = None
    code: str | None = None
    message: str | None = None
    message_params: Mapping[str, str] = field(default_factory=dict)
    correlation_id: str | None = None
    retry_after: float | None = None
    transport: str | None = None
    transport_detail: str | None = None
    region: str | None = None
    api_host: str | None = None
    requests_sent: int = 0

    @property
    def maybe_sent(self) -> bool:
        """True when Genesys may have acted on the request even though it failed."""
        return self.transport in (TRANSPORT_TIMEOUT, TRANSPORT_DROPPED)


class CallFailed(Exception):
    """Raised by a dialer when a call could not be placed (or its fate is unknown)."""

    def __init__(self, failure: GenesysFailure):
        super().__init__(f"{failure.phase} failed: status={failure.status} code={failure.code} transport={failure.transport}")
        self.failure = failure


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong, why, and what to do, as shown to the Slack user.

    kind: stable identifier (``permission_missing``); stored in the audit row.
    outcome: ``failed`` or ``unknown`` (the call may exist).
    details: label -> value pairs shown verbatim (status, code, Genesys' message,
        correlation ID, missing permissions), in display order.
    """

    kind: str
    outcome: str
    title: str
    cause: str
    action: str
    details: tuple[tuple[str, str], ...] = ()

    def as_text(self) -> str:
        """Render the diagnosis as plain text: title, cause, action, then one line per detail."""
        lines = [self.title, self.cause, f"What to do: {self.action}"]
        lines.extend(f"{label}: {value}" for label, value in self.details)
        return "\n".join(lines)
