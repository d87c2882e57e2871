"""Shared fixtures: a migrated database on SQLite and on PostgreSQL.

PostgreSQL comes from CALLBOT_TEST_POSTGRES_URL (default: the local server at
127.0.0.1:5432, database ``test``). Each test gets its own schema, dropped after.
When the server is unreachable its tests are skipped, unless
CALLBOT_REQUIRE_POSTGRES=1 (as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from bot.db.engine import make_engine, make_session_factory, normalize_url, upgrade

POSTGRES_URL = os.environ.get("CALLBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("CALLBOT_REQUIRE_POSTGRES") == "1"


def _postgres_available() -> str | None:
    """Return None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = create_engine(normalize_url(POSTGRES_URL), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


@pytest.fixture(scope="session")
def postgres_problem() -> str | None:
    return _postgres_available()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, postgres_problem):
    """A URL of an empty, migrated database; the parameter selects the backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'callbot.db'}"
        upgrade(make_engine(url))
        yield url
        return

    if postgres_problem is not None:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({postgres_problem})"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()
