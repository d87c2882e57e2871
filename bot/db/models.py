"""Tables: who may call (user_mappings) and every call attempt (call_attempts)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class UserMapping(Base):
    """A Slack user allowed to place calls as a Genesys Cloud user."""

    __tablename__ = "user_mappings"
    __table_args__ = (UniqueConstraint("slack_team_id", "slack_user_id", name="uq_user_mappings_slack_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    genesys_user_id: Mapped[str] = mapped_column(String(64))
    caller_id: Mapped[str] = mapped_column(String(20))  # E.164
    caller_name: Mapped[str | None] = mapped_column(String(128))
    country: Mapped[str | None] = mapped_column(String(2))  # default country for dialing
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | admin
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


# Outcomes of an attempt. `pending` is written before the request leaves.
PENDING, PLACED, REJECTED, FAILED, UNKNOWN = "pending", "placed", "rejected", "failed", "unknown"
OUTCOMES = (PENDING, PLACED, REJECTED, FAILED, UNKNOWN)


class CallAttempt(Base):
    """One `/call` command and what became of it (the audit trail)."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        Index("ix_call_attempts_user_time", "slack_team_id", "slack_user_id", "requested_at"),
        Index("ix_call_attempts_number_time", "e164", "requested_at"),
        Index("ix_call_attempts_conversation", "conversation_id"),
        # Slack's trigger_id is unique per command invocation: a replayed request
        # (same signed body sent again) must not dial twice.
        UniqueConstraint("slack_trigger_id", name="uq_call_attempts_slack_trigger_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Who asked, and where.
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    slack_channel_id: Mapped[str | None] = mapped_column(String(32))
    slack_trigger_id: Mapped[str | None] = mapped_column(String(128))
    genesys_user_id: Mapped[str | None] = mapped_column(String(64))
    # What was asked.
    raw_text: Mapped[str] = mapped_column(Text)
    e164: Mapped[str | None] = mapped_column(String(20))
    extension: Mapped[str | None] = mapped_column(String(40))
    destination_country: Mapped[str | None] = mapped_column(String(2))
    label: Mapped[str | None] = mapped_column(String(200))
    caller_id: Mapped[str | None] = mapped_column(String(20))
    # When.
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What came of it.
    outcome: Mapped[str] = mapped_column(String(16), default=PENDING)
    reason: Mapped[str | None] = mapped_column(String(64))  # refusal code or diagnosis kind
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    requests_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Where the result was posted in Slack.
    slack_message_ts: Mapped[str | None] = mapped_column(String(32))
