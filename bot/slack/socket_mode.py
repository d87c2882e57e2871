"""`bot socket`: Socket Mode, for development and hosts without a public URL."""

from __future__ import annotations

import argparse
import logging

from bot import preflight
from bot.cli import configure_logging
from bot.config import GENESYS, SLACK_SOCKET, load_settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Connect to Slack over a WebSocket with the app-level token SLACK_APP_TOKEN "
        "(scope connections:write); Slack needs no Request URL."
    )


def run(args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import build_runtime

    settings = load_settings(require=SLACK_SOCKET + GENESYS)
    configure_logging(settings.log_level)
    preflight.check_database(settings)
    preflight.check_slack_token(settings)
    preflight.check_slack_app_token(settings)
    preflight.check_genesys_credentials(settings)
    runtime = build_runtime(settings)
    runtime.warm_up_in_background()
    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(runtime.app, settings.slack_app_token).start()
    return 0
