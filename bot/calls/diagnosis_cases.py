"""The diagnosis table: one row per kind of Genesys failure the bot can explain.

A row matches on phase, HTTP status (or transport failure) and Genesys error code,
and then on keywords in Genesys' message; :func:`bot.calls.diagnosis.diagnose` picks
the most specific matching row. A new case is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from bot.calls.models import (
    PHASE_CALL,
    PHASE_CONVERSATION,
    PHASE_TOKEN,
    PHASE_USER,
    TRANSPORT_CONNECT,
    TRANSPORT_DEADLINE,
    TRANSPORT_DROPPED,
    TRANSPORT_TIMEOUT,
    GenesysFailure,
)

FAILED = "failed"
UNKNOWN = "unknown"  # the call may exist

ANY_TRANSPORT = frozenset({TRANSPORT_CONNECT, TRANSPORT_TIMEOUT, TRANSPORT_DROPPED})
API_PHASES = frozenset({PHASE_CALL, PHASE_USER, PHASE_CONVERSATION})
LOOKUP_PHASES = frozenset({PHASE_USER, PHASE_CONVERSATION})

CHECK_BEFORE_REDIAL = (
    "Check the Genesys Cloud interaction history (or ask the person you called) before you dial again, "
    "so the number is not called twice."
)
CREDENTIALS_ACTION = (
    "A bot admin should compare GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET with the OAuth client in "
    "Genesys Cloud (Admin > Integrations > OAuth; the grant type must be Client Credentials), and set "
    "GENESYS_REGION to the region of that organization (the domain you log in to, such as mypurecloud.ie)."
)
ROLE_ACTION = (
    "A Genesys Cloud admin should add {permissions} to a role (Admin > Roles / Permissions) and assign that role "
    "to the bot's OAuth client (Admin > Integrations > OAuth > the client > Roles)."
)


@dataclass(frozen=True)
class Case:
    """One row of the diagnosis table.

    Match fields left as None match anything; ``phases`` defaults to the API phases,
    so only rows that name the token phase match token failures. ``keywords`` match when any of them
    occurs in Genesys' message, case-insensitively. The text fields are
    :meth:`str.format` templates over the names that :func:`_template_values` fills.
    ``example`` holds GenesysFailure arguments that this row must diagnose; the docs
    page and the tests use it.
    """

    kind: str
    title: str
    cause: str
    action: str
    example: Mapping[str, Any]
    outcome: str = FAILED
    phases: frozenset[str] | None = API_PHASES
    statuses: frozenset[int] | None = None
    transports: frozenset[str] | None = None
    codes: frozenset[str] | None = None
    keywords: tuple[str, ...] = ()
    show_region: bool = False

    def matches(self, failure: GenesysFailure) -> bool:
        if self.phases is not None and failure.phase not in self.phases:
            return False
        if self.statuses is not None and failure.status not in self.statuses:
            return False
        if self.transports is not None and failure.transport not in self.transports:
            return False
        if self.codes is not None and (failure.code or "").lower() not in self.codes:
            return False
        if self.keywords:
            message = (failure.message or "").lower()
            return any(keyword in message for keyword in self.keywords)
        return True

    def specificity(self) -> tuple[bool, bool, bool, int]:
        """Rank rows: keywords, then code, then status or transport, then the narrower phase set."""
        phase_rank = 0 if self.phases is None else 100 - len(self.phases)
        return (bool(self.keywords), self.codes is not None, self.statuses is not None or self.transports is not None, phase_rank)


def _codes(*codes: str) -> frozenset[str]:
    return frozenset(codes)


def _statuses(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


CASES: tuple[Case, ...] = (
    # --- Getting an access token (POST <login host>/oauth/token) ---
    Case(
        kind="network_error",
        phases=frozenset({PHASE_TOKEN}),
        transports=ANY_TRANSPORT,
        title="Could not reach the Genesys Cloud login service",
        cause="The bot got no answer from {login_host} ({transport_detail}), so it could not get an access token. Nothing was dialed.",
        action="Try again in a minute. If it keeps failing, a bot admin should check that this server can reach {login_host} (DNS, firewall, proxy) and that GENESYS_REGION or GENESYS_API_HOST is right.",
        example={"phase": PHASE_TOKEN, "transport": TRANSPORT_CONNECT, "transport_detail": "connection refused", "region": "eu_west_1", "api_host": "https://api.mypurecloud.ie"},
        show_region=True,
    ),
    Case(
        kind="auth_failed",
        phases=frozenset({PHASE_TOKEN}),
        statuses=_statuses(400, 401),
        title="Genesys Cloud rejected the bot's OAuth client credentials",
        cause="The login service at {login_host} refused the client ID or secret. Either GENESYS_CLIENT_ID or GENESYS_CLIENT_SECRET is wrong, or the OAuth client belongs to another Genesys Cloud region than the configured one ({region}, {api_host}): each region has its own OAuth clients. Nothing was dialed.",
        action=CREDENTIALS_ACTION,
        example={"phase": PHASE_TOKEN, "status": 401, "code": "invalid_client", "message": "authentication failed", "region": "us_east_1", "api_host": "https://api.mypurecloud.com"},
        show_region=True,
    ),
    Case(
        kind="auth_failed",
        phases=frozenset({PHASE_TOKEN}),
        statuses=_statuses(400, 401, 403),
        codes=_codes("unauthorized_client", "unsupported_grant_type"),
        title="The bot's OAuth client may not use the client-credentials grant",
        cause="The login service at {login_host} knows the OAuth client but refused to issue a token with the client-credentials grant. Nothing was dialed.",
        action="A Genesys Cloud admin should open the OAuth client (Admin > Integrations > OAuth) and set its grant type to Client Credentials, or create such a client and put its ID and secret into GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET.",
        example={"phase": PHASE_TOKEN, "status": 400, "code": "unauthorized_client", "message": "client is not authorized for this grant type", "region": "us_east_1", "api_host": "https://api.mypurecloud.com"},
        show_region=True,
    ),
    Case(
        kind="rate_limited",
        phases=frozenset({PHASE_TOKEN}),
        statuses=_statuses(429),
        title="Genesys Cloud is limiting how often the bot may log in",
        cause="The login service answered 429 (too many requests) and the wait it asked for (Retry-After: {retry_after}) did not fit in the time allowed for a call. Nothing was dialed.",
        action="Try again in a minute. If it repeats, a bot admin should check whether other programs share this OAuth client and request tokens often.",
        example={"phase": PHASE_TOKEN, "status": 429, "code": "too.many.requests", "retry_after": 60.0},
    ),
    Case(
        kind="service_unavailable",
        phases=frozenset({PHASE_TOKEN}),
        statuses=_statuses(500, 502, 503, 504),
        title="The Genesys Cloud login service is failing",
        cause="The login service at {login_host} answered HTTP {status}, also after retries, so the bot got no access token. Nothing was dialed.",
        action="Try again in a few minutes, and check the Genesys Cloud status page for your region ({region}) if it keeps failing.",
        example={"phase": PHASE_TOKEN, "status": 503, "region": "us_east_1", "api_host": "https://api.mypurecloud.com"},
        show_region=True,
    ),
    Case(
        kind="auth_failed",
        phases=frozenset({PHASE_TOKEN}),
        codes=_codes("missing_client_credentials"),
        title="The bot has no Genesys Cloud OAuth client configured",
        cause="GENESYS_CLIENT_ID or GENESYS_CLIENT_SECRET is not set, so the bot cannot log in to Genesys Cloud. Nothing was dialed.",
        action=CREDENTIALS_ACTION,
        example={"phase": PHASE_TOKEN, "code": "missing_client_credentials", "message": "GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET must both be set."},
    ),
    Case(
        kind="auth_failed",
        phases=frozenset({PHASE_TOKEN}),
        title="Genesys Cloud did not issue an access token",
        cause="The login service at {login_host} answered HTTP {status} ({code}) instead of a token. Nothing was dialed.",
        action=CREDENTIALS_ACTION,
        example={"phase": PHASE_TOKEN, "status": 403, "code": "forbidden", "message": "organization is inactive", "region": "us_east_1", "api_host": "https://api.mypurecloud.com"},
        show_region=True,
    ),
    # --- Requests that got an HTTP answer ---
    Case(
        kind="user_context_required",
        statuses=_statuses(400),
        keywords=("user context",),
        title="This Genesys Cloud request needs a user's login, not the bot's",
        cause="Genesys Cloud answered that the request requires a user context: the endpoint only works with a token issued to a logged-in user, and client credentials (the bot's login) cannot be used for it. Nothing was dialed.",
        action="This is a bot defect: the bot must place calls with POST /api/v2/conversations/calls/user/{{userId}}, which accepts client credentials. Report it to the bot's maintainers with the correlation ID.",
        example={"phase": PHASE_CALL, "status": 400, "code": "bad.request", "message": "This request requires a user context. Client credentials cannot be used for requests to this resource."},
    ),
    Case(
        kind="invalid_address",
        phases=frozenset({PHASE_CALL}),
        statuses=_statuses(400),
        codes=_codes("invalid.value", "bad.request", "invalid.address"),
        keywords=("phone", "number", "address", "e.164", "dnis", "destination"),
        title="Genesys Cloud cannot dial this number",
        cause="Genesys Cloud rejected the phone number or caller ID in the request: {message} Nothing was dialed.",
        action="Check the number and write it with its country code (+44 20 7946 0000). If the number is right, a bot admin should check the caller ID saved in your mapping.",
        example={"phase": PHASE_CALL, "status": 400, "code": "invalid.value", "message": "Value [+1555] is not a valid phone number for field phoneNumber."},
    ),
    Case(
        kind="bad_request",
        statuses=_statuses(400),
        codes=_codes("invalid.value", "invalid.date"),
        title="Genesys Cloud rejected a value in the request",
        cause="Genesys Cloud found an invalid value in the request: {message} Nothing was dialed.",
        action="A bot admin should check the mapping of your Slack account (Genesys user ID, caller ID and caller name) and report the correlation ID to the bot's maintainers if it looks right.",
        example={"phase": PHASE_CALL, "status": 400, "code": "invalid.value", "message": "Value [abc] is not valid for field callerIdName."},
    ),
    Case(
        kind="response_too_large",
        statuses=_statuses(400),
        codes=_codes("response.entity.too.large"),
        title="The Genesys Cloud answer was too large",
        cause="Genesys Cloud refused to send a response that large. Nothing was dialed.",
        action="Report this to the bot's maintainers with the correlation ID: the bot must ask for less data.",
        example={"phase": PHASE_CONVERSATION, "status": 400, "code": "response.entity.too.large", "message": "The response is over the size limit."},
    ),
    Case(
        kind="bad_request",
        statuses=_statuses(400),
        title="Genesys Cloud could not understand the request",
        cause="Genesys Cloud answered HTTP 400 ({code}): {message} This does not by itself mean the number is wrong. Nothing was dialed.",
        action="Try once more. If it fails again, report it to the bot's maintainers with the correlation ID.",
        example={"phase": PHASE_CALL, "status": 400, "code": "bad.request", "message": "The request could not be understood by the server due to malformed syntax."},
    ),
    Case(
        kind="token_expired",
        statuses=_statuses(401),
        codes=_codes("credentials.expired"),
        title="The bot's Genesys Cloud access token expired",
        cause="Genesys Cloud answered that the access token expired, and the repeat with a new token was refused as well. Nothing was dialed.",
        action="Try again. If it repeats, a bot admin should check the token duration of the OAuth client (Admin > Integrations > OAuth) and the server clock.",
        example={"phase": PHASE_CALL, "status": 401, "code": "credentials.expired", "message": "The supplied credentials are expired and cannot be used."},
        show_region=True,
    ),
    Case(
        kind="ip_not_authorized",
        statuses=_statuses(401, 403),
        codes=_codes("ip.not.authorized"),
        title="Genesys Cloud does not accept requests from the bot's server address",
        cause="The Genesys Cloud organization allows API requests only from listed IP addresses, and the bot's server is not on the list. Nothing was dialed.",
        action="A Genesys Cloud admin should add the public IP address of the bot's server to the organization's IP address allowlist (Admin > Security > IP Address Authorization).",
        example={"phase": PHASE_CALL, "status": 401, "code": "ip.not.authorized", "message": "Requests from this IP address are not authorized."},
    ),
    Case(
        kind="auth_failed",
        statuses=_statuses(401),
        title="Genesys Cloud refused the bot's access token",
        cause="Genesys Cloud answered HTTP 401 ({code}) even to a newly issued token. A token is valid only in the region that issued it, so the API host ({api_host}) may belong to another region than the login service ({login_host}). Nothing was dialed.",
        action=CREDENTIALS_ACTION,
        example={"phase": PHASE_CALL, "status": 401, "code": "bad.credentials", "message": "Invalid login credentials.", "region": "custom", "api_host": "https://genesys-gateway.example.com"},
        show_region=True,
    ),
    Case(
        kind="permission_missing",
        statuses=_statuses(403),
        codes=_codes("missing.permissions", "missing.any.permissions"),
        title="The bot's Genesys Cloud role lacks a permission",
        cause="Genesys Cloud refused the request because the bot's OAuth client is missing {permissions_phrase}. Nothing was dialed.",
        action=ROLE_ACTION,
        example={"phase": PHASE_CALL, "status": 403, "code": "missing.any.permissions", "message": "Unable to perform the requested action. You are missing the following permission(s): [conversation:call:add, conversation:agentlessCall:add]", "message_params": {"permissions": "[conversation:call:add, conversation:agentlessCall:add]"}},
    ),
    Case(
        kind="division_permission_missing",
        statuses=_statuses(403),
        codes=_codes("missing.division.permission"),
        title="The bot's Genesys Cloud role does not cover this user's division",
        cause="The bot's OAuth client has {permissions_phrase} only in other divisions, not in the division of the Genesys user or queue in the request. Nothing was dialed.",
        action="A Genesys Cloud admin should grant the bot's role in the division that contains the Genesys user mapped to your Slack account (Admin > Integrations > OAuth > the client > Roles, choose the divisions).",
        example={"phase": PHASE_CALL, "status": 403, "code": "missing.division.permission", "message": "You are missing the following division permission(s): [conversation:call:add]", "message_params": {"permissions": "[conversation:call:add]"}},
    ),
    Case(
        kind="not_authorized",
        statuses=_statuses(403),
        title="Genesys Cloud does not allow the bot to do this",
        cause="Genesys Cloud answered HTTP 403 ({code}): {message} Nothing was dialed.",
        action="A Genesys Cloud admin should check the roles of the bot's OAuth client (Admin > Integrations > OAuth > the client > Roles); placing a call needs conversation:call:add or conversation:agentlessCall:add.",
        example={"phase": PHASE_CALL, "status": 403, "code": "not.authorized", "message": "You are not authorized to perform the requested action."},
    ),
    Case(
        kind="user_not_found",
        phases=frozenset({PHASE_CALL, PHASE_USER}),
        statuses=_statuses(404),
        title="Genesys user not found",
        cause="Genesys Cloud has no user with the Genesys user ID mapped to your Slack account, or the bot cannot see that user. Nothing was dialed.",
        action="A bot admin should look up your user ID in Genesys Cloud (Admin > People > your profile) and map it again with `python -m bot users add`.",
        example={"phase": PHASE_CALL, "status": 404, "code": "not.found", "message": "The requested resource was not found."},
    ),
    Case(
        kind="conversation_not_found",
        phases=frozenset({PHASE_CONVERSATION}),
        statuses=_statuses(404),
        title="Genesys Cloud has no such call",
        cause="Genesys Cloud found no call with this conversation ID, or the bot may not read it.",
        action="Check the conversation ID. Genesys Cloud keeps finished calls, so a missing one usually means a typo or another organization.",
        example={"phase": PHASE_CONVERSATION, "status": 404, "code": "not.found", "message": "The requested resource was not found."},
    ),
    Case(
        kind="request_timeout",
        statuses=_statuses(408),
        title="Genesys Cloud timed out reading the bot's request",
        cause="Genesys Cloud gave up waiting for the request to arrive (HTTP 408, {code}), so it did not act on it. Nothing was dialed.",
        action="Try again. If it repeats, a bot admin should check the network between the bot's server and {api_host}.",
        example={"phase": PHASE_CALL, "status": 408, "code": "client.timeout", "message": "The client did not produce a request within the time that the server was prepared to wait."},
    ),
    Case(
        kind="request_too_large",
        statuses=_statuses(413),
        title="The bot's request to Genesys Cloud was too large",
        cause="Genesys Cloud refused the request because it was too large (HTTP 413). Nothing was dialed.",
        action="Check that the caller name in your mapping is short. Report it to the bot's maintainers with the correlation ID if it is.",
        example={"phase": PHASE_CALL, "status": 413, "code": "request.entity.too.large", "message": "The request is over the size limit."},
    ),
    Case(
        kind="unsupported_media_type",
        statuses=_statuses(415),
        title="Genesys Cloud did not accept the request format",
        cause="Genesys Cloud refused the request body format (HTTP 415, {code}). This is a defect in the bot. Nothing was dialed.",
        action="Report it to the bot's maintainers with the correlation ID.",
        example={"phase": PHASE_CALL, "status": 415, "code": "unsupported.media.type", "message": "Unsupported Media Type"},
    ),
    Case(
        kind="rate_limited",
        statuses=_statuses(429),
        title="Genesys Cloud is rate-limiting the bot",
        cause="Genesys Cloud answered 429 (too many requests) to the bot's last attempt and asked it to wait {retry_after}. The bot stops after three such waits, or sooner when the wait does not fit in the time allowed for a call (CALL_DEADLINE, GENESYS_MAX_RETRY_AFTER). Nothing was dialed.",
        action="Try again in a minute. If it happens often, a bot admin should lower GENESYS_REQUESTS_PER_MINUTE or check which other programs share the bot's OAuth client, since Genesys counts requests per token.",
        example={"phase": PHASE_CALL, "status": 429, "code": "too.many.requests.retry.after", "message": "Rate limit exceeded the maximum. Retry the request in [45] seconds", "retry_after": 45.0},
    ),
    Case(
        kind="server_error",
        outcome=UNKNOWN,
        phases=frozenset({PHASE_CALL}),
        statuses=_statuses(500),
        title="Genesys Cloud failed while placing the call; it may have been placed",
        cause="Genesys Cloud answered HTTP 500 ({code}): it failed while handling the create-call request, so the call may or may not exist.",
        action=CHECK_BEFORE_REDIAL + " If it happens again, report it to Genesys Cloud support with the correlation ID.",
        example={"phase": PHASE_CALL, "status": 500, "code": "internal.server.error", "message": "The server encountered an unexpected condition."},
    ),
    Case(
        kind="server_error",
        statuses=_statuses(500),
        title="Genesys Cloud failed to handle the request",
        cause="Genesys Cloud answered HTTP 500 ({code}): {message}",
        action="Try again later. If it repeats, report it to Genesys Cloud support with the correlation ID.",
        example={"phase": PHASE_USER, "status": 500, "code": "internal.server.error", "message": "The server encountered an unexpected condition."},
    ),
    Case(
        kind="service_unavailable",
        statuses=_statuses(503, 504),
        title="Genesys Cloud is unavailable right now",
        cause="Genesys Cloud answered HTTP {status} ({code}) to every attempt the bot made in the time allowed. It answers so before it accepts a request, so nothing was dialed.",
        action="Try again in a few minutes, and check the Genesys Cloud status page for your region if it keeps failing.",
        example={"phase": PHASE_CALL, "status": 503, "code": "service.unavailable", "message": "Service Unavailable"},
    ),
    Case(
        kind="service_unavailable",
        outcome=UNKNOWN,
        statuses=_statuses(502),
        title="A gateway in front of Genesys Cloud failed; the call may exist",
        cause=(
            "A gateway answered HTTP {status} ({code}), so the bot did not repeat the request. "
            "A gateway can answer so after Genesys Cloud accepted a request, so the call may have been placed."
        ),
        action=CHECK_BEFORE_REDIAL + " If the call was not placed, try again in a few minutes.",
        example={"phase": PHASE_CALL, "status": 502, "code": "bad.gateway", "message": "Bad Gateway"},
    ),
    Case(
        kind="no_conversation_id",
        outcome=UNKNOWN,
        statuses=_statuses(200, 201, 202, 204),
        title="Genesys Cloud accepted the call but sent no conversation ID",
        cause="Genesys Cloud answered HTTP {status} to the create-call request without the ID of a conversation, so the call was probably placed but the bot cannot show or track it.",
        action=CHECK_BEFORE_REDIAL,
        example={"phase": PHASE_CALL, "status": 200, "message": "The response contains no conversation ID."},
    ),
    # --- Requests that got no HTTP answer ---
    Case(
        kind="network_error",
        phases=API_PHASES,
        transports=frozenset({TRANSPORT_CONNECT}),
        title="Could not connect to Genesys Cloud",
        cause="The bot could not open a connection to {api_host} ({transport_detail}), also after retries. Nothing was sent, so nothing was dialed.",
        action="Try again in a minute. If it keeps failing, a bot admin should check that this server can reach {api_host} and that GENESYS_REGION or GENESYS_API_HOST is right.",
        example={"phase": PHASE_CALL, "transport": TRANSPORT_CONNECT, "transport_detail": "connection refused", "api_host": "https://api.mypurecloud.com"},
    ),
    Case(
        kind="timeout_unknown",
        outcome=UNKNOWN,
        phases=frozenset({PHASE_CALL}),
        transports=frozenset({TRANSPORT_TIMEOUT}),
        title="Genesys Cloud did not answer in time; the call may have been placed",
        cause="The bot sent the create-call request but got no answer within the read timeout ({transport_detail}). Genesys Cloud may have placed the call anyway, so the bot did not send it again.",
        action=CHECK_BEFORE_REDIAL,
        example={"phase": PHASE_CALL, "transport": TRANSPORT_TIMEOUT, "transport_detail": "read timed out after 10 s", "requests_sent": 1},
    ),
    Case(
        kind="timeout_unknown",
        outcome=UNKNOWN,
        phases=frozenset({PHASE_CALL}),
        transports=frozenset({TRANSPORT_DROPPED}),
        title="The connection to Genesys Cloud broke; the call may have been placed",
        cause="The bot sent the create-call request, then the connection closed before an answer came ({transport_detail}). Genesys Cloud may have placed the call anyway, so the bot did not send it again.",
        action=CHECK_BEFORE_REDIAL,
        example={"phase": PHASE_CALL, "transport": TRANSPORT_DROPPED, "transport_detail": "Remote end closed connection without response", "requests_sent": 1},
    ),
    Case(
        kind="network_error",
        phases=LOOKUP_PHASES,
        transports=frozenset({TRANSPORT_TIMEOUT, TRANSPORT_DROPPED}),
        title="Genesys Cloud did not answer",
        cause="The bot got no answer from {api_host} ({transport_detail}). This was a read-only request, so nothing changed.",
        action="Try again in a minute. If it keeps failing, a bot admin should check the network between the bot's server and {api_host}.",
        example={"phase": PHASE_USER, "transport": TRANSPORT_TIMEOUT, "transport_detail": "read timed out after 10 s"},
    ),
    Case(
        kind="deadline_exceeded",
        phases=None,
        transports=frozenset({TRANSPORT_DEADLINE}),
        title="The bot ran out of time before reaching Genesys Cloud",
        cause="The request waited in the bot's queue (the bot paces its requests to stay under the Genesys Cloud rate limit) and the time allowed for a call ran out before it was sent. Nothing was dialed.",
        action="Try again in a minute. If it happens often, a bot admin should raise CALL_DEADLINE or GENESYS_REQUESTS_PER_MINUTE (within the Genesys Cloud limit).",
        example={"phase": PHASE_CALL, "transport": TRANSPORT_DEADLINE, "transport_detail": "queued 61 s for the rate limiter"},
    ),
    # --- Anything else ---
    Case(
        kind="unexpected_error",
        phases=None,
        title="Genesys Cloud returned an unexpected error",
        cause="Genesys Cloud answered HTTP {status} ({code}): {message}",
        action="Try again later. If it repeats, report it to the bot's maintainers with the correlation ID.",
        example={"phase": PHASE_CALL, "status": 501, "code": "not.implemented", "message": "Not Implemented"},
    ),
)
