"""Client-credentials access tokens: fetched, cached until shortly before expiry, shared by threads.

The SDK's ``ApiClient.get_client_credentials_token`` (PureCloudPlatformClientV2 269.0.0)
keeps only ``access_token``: it ignores ``expires_in`` and does not check the HTTP
status. This module sends the token request itself, through the bot's transport and
pacer, and reports a refused or failed token request as a failure of phase "token".
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlencode

import urllib3

from bot.calls.diagnosis import login_url
from bot.calls.models import PHASE_TOKEN, CallFailed, GenesysFailure
from bot.genesys.budget import Budget, DeadlineExceeded
from bot.genesys.errors import correlation_id_of, failure_from_response, failure_from_transport
from bot.genesys.http import HttpTransport, TransportError
from bot.genesys.pacing import Pacer
from bot.genesys.retry import AttemptFailed, Attempts, RetryPolicy, run_with_retries

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"
# Refresh this long before expiry: 10 % of the lifetime, at most 60 s.
MAX_REFRESH_MARGIN = 60.0
REFRESH_MARGIN_FRACTION = 0.1
# Genesys's default token lifetime, assumed when a response has no expires_in.
DEFAULT_EXPIRES_IN = 86400.0


@dataclass(frozen=True)
class AccessToken:
    """A bearer token and the ``clock()`` times at which it expires and should be replaced."""

    value: str = field(repr=False)
    expires_at: float
    refresh_at: float


class TokenProvider:
    """Fetch and cache the client-credentials token; one refresh at a time, other threads wait for it.

    api_host: API base URL; the token is requested from its login host
        (``https://api.X`` becomes ``https://login.X``; hosts without ``//api.``, such
        as a local emulator, serve both).
    """

    def __init__(
        self,
        *,
        client_id: str | None,
        client_secret: str | None,
        api_host: str,
        region: str | None,
        transport: HttpTransport,
        pacer: Pacer,
        policy: RetryPolicy,
        connect_timeout: float,
        read_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self.api_host = api_host
        self.region = region
        self.token_url = login_url(api_host) + TOKEN_PATH
        self._transport = transport
        self._pacer = pacer
        self._policy = policy
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._clock = clock
        self._state_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._token: AccessToken | None = None
        self.fetched = 0  # tokens issued to this provider

    def token(self, budget: Budget) -> AccessToken:
        """Return a token valid for a while yet, fetching one if needed.

        Raises CallFailed (phase "token") when Genesys does not issue one, and
        DeadlineExceeded when the budget runs out while waiting for another thread's
        refresh.
        """
        current = self._fresh_token()
        if current is not None:
            return current
        remaining = budget.remaining()
        if remaining <= 0 or not self._refresh_lock.acquire(timeout=remaining):
            raise DeadlineExceeded(max(remaining, 0.0), "waiting for another thread's token request", budget.remaining())
        try:
            current = self._fresh_token()  # another thread may have refreshed meanwhile
            if current is not None:
                return current
            token = self._fetch(budget)
            with self._state_lock:
                self._token = token
                self.fetched += 1
            return token
        finally:
            self._refresh_lock.release()

    def invalidate(self, token: AccessToken) -> None:
        """Drop ``token`` after Genesys refused it; a newer token stays."""
        with self._state_lock:
            if self._token is not None and self._token.value == token.value:
                self._token = None

    def _fresh_token(self) -> AccessToken | None:
        with self._state_lock:
            token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token
        return None

    def _fetch(self, budget: Budget) -> AccessToken:
        if not self._client_id or not self._client_secret:
            raise CallFailed(GenesysFailure(
                phase=PHASE_TOKEN, code="missing_client_credentials",
                message="GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET must both be set.",
                region=self.region, api_host=self.api_host,
            ))
        return run_with_retries(
            lambda: self._request_once(budget),
            policy=self._policy,
            budget=budget,
            phase=PHASE_TOKEN,
            idempotent=True,  # asking for another token changes nothing
            description=f"token request to {self.token_url}",
            on_reauthenticate=None,
            attempts=Attempts(),
        )

    def _request_once(self, budget: Budget) -> AccessToken:
        self._pacer.acquire(budget)
        remaining = budget.remaining()
        if remaining <= 0:
            raise DeadlineExceeded(0.0, "sending the token request", remaining)
        credentials = base64.b64encode(f"{self._client_id}:{self._client_secret}".encode()).decode("ascii")
        headers = {
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        timeout = urllib3.Timeout(connect=min(self._connect_timeout, remaining), read=min(self._read_timeout, remaining))
        sent_at = self._clock()
        try:
            response = self._transport.request(
                "POST", self.token_url, headers=headers, body=urlencode({"grant_type": "client_credentials"}), timeout=timeout,
            )
        except TransportError as exc:
            failure = failure_from_transport(exc, phase=PHASE_TOKEN, region=self.region, api_host=self.api_host)
            raise AttemptFailed(failure, sent=exc.sent) from None

        if response.status != 200:
            failure = failure_from_response(
                phase=PHASE_TOKEN, status=response.status, headers=response.headers, body=response.data,
                region=self.region, api_host=self.api_host,
            )
            raise AttemptFailed(failure, sent=True)
        return self._read_token(response, sent_at)

    def _read_token(self, response: urllib3.BaseHTTPResponse, sent_at: float) -> AccessToken:
        try:
            data = json.loads(response.data.decode("utf-8"))
        except ValueError:
            data = None
        value = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(value, str) or not value:
            raise AttemptFailed(GenesysFailure(
                phase=PHASE_TOKEN, status=response.status, code="invalid_token_response",
                message="The token response has no access_token.",
                correlation_id=correlation_id_of(response.headers), region=self.region, api_host=self.api_host,
            ), sent=True)
        try:
            expires_in = float(data.get("expires_in", DEFAULT_EXPIRES_IN))
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN
        # Count the lifetime from when the request left, so a slow response errs early.
        margin = min(MAX_REFRESH_MARGIN, expires_in * REFRESH_MARGIN_FRACTION)
        log.info("Genesys access token issued by %s, valid for %.0f s", self.token_url, expires_in)
        return AccessToken(value=value, expires_at=sent_at + expires_in, refresh_at=sent_at + expires_in - margin)
