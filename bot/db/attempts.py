"""Writes to the audit trail: one row per `/call`, written before the call is placed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.db.models import OUTCOMES, CallAttempt, utcnow


def record_attempt(session: Session, **fields: Any) -> CallAttempt:
    """Insert an attempt (outcome ``pending`` unless given) and flush to get its ID."""
    attempt = CallAttempt(**fields)
    session.add(attempt)
    session.flush()
    return attempt


def update_attempt(session: Session, attempt_id: int, **fields: Any) -> CallAttempt:
    """Set fields on an attempt; a final outcome also stamps ``finished_at``."""
    attempt = session.get(CallAttempt, attempt_id)
    if attempt is None:
        raise LookupError(f"call attempt {attempt_id} not found")
    outcome = fields.get("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    for name, value in fields.items():
        setattr(attempt, name, value)
    if outcome not in (None, "pending") and "finished_at" not in fields:
        attempt.finished_at = utcnow()
    session.flush()
    return attempt
