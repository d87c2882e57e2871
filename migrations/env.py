"""Alembic environment: uses the caller's connection, or DATABASE_URL."""

from __future__ import annotations

from alembic import context

from bot.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return

    from bot.config import load_settings
    from bot.db.engine import make_engine

    engine = make_engine(load_settings().database_url)
    with engine.begin() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run `python -m bot migrate`.")
run_migrations_online()
