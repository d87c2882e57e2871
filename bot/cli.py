"""Command line: ``python -m bot`` (or ``callbot``) and its subcommands.

Each subcommand lives in the module that owns its concern and exposes
``add_arguments(parser)`` and ``run(args) -> int``. This file only wires them up, so
``--help`` stays fast (no Genesys SDK import) and one concern stays in one place.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from bot.config import ConfigError

# subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("bot.serve", "Run the bot in HTTP mode (POST /slack/events, GET /healthz) under gunicorn."),
    "socket": ("bot.slack.socket_mode", "Run the bot in Socket Mode (no public URL needed)."),
    "migrate": ("bot.db.cli", "Create or upgrade the database schema (Alembic)."),
    "users": ("bot.db.users_cli", "Add, list or remove Slack-to-Genesys user mappings."),
    "number": ("bot.phone_cli", "Show how /call would read TEXT: the E.164 number or why it is refused."),
    "sandbox": ("bot.sandbox.cli", "Run a local stand-in of the Genesys Cloud API or the Slack Web API."),
    "demo": ("bot.demo", "Run the whole /call flow against local stand-ins and print what Slack shows."),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Slack bot that places outbound calls through Genesys Cloud.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        module = importlib.import_module(module_name)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        database_error = _describe_database_error(error)
        if database_error is None:
            raise
        print(f"database error: {database_error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


# Libraries whose DEBUG lines carry whole request and response bodies: Slack
# messages with phone numbers and names. They log at INFO at most, whatever LOG_LEVEL.
CHATTY_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3")


def _describe_database_error(error: Exception) -> str | None:
    """Describe a database or migration failure in one line; return None for any other error."""
    from alembic.util import CommandError
    from sqlalchemy.exc import NoSuchModuleError, OperationalError, ProgrammingError, SQLAlchemyError

    from bot.preflight import first_line

    if isinstance(error, CommandError):
        return f"{first_line(error)}. See `python -m bot migrate --help`."
    if not isinstance(error, (SQLAlchemyError, ImportError)):
        return None
    detail = first_line(getattr(error, "orig", None) or error)
    if isinstance(error, (OperationalError, ProgrammingError)) and ("no such table" in detail or "does not exist" in detail and "relation" in detail):
        return f"{detail}. Run `python -m bot migrate` to create the tables."
    if isinstance(error, (NoSuchModuleError, ImportError)):
        return f"{detail}. Use sqlite:///FILE or postgresql://USER:PASSWORD@HOST:5432/DB in DATABASE_URL."
    return f"{detail}. Check DATABASE_URL and that the database server is running."


def configure_logging(level: str = "INFO") -> None:
    """Log one line per event to stderr, with the logger name for grep."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=numeric, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # Alembic reports its migration context at INFO on every schema check.
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))


if __name__ == "__main__":
    sys.exit(main())
