"""The schema and its queries, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.db import attempts, mappings
from bot.db.engine import make_engine, normalize_url
from bot.db.models import CallAttempt


def test_migration_creates_tables_and_indexes(database_url):
    inspector = inspect(make_engine(database_url))
    assert {"user_mappings", "call_attempts", "alembic_version"} <= set(inspector.get_table_names())
    index_names = {index["name"] for index in inspector.get_indexes("call_attempts")}
    assert "ix_call_attempts_user_time" in index_names
    assert "ix_call_attempts_number_time" in index_names


def test_mapping_exact_team_wins_over_any_team(sessions):
    with sessions.begin() as session:
        mappings.save_mapping(session, team_id=mappings.ANY_TEAM, user_id="U1", genesys_user_id="g-any", caller_id="+14155550100")
        mappings.save_mapping(session, team_id="T1", user_id="U1", genesys_user_id="g-t1", caller_id="+14155550100")
    with sessions() as session:
        assert mappings.find_mapping(session, team_id="T1", user_id="U1").genesys_user_id == "g-t1"
        assert mappings.find_mapping(session, team_id="T2", user_id="U1").genesys_user_id == "g-any"
        assert mappings.find_mapping(session, team_id="T1", user_id="U2") is None


def test_mapping_save_updates_existing(sessions):
    with sessions.begin() as session:
        _, created = mappings.save_mapping(session, team_id="T1", user_id="U1", genesys_user_id="g1", caller_id="+14155550100")
        assert created
        _, created = mappings.save_mapping(session, team_id="T1", user_id="U1", genesys_user_id="g2", caller_id="+14155550101")
        assert not created
    with sessions() as session:
        rows = mappings.list_mappings(session)
    assert [(row.genesys_user_id, row.caller_id) for row in rows] == [("g2", "+14155550101")]


def test_mapping_remove_counts_rows(sessions):
    with sessions.begin() as session:
        mappings.save_mapping(session, team_id="T1", user_id="U1", genesys_user_id="g1", caller_id="+14155550100")
        mappings.save_mapping(session, team_id="T2", user_id="U1", genesys_user_id="g1", caller_id="+14155550100")
    with sessions.begin() as session:
        assert mappings.remove_mapping(session, user_id="U1", team_id="T1") == 1
        assert mappings.remove_mapping(session, user_id="U1") == 1
        assert mappings.remove_mapping(session, user_id="U1") == 0


def test_attempt_final_outcome_stamps_finished_at(sessions):
    with sessions.begin() as session:
        attempt = attempts.record_attempt(session, slack_team_id="T1", slack_user_id="U1", raw_text="415 555 0134")
        attempt_id = attempt.id
        assert attempt.outcome == "pending"
    with sessions.begin() as session:
        attempts.update_attempt(session, attempt_id, outcome="placed", conversation_id="c-1", requests_sent=1)
    with sessions() as session:
        row = session.get(CallAttempt, attempt_id)
    assert row.outcome == "placed"
    assert row.finished_at is not None
    assert row.requests_sent == 1


def test_attempt_rejects_unknown_outcome(sessions):
    with sessions.begin() as session:
        attempt = attempts.record_attempt(session, slack_team_id="T1", slack_user_id="U1", raw_text="x")
        with pytest.raises(ValueError):
            attempts.update_attempt(session, attempt.id, outcome="done")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///callbot.db", "sqlite:///callbot.db"),
    ],
)
def test_normalize_url_selects_psycopg(given, expected):
    assert normalize_url(given) == expected
