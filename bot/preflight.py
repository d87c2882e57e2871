"""Checks run before `bot serve` and `bot socket` start, so a setup mistake is one line.

Without them, an unmigrated database looked healthy until the first `/call`, and a
wrong Slack token stopped each gunicorn worker with a long traceback.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.config import ConfigError, Settings, mask_database_url

log = logging.getLogger(__name__)

GENESYS_CHECK_SECONDS = 15.0


def check_database(settings: Settings) -> None:
    """Raise ConfigError unless the database accepts a connection and its schema is at the latest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.engine import MIGRATIONS_DIR, make_engine

    shown = mask_database_url(settings.database_url)
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    sqlite_file = _sqlite_file(settings.database_url)
    if sqlite_file is not None and not sqlite_file.exists():  # connecting would create an empty file
        raise ConfigError(f"the database file {sqlite_file} does not exist: run `python -m bot migrate` first, or check DATABASE_URL")
    try:
        engine = make_engine(settings.database_url)
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        engine.dispose()
    except (SQLAlchemyError, ImportError) as error:
        raise ConfigError(f"DATABASE_URL {shown}: cannot connect ({first_line(error)})") from None
    if current != head:
        raise ConfigError(
            f"the database at {shown} is at migration {current or 'none'}, not {head}: run `python -m bot migrate` first"
        )


def check_slack_token(settings: Settings) -> None:
    """Raise ConfigError unless Slack accepts SLACK_BOT_TOKEN (auth.test)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    base_url = settings.slack_api_url or WebClient.BASE_URL
    try:
        WebClient(token=settings.slack_bot_token, base_url=base_url, timeout=15).auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else f"HTTP {error.response.status_code}"
        hint = " and that SLACK_API_URL ends with /api/" if settings.slack_api_url else ""
        raise ConfigError(
            f"SLACK_BOT_TOKEN was rejected by {base_url}auth.test ({code}): copy the Bot User OAuth Token (xoxb-…) "
            f"from the Slack app's OAuth & Permissions page{hint}"
        ) from None
    except OSError as error:
        raise ConfigError(f"cannot reach the Slack Web API at {base_url} ({first_line(error)}): check SLACK_API_URL and the network") from None


def check_slack_app_token(settings: Settings) -> None:
    """Raise ConfigError unless Slack accepts SLACK_APP_TOKEN for Socket Mode (apps.connections.open)."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    base_url = settings.slack_api_url or WebClient.BASE_URL
    try:
        WebClient(token=settings.slack_app_token, base_url=base_url, timeout=15).apps_connections_open(app_token=settings.slack_app_token)
    except SlackApiError as error:
        raise ConfigError(
            f"SLACK_APP_TOKEN was rejected by Slack ({error.response.get('error')}): create an app-level token with the "
            "connections:write scope (Basic Information > App-Level Tokens) and turn on Socket Mode"
        ) from None


def check_genesys_credentials(settings: Settings) -> None:
    """Raise ConfigError when Genesys rejects the OAuth client; only warn when it cannot be reached.

    A bot that starts while Genesys is briefly down recovers by itself; one with a
    wrong secret never does.
    """
    from bot.calls.diagnosis import diagnose
    from bot.calls.models import CallFailed
    from bot.genesys.budget import Budget, DeadlineExceeded
    from bot.genesys.client import GenesysDialer

    dialer = GenesysDialer(settings)
    budget = Budget(deadline=time.monotonic() + GENESYS_CHECK_SECONDS, clock=time.monotonic, sleep=time.sleep)
    try:
        dialer.tokens.token(budget)
    except CallFailed as error:
        diagnosis = diagnose(error.failure)
        if diagnosis.kind == "auth_failed":
            raise ConfigError(f"{diagnosis.title}: {diagnosis.action}") from None
        log.warning("could not check the Genesys OAuth client at start-up: %s", diagnosis.title)
    except DeadlineExceeded:
        log.warning("could not check the Genesys OAuth client at start-up within %.0f s", GENESYS_CHECK_SECONDS)
    finally:
        dialer.close()


def check_port_free(host: str, port: int) -> None:
    """Raise ConfigError when host:port cannot be bound (in use, or not an address here)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(f"cannot listen on {host}:{port} ({error.strerror or first_line(error)}): pick another --port or PORT") from None


def _sqlite_file(url: str) -> Path | None:
    """Return the file of a ``sqlite:///`` URL; None for other databases and in-memory SQLite."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:300]
