"""Calls and users of the Genesys stand-in: CreateCallRequest checks and the JSON shapes it returns.

Field names follow the Genesys Cloud API models (CallConversation, CallMediaParticipant,
CreateCallResponse, User) as the Python SDK PureCloudPlatformClientV2 269 maps them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

DEMO_USER_ID = "9a3f6c1e-2b7d-4e58-8f0a-5c4d3b2a1e90"
DEMO_USER_NAME = "Demo Caller"

# Either permission lets a client place a call for a user.
CALL_PERMISSIONS = ("conversation:call:add", "conversation:agentlessCall:add")

# A dialable address once a leading "tel:" is removed: optional "+", then 3 to 15 digits.
DIALABLE = re.compile(r"^\+?[0-9]{3,15}$")

PARTICIPANT_STATES = (
    "alerting", "dialing", "contacting", "offering", "connected", "disconnected", "terminated", "none",
)


def now_iso() -> str:
    """Current UTC time the way Genesys writes it: ISO 8601 with milliseconds and Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class RequestProblem:
    """Why a create-call request is rejected: HTTP status, Genesys error code and message."""

    status: int
    code: str
    message: str


def check_create_call(body: Any) -> RequestProblem | None:
    """Validate a CreateCallRequest body the way the service does before placing a call."""
    if not isinstance(body, dict):
        return RequestProblem(400, "bad.request", "The request could not be understood by the server due to malformed syntax.")

    has_target = any(body.get(key) for key in ("phoneNumber", "participants", "callUserId", "callQueueId", "conversationIds"))
    if not has_target:
        # NOTE: the service's exact messages for a missing target and for an
        # undialable address are undocumented; these name the field and the value.
        return RequestProblem(
            400, "bad.request",
            "A phoneNumber, participants, callUserId or callQueueId is required to place a call.",
        )

    for field_name in ("phoneNumber", "callerId"):
        value = body.get(field_name)
        if value is None:
            continue
        if not isinstance(value, str) or not is_dialable(value):
            return RequestProblem(
                400, "invalid.value",
                f"The value '{value}' of {field_name} is not a valid address to dial.",
            )
    return None


def is_dialable(address: str) -> bool:
    number = address.strip()
    if number.lower().startswith("tel:"):
        number = number[4:]
    return DIALABLE.match(number) is not None


def tel_address(number: str) -> str:
    """Return ``number`` as a ``tel:`` URI, the form participant addresses take."""
    number = number.strip()
    return number if number.lower().startswith("tel:") else f"tel:{number}"


def new_call(*, user_id: str, user_name: str, request: dict[str, Any]) -> dict[str, Any]:
    """Create the stored record of a placed call.

    A call placed from a queue (``callFromQueueId``) is an ACD call, so its
    participants have the purposes "agent" and "customer". Any other call for a
    user has "user" and "external".
    """
    conversation_id = str(uuid.uuid4())
    started = now_iso()
    from_queue = bool(request.get("callFromQueueId"))
    dialed = request.get("phoneNumber") or ""
    caller = {
        "id": str(uuid.uuid4()),
        "name": user_name,
        "address": f"sip:{user_id}@sandbox.invalid",
        "purpose": "agent" if from_queue else "user",
        "state": "connected",
        "direction": "outbound",
        "startTime": started,
        "connectedTime": started,
        "user": {"id": user_id, "selfUri": f"/api/v2/users/{user_id}"},
    }
    callee = {
        "id": str(uuid.uuid4()),
        "name": request.get("phoneNumber") or "",
        "address": tel_address(dialed) if dialed else "",
        "purpose": "customer" if from_queue else "external",
        "state": "dialing",
        "direction": "outbound",
        "startTime": started,
    }
    return {
        "id": conversation_id,
        "userId": user_id,
        "request": request,
        "startTime": started,
        # GET requests seen so far. The dialed party is connected from the second
        # one on, unless a test set a state explicitly.
        "polls": 0,
        "scripted": False,
        "participants": [caller, callee],
    }


def advance_on_poll(call: dict[str, Any]) -> None:
    """Count one GET of the call; from the second GET on, a dialing party is connected."""
    call["polls"] += 1
    if call["scripted"] or call["polls"] < 2:
        return
    for participant in call["participants"]:
        if participant["state"] == "dialing":
            participant["state"] = "connected"
            participant["connectedTime"] = now_iso()


def set_state(participant: dict[str, Any], state: str, *, disconnect_type: str | None = None) -> None:
    if state not in PARTICIPANT_STATES:
        raise ValueError(f"invalid participant state {state!r}; expected one of {', '.join(PARTICIPANT_STATES)}")
    participant["state"] = state
    if state == "connected" and "connectedTime" not in participant:
        participant["connectedTime"] = now_iso()
    if state in ("disconnected", "terminated"):
        participant.setdefault("endTime", now_iso())
        participant["disconnectType"] = disconnect_type or "client"


def conversation_json(call: dict[str, Any]) -> dict[str, Any]:
    """Build the CallConversation response of GET /api/v2/conversations/calls/{conversationId}."""
    return {
        "id": call["id"],
        "participants": [dict(participant) for participant in call["participants"]],
        "otherMediaUris": [],
        "recordingState": "none",
        "selfUri": f"/api/v2/conversations/calls/{call['id']}",
    }


def create_call_response(call: dict[str, Any]) -> dict[str, Any]:
    return {"id": call["id"], "selfUri": f"/api/v2/conversations/calls/{call['id']}"}


def user_json(user_id: str, name: str) -> dict[str, Any]:
    """Build the User response of GET /api/v2/users/{userId}."""
    username = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or "user"
    return {
        "id": user_id,
        "name": name,
        "email": f"{username}@sandbox.invalid",
        "username": f"{username}@sandbox.invalid",
        "state": "active",
        "version": 1,
        "selfUri": f"/api/v2/users/{user_id}",
    }
