"""Queries on user mappings: which Genesys user a Slack user calls as."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db.models import UserMapping, utcnow

# A mapping stored with this team ID applies to the Slack user in any workspace
# (Slack user IDs are unique within an Enterprise Grid org).
ANY_TEAM = "*"


def find_mapping(session: Session, *, team_id: str, user_id: str) -> UserMapping | None:
    """Return the mapping for this user in this team, else one stored for any team."""
    rows = session.scalars(
        select(UserMapping).where(
            UserMapping.slack_user_id == user_id,
            or_(UserMapping.slack_team_id == team_id, UserMapping.slack_team_id == ANY_TEAM),
        )
    ).all()
    exact = [row for row in rows if row.slack_team_id == team_id]
    return (exact or rows or [None])[0]


def find_exact_mapping(session: Session, *, team_id: str, user_id: str) -> UserMapping | None:
    """Return the mapping stored under exactly this team ID (ANY_TEAM included), if any."""
    return session.scalars(
        select(UserMapping).where(UserMapping.slack_team_id == team_id, UserMapping.slack_user_id == user_id)
    ).one_or_none()


def save_mapping(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    genesys_user_id: str,
    caller_id: str,
    caller_name: str | None = None,
    country: str | None = None,
    role: str = "member",
) -> tuple[UserMapping, bool]:
    """Insert or update a mapping; return it and whether it was created."""
    mapping = find_exact_mapping(session, team_id=team_id, user_id=user_id)
    created = mapping is None
    if mapping is None:
        mapping = UserMapping(slack_team_id=team_id, slack_user_id=user_id)
        session.add(mapping)
    mapping.genesys_user_id = genesys_user_id
    mapping.caller_id = caller_id
    mapping.caller_name = caller_name
    mapping.country = country
    mapping.role = role
    mapping.updated_at = utcnow()
    session.flush()
    return mapping, created


def list_mappings(session: Session) -> list[UserMapping]:
    return list(session.scalars(select(UserMapping).order_by(UserMapping.slack_team_id, UserMapping.slack_user_id)))


def remove_mapping(session: Session, *, user_id: str, team_id: str | None = None) -> int:
    """Delete the user's mappings (in one team, or in all); return how many were removed."""
    query = select(UserMapping).where(UserMapping.slack_user_id == user_id)
    if team_id is not None:
        query = query.where(UserMapping.slack_team_id == team_id)
    rows = session.scalars(query).all()
    for row in rows:
        session.delete(row)
    return len(rows)
