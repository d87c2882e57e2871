"""`bot migrate`: create or upgrade the schema."""

from __future__ import annotations

import argparse

from bot.config import mask_database_url, load_settings
from bot.db.engine import make_engine, upgrade


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revision", default="head", help="Alembic revision to upgrade to (default: head)")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine, args.revision)
    print(f"database {mask_database_url(settings.database_url)} is at revision {args.revision}")
    return 0
