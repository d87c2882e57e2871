"""The `/call` use case: check the caller, read the number, record, place, report.

The service speaks plain dataclasses. The Slack layer passes a :class:`Notifier`
that turns each step into Slack messages, and a dialer (``GenesysDialer`` in
production) that places the call.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.calls.diagnosis import diagnose
from bot.calls.models import CallFailed, CallRequest, Diagnosis, PlacedCall
from bot.config import Settings
from bot.db import attempts, mappings
from bot.db.models import FAILED, PLACED, REJECTED, UNKNOWN, utcnow
from bot.phone import NumberResult, mask_number, read_destination

log = logging.getLogger(__name__)

REASON_UNMAPPED = "unmapped"
FINAL_WRITE_TRIES = 3
FINAL_WRITE_BACKOFF = 0.5  # seconds, times the try number
REASON_INTERNAL = "internal_error"


class Dialer(Protocol):
    def place_call(
        self,
        *,
        genesys_user_id: str,
        phone_number: str,
        caller_id: str | None,
        caller_name: str | None,
        deadline: float | None = None,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> PlacedCall: ...


@dataclass(frozen=True)
class Rejection:
    """The command was refused before anything was dialed."""

    attempt_id: int
    reason: str
    message: str
    number: NumberResult | None = None


@dataclass(frozen=True)
class CallStart:
    """A call about to be placed; its attempt row is already `pending`."""

    attempt_id: int
    user_id: str
    number: NumberResult
    caller_id: str


@dataclass(frozen=True)
class CallResult:
    """The final word on a placed, failed or unknown call."""

    attempt_id: int
    outcome: str
    number: NumberResult
    placed: PlacedCall | None = None
    diagnosis: Diagnosis | None = None


@dataclass(frozen=True)
class _Admitted:
    """A command that passed the checks; its attempt row is `pending`."""

    attempt_id: int
    number: NumberResult
    genesys_user_id: str
    caller_id: str
    caller_name: str | None


class Notifier(Protocol):
    """Receiver of the service's progress reports; the Slack layer implements it."""

    def rejected(self, rejection: Rejection) -> None: ...

    def started(self, start: CallStart) -> str | None:
        """Announce the call; return the message ts to store in the audit row."""

    def queued(self, seconds: float, reason: str) -> None: ...

    def finished(self, result: CallResult) -> None: ...


