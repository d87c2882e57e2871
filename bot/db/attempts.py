"""Writes to the audit trail: one row per `/call`, written before the call is placed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import OUTCOMES, CallAttempt, utcnow


class DuplicateCommand(Exception):
    """An attempt with this Slack trigger ID exists: the same command was delivered twice."""


def record_attempt(session: Session, **fields: Any) -> CallAttempt:
    """Insert an attempt (outcome ``pending`` unless given) and flush to get its ID.

    Raises DuplicateCommand when ``slack_trigger_id`` was recorded before.
    """
    trigger_id = fields.get("slack_trigger_id")
    if trigger_id and session.query(CallAttempt.id).filter_by(slack_trigger_id=trigger_id).first() is not None:
        raise DuplicateCommand(trigger_id)
    attempt = CallAttempt(**_fit_columns(fields))
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:
        if trigger_id:  # two deliveries raced past the check above
            raise DuplicateCommand(trigger_id) from None
        raise
    return attempt


def update_attempt(session: Session, attempt_id: int, **fields: Any) -> CallAttempt:
    """Set fields on an attempt; a final outcome also stamps ``finished_at``."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None:
        raise LookupError(f"call attempt {attempt_id} not found")
    outcome = fields.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    for name, value in _fit_columns(fields).items():
        setattr(attempt, name, value)
    if outcome not in (None, "pending") and "finished_at" not in fields:
        attempt.finished_at = utcnow()
    session.flush()
    return attempt


def _fit_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """Cut strings to their column's length.

    Values come from users, Slack and Genesys. PostgreSQL rejects a string longer
    than its column, and losing the audit row over a 65-character correlation ID
    would lose the record of a placed call.
    """
    fitted = dict(fields)
    for name, value in fields.items():
        column = CallAttempt.__table__.columns.get(name)
        if isinstance(value, str) and column is not None and isinstance(column.type, String) and column.type.length:
            fitted[name] = value[: column.type.length]
    return fitted
