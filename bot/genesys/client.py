"""Place and inspect calls through the Genesys Cloud SDK, with the bot's transport, tokens, retries and pacing.

Importing this module does not import the SDK (about 4 s): :meth:`GenesysDialer.warm_up`
or the first request does.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, TypeVar

import urllib3

from bot.calls.models import PHASE_CALL, PHASE_CONVERSATION, PHASE_USER, CallFailed, GenesysFailure, PlacedCall
from bot.config import Settings
from bot.genesys.auth import AccessToken, TokenProvider
from bot.genesys.budget import Budget, DeadlineExceeded
from bot.genesys.errors import correlation_id_of, failure_from_response, failure_from_transport
from bot.genesys.http import HttpTransport, TransportError
from bot.genesys.pacing import Pacer
from bot.genesys.retry import AttemptFailed, Attempts, RetryPolicy, run_with_retries
from bot.phone import mask_number

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class _Sdk:
    """The SDK pieces the dialer uses, loaded on first use."""

    ApiClient: Any
    ApiException: type[Exception]
    ConversationsApi: Any
    UsersApi: Any
    CreateCallRequest: Any
    TransportHttpClient: Any


@dataclass(frozen=True)
class _Response:
    value: Any
    status: int | None
    correlation_id: str | None


class GenesysDialer:
    """Dialer that places calls for Genesys users and reads calls and users back; thread-safe.

    sleep, clock: used for every wait and deadline (tests pass fakes).
    pacer, retry_policy: replace the defaults built from ``settings``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        pacer: Pacer | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._api_host = settings.genesys_api_host.rstrip("/")
        self._transport = HttpTransport(
            connect_timeout=settings.genesys_connect_timeout, read_timeout=settings.genesys_read_timeout,
        )
        self.pacer = pacer or Pacer(requests_per_minute=settings.genesys_requests_per_minute, clock=clock)
        self._policy = retry_policy or RetryPolicy(max_retry_after=settings.genesys_max_retry_after)
        self.tokens = TokenProvider(
            client_id=settings.genesys_client_id,
            client_secret=settings.genesys_client_secret,
            api_host=self._api_host,
            region=settings.genesys_region,
            transport=self._transport,
            pacer=self.pacer,
            policy=self._policy,
            connect_timeout=settings.genesys_connect_timeout,
            read_timeout=settings.genesys_read_timeout,
            clock=clock,
        )
        self._sdk: _Sdk | None = None
        self._sdk_lock = threading.Lock()

    def warm_up(self) -> None:
        """Import the SDK and build an ApiClient, so the first call does not pay for it."""
        sdk = self._load_sdk()
        sdk.ApiClient(host=self._api_host)

    def place_call(
        self,
        *,
        genesys_user_id: str,
        phone_number: str,
        caller_id: str | None,
        caller_name: str | None,
        deadline: float | None = None,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> PlacedCall:
        """Ask Genesys to call ``phone_number`` on behalf of ``genesys_user_id``.

        deadline: absolute ``clock()`` time for the final answer; default now plus
            CALL_DEADLINE. No wait starts that would pass it.
        on_wait: called with ``(seconds, reason)`` before any wait of 3 s or more.
        Raises CallFailed when the call was not placed or its outcome is unknown.
        """
        sdk = self._load_sdk()
        body = sdk.CreateCallRequest()
        body.phone_number = phone_number
        if caller_id:
            body.caller_id = caller_id
        if caller_name:
            body.caller_id_name = caller_name

        attempts = Attempts()
        response = self._run(
            PHASE_CALL,
            lambda api_client: sdk.ConversationsApi(api_client).post_conversations_calls_user_user_id(genesys_user_id, body),
            idempotent=False,
            description=f"create-call for user {genesys_user_id} to {mask_number(phone_number)}",
            budget=self._budget(deadline, on_wait),
            attempts=attempts,
        )
        conversation_id = getattr(response.value, "id", None)
        if not isinstance(conversation_id, str) or not conversation_id:
            # Accepted, so the call probably exists, but there is nothing to show or track.
            log.error(
                "Genesys answered HTTP %s to create-call for user %s without a conversation ID (correlation ID %s)",
                response.status, genesys_user_id, response.correlation_id,
            )
            raise CallFailed(
                GenesysFailure(
                    phase=PHASE_CALL,
                    status=response.status,
                    message="The response contains no conversation ID.",
                    correlation_id=response.correlation_id,
                    region=self._settings.genesys_region,
                    api_host=self._api_host,
                    requests_sent=attempts.sent,
                )
            )
        log.info(
            "Genesys placed call %s for user %s to %s after %d request(s) (correlation ID %s)",
            conversation_id, genesys_user_id, mask_number(phone_number), attempts.sent, response.correlation_id,
        )
        return PlacedCall(
            conversation_id=conversation_id,
            requests_sent=attempts.sent,
            http_status=response.status,
            correlation_id=response.correlation_id,
            retried_after=tuple(attempts.failures),
        )

    def get_call(self, conversation_id: str) -> dict:
        """Return the call as Genesys sends it (camelCase keys: ``participants`` with ``state``, ``purpose``, ...).

        Raises CallFailed (phase "conversation") on failure.
        """
        sdk = self._load_sdk()
        response = self._run(
            PHASE_CONVERSATION,
            lambda api_client: api_client.sanitize_for_serialization(
                sdk.ConversationsApi(api_client).get_conversations_call(conversation_id)
            ),
            idempotent=True,
            description=f"read call {conversation_id}",
            budget=self._budget(None, None),
            attempts=Attempts(),
        )
        return response.value

    def get_user(self, genesys_user_id: str) -> dict:
        """Return ``{"id", "name", "state"}`` of a Genesys user; raises CallFailed (phase "user"; 404: not found)."""
        sdk = self._load_sdk()
        response = self._run(
            PHASE_USER,
            lambda api_client: sdk.UsersApi(api_client).get_user(genesys_user_id),
            idempotent=True,
            description=f"look up user {genesys_user_id}",
            budget=self._budget(None, None),
            attempts=Attempts(),
        )
        user = response.value
        return {"id": user.id, "name": user.name, "state": user.state}

    def close(self) -> None:
        self._transport.close()

    # --- one request, with retries ------------------------------------------

    def _budget(self, deadline: float | None, on_wait: Callable[[float, str], None] | None) -> Budget:
        if deadline is None:
            deadline = self._clock() + self._settings.call_deadline
        return Budget(deadline=deadline, clock=self._clock, sleep=self._sleep, on_wait=on_wait)

    def _run(
        self,
        phase: str,
        operation: Callable[[Any], T],
        *,
        idempotent: bool,
        description: str,
        budget: Budget,
        attempts: Attempts,
    ) -> _Response:
        used: list[AccessToken] = []

        def attempt() -> _Response:
            token = self.tokens.token(budget)
            used.append(token)
            return self._attempt(phase, operation, token, budget)

        return run_with_retries(
            attempt,
            policy=self._policy,
            budget=budget,
            phase=phase,
            idempotent=idempotent,
            description=description,
            on_reauthenticate=lambda: self.tokens.invalidate(used[-1]),
            attempts=attempts,
        )

    def _attempt(self, phase: str, operation: Callable[[Any], T], token: AccessToken, budget: Budget) -> _Response:
        sdk = self._load_sdk()
        self.pacer.acquire(budget)

        remaining = budget.remaining()
        if remaining <= 0:
            raise DeadlineExceeded(0.0, "sending the request", remaining)
        # NOTE: near the deadline the read timeout shrinks to fit, so a slow but
        # successful create-call can end as "unknown" rather than pass the deadline.
        timeout = urllib3.Timeout(
            connect=min(self._settings.genesys_connect_timeout, remaining),
            read=min(self._settings.genesys_read_timeout, remaining),
        )
        # A new ApiClient per attempt: it keeps the access token and the last
        # response as attributes, which concurrent calls must not share. It is cheap
        # once the SDK is imported.
        api_client = sdk.ApiClient(host=self._api_host)
        api_client.set_http_client(sdk.TransportHttpClient(self._transport, timeout=timeout))
        api_client.access_token = token.value

        try:
            value = operation(api_client)
        except sdk.ApiException as exc:
            failure = failure_from_response(
                phase=phase, status=exc.status, headers=exc.headers, body=exc.body,
                region=self._settings.genesys_region, api_host=self._api_host,
            )
            raise AttemptFailed(failure, sent=True) from None
        except TransportError as exc:
            failure = failure_from_transport(exc, phase=phase, region=self._settings.genesys_region, api_host=self._api_host)
            raise AttemptFailed(failure, sent=exc.sent) from None

        last = api_client.last_response
        return _Response(value=value, status=last.status, correlation_id=correlation_id_of(last.getheaders()))

    def _load_sdk(self) -> _Sdk:
        with self._sdk_lock:
            if self._sdk is None:
                started = time.monotonic()
                sdk = importlib.import_module("PureCloudPlatformClientV2")
                adapter: ModuleType = importlib.import_module("bot.genesys.sdk_http")
                self._sdk = _Sdk(
                    ApiClient=sdk.ApiClient,
                    ApiException=sdk.rest.ApiException,
                    ConversationsApi=sdk.ConversationsApi,
                    UsersApi=sdk.UsersApi,
                    CreateCallRequest=sdk.CreateCallRequest,
                    TransportHttpClient=adapter.TransportHttpClient,
                )
                log.info("Genesys SDK loaded in %.1f s", time.monotonic() - started)
            return self._sdk
