"""The Bolt app: `/call` acknowledges at once and does its work in a lazy listener.

Slack allows 3 s for the acknowledgement. Nothing slow sits on that path: no
network call, no database query and no import of the Genesys SDK (about 4 s).
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.calls.models import CallRequest
from bot.calls.service import CallService
from bot.config import Settings
from bot.slack import messages
from bot.slack.notifier import SlackNotifier

log = logging.getLogger(__name__)

COMMAND = "/call"
HELP_WORDS = frozenset({"", "help", "-h", "--help", "?"})


def make_web_client(settings: Settings) -> WebClient:
    """Web API client with Slack's rate-limit retry (honours Retry-After, twice at most)."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_app(*, settings: Settings, service: CallService, client: WebClient | None = None) -> App:
    """Create the Bolt app with the `/call` listener registered.

    Bolt calls ``auth.test`` here, so a wrong SLACK_BOT_TOKEN fails at start-up.
    """
    app = App(
        client=client or make_web_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=False,
    )

    def acknowledge(ack: Ack, command: dict) -> None:
        if _wants_help(command):
            text, blocks = messages.usage()
            ack(text=text, blocks=blocks, response_type="ephemeral")
        else:
            ack()

    def place_call(command: dict, respond: Respond, client: WebClient) -> None:
        if _wants_help(command):
            return
        request = CallRequest(
            team_id=command.get("team_id") or command.get("enterprise_id") or "",
            user_id=command["user_id"],
            channel_id=command.get("channel_id"),
            text=command.get("text") or "",
        )
        notifier = SlackNotifier(client=client, respond=respond, channel_id=request.channel_id, raw_text=request.text)
        try:
            service.handle(request, notifier)
        except Exception:
            log.exception("/call from %s failed before an answer was sent", request.user_id)
            respond(
                text="The bot hit an internal error before placing your call, so nothing was dialed. "
                "Try again; if it keeps failing, ask your bot admin to check the bot's log.",
                response_type="ephemeral",
            )

    app.command(COMMAND)(ack=acknowledge, lazy=[place_call])
    return app


def _wants_help(command: dict) -> bool:
    return (command.get("text") or "").strip().lower() in HELP_WORDS