class CallService:
    def __init__(self, *, sessions: sessionmaker[Session], settings: Settings, dialer: Dialer) -> None:
        self._sessions = sessions
        self._settings = settings
        self._dialer = dialer

    def handle(self, request: CallRequest, notifier: Notifier) -> Rejection | CallResult | None:
        """Run one `/call` command to its end; a failed call is a result, not an exception.

        Returns None, and notifies nobody, when the command was delivered before,
        because the first delivery reports to the user.
        """
        try:
            return self._handle(request, notifier)
        except attempts.DuplicateCommand:
            log.warning("ignoring a second delivery of the command with trigger ID %s from %s", request.trigger_id, request.user_id)
            return None

    def _handle(self, request: CallRequest, notifier: Notifier) -> Rejection | CallResult:
        admitted = self._admit(request)
        if isinstance(admitted, Rejection):
            log.info("attempt %s rejected: %s", admitted.attempt_id, admitted.reason)
            notifier.rejected(admitted)
            return admitted

        attempt_id, number = admitted.attempt_id, admitted.number
        log.info("attempt %s: user %s calling %s", attempt_id, request.user_id, mask_number(number.e164))
        try:
            message_ts = notifier.started(CallStart(attempt_id, request.user_id, number, admitted.caller_id))
        except Exception:
            # Telling the user failed; placing the call must not depend on it.
            log.exception("attempt %s: could not announce the call", attempt_id)
            message_ts = None
        with self._sessions.begin() as session:
            attempts.update_attempt(session, attempt_id, slack_message_ts=message_ts, sent_at=utcnow())

        deadline = None if request.received_at is None else request.received_at + self._settings.call_deadline
        result = self._place(admitted, notifier=notifier, deadline=deadline)
        notifier.finished(result)
        return result

    def _admit(self, request: CallRequest) -> Rejection | _Admitted:
        """Check the caller and the number, and record the attempt: `pending`, or `rejected` with its reason."""
        with self._sessions.begin() as session:
            mapping = mappings.find_mapping(session, team_id=request.team_id, user_id=request.user_id)
            if mapping is None:
                attempt = attempts.record_attempt(
                    session, **_who(request), outcome=REJECTED, reason=REASON_UNMAPPED, finished_at=utcnow()
                )
                return Rejection(
                    attempt_id=attempt.id,
                    reason=REASON_UNMAPPED,
                    message=(
                        "You are not set up to place calls yet. Ask a bot admin to map your Slack user "
                        f"(`{request.user_id}`) to your Genesys Cloud user with `python -m bot users add`."
                    ),
                )

            number = read_destination(
                request.text,
                default_country=mapping.country or self._settings.default_country,
                allowed_countries=self._settings.allowed_countries,
                blocked_types=self._settings.blocked_number_types,
            )
            attempt = attempts.record_attempt(
                session,
                **_who(request),
                **_what(number),
                genesys_user_id=mapping.genesys_user_id,
                caller_id=mapping.caller_id,
                outcome="pending" if number.ok else REJECTED,
                reason=None if number.ok else number.reason,
                finished_at=None if number.ok else utcnow(),
            )
            if not number.ok:
                return Rejection(attempt.id, number.reason or "invalid", number.message, number)
            return _Admitted(attempt.id, number, mapping.genesys_user_id, mapping.caller_id, mapping.caller_name)

    def _place(self, admitted: _Admitted, *, notifier: Notifier, deadline: float | None) -> CallResult:
        attempt_id, number = admitted.attempt_id, admitted.number
        try:
            placed = self._dialer.place_call(
                genesys_user_id=admitted.genesys_user_id,
                phone_number=number.e164,
                caller_id=admitted.caller_id,
                caller_name=admitted.caller_name,
                deadline=deadline,
                on_wait=notifier.queued,
            )
        except CallFailed as error:
            failure = error.failure
            diagnosis = diagnose(failure)
            log.warning(
                "attempt %s %s: %s (status=%s code=%s correlation=%s requests=%s)",
                attempt_id, diagnosis.outcome, diagnosis.kind, failure.status, failure.code, failure.correlation_id, failure.requests_sent,
            )
            self._finish(
                attempt_id,
                outcome=UNKNOWN if diagnosis.outcome == UNKNOWN else FAILED,
                reason=diagnosis.kind,
                http_status=failure.status,
                error_code=failure.code,
                error_message=failure.message or failure.transport_detail,
                correlation_id=failure.correlation_id,
                requests_sent=failure.requests_sent,
            )
            return CallResult(attempt_id, diagnosis.outcome, number, diagnosis=diagnosis)
        except Exception:
            # A bug, not a Genesys response: the request may have left, so the call may exist.
            log.exception("attempt %s: unexpected error while placing the call", attempt_id)
            diagnosis = internal_error_diagnosis(attempt_id)
            self._finish(attempt_id, outcome=UNKNOWN, reason=REASON_INTERNAL)
            return CallResult(attempt_id, UNKNOWN, number, diagnosis=diagnosis)

        log.info("attempt %s placed: conversation %s", attempt_id, placed.conversation_id)
        self._finish_placed(
            attempt_id,
            outcome=PLACED,
            conversation_id=placed.conversation_id,
            http_status=placed.http_status,
            correlation_id=placed.correlation_id,
            requests_sent=placed.requests_sent,
        )
        return CallResult(attempt_id, PLACED, number, placed=placed)

    def _finish(self, attempt_id: int, **fields) -> None:
        with self._sessions.begin() as session:
            attempts.update_attempt(session, attempt_id, **fields)

    def _finish_placed(self, attempt_id: int, **fields) -> None:
        """Record a placed call, trying the write a few times: the call exists either way.

        If every try fails, the row stays ``pending`` and the log line below is the
        record of the conversation ID; the user still gets it in Slack.
        """
        for attempt_number in range(1, FINAL_WRITE_TRIES + 1):
            try:
                self._finish(attempt_id, **fields)
                return
            except Exception:
                if attempt_number == FINAL_WRITE_TRIES:
                    log.exception(
                        "attempt %s: could not record placed call %s; the audit row stays pending",
                        attempt_id, fields.get("conversation_id"),
                    )
                    return
                log.warning("attempt %s: recording the placed call failed (try %s), retrying", attempt_id, attempt_number, exc_info=True)
                time.sleep(FINAL_WRITE_BACKOFF * attempt_number)


def internal_error_diagnosis(attempt_id: int) -> Diagnosis:
    return Diagnosis(
        kind=REASON_INTERNAL,
        outcome=UNKNOWN,
        title="The bot hit an internal error while placing the call",
        cause="Something failed inside the bot after the call request may have been sent, so the call may exist.",
        action=f"Check your Genesys Cloud conversations before dialing again, and give your bot admin the attempt ID {attempt_id} so they can find the error in the bot's log.",
        details=(("Attempt ID", str(attempt_id)),),
    )


def _who(request: CallRequest) -> dict:
    return {
        "slack_trigger_id": request.trigger_id,
        "slack_team_id": request.team_id,
        "slack_user_id": request.user_id,
        "slack_channel_id": request.channel_id,
        "raw_text": request.text[:2000],
    }


def _what(number: NumberResult) -> dict:
    return {
        "e164": number.e164,
        "extension": number.extension,
        "destination_country": number.country,
        "label": (number.label or None) and number.label[:200],
    }
