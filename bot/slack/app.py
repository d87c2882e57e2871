"""The Bolt app: `/call` acknowledges at once and hands its work to a call worker.

Slack allows 3 s for the acknowledgement. Nothing slow sits on that path: no
network call, no database query and no import of the Genesys SDK (about 4 s).

The work does not run as a Bolt lazy listener. Bolt (slack_bolt 1.30) runs lazy
listeners in the same thread pool as the acknowledging listeners, five threads by
default, and each acknowledgement waits for a free thread: five calls waiting on
Genesys would hold back every `/call` behind them. The calls get their own pool.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Executor, ThreadPoolExecutor

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
# Calls in progress at once per process; more wait in the pool's queue. The threads
# mostly wait on Genesys and Slack, and pacing (GENESYS_REQUESTS_PER_MINUTE) limits
# the request rate anyway.
CALL_WORKERS = 32


def make_web_client(settings: Settings) -> WebClient:
    """Web API client with Slack's rate-limit retry (honours Retry-After, twice at most)."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_app(
    *, settings: Settings, service: CallService, client: WebClient | None = None, workers: Executor | None = None
) -> App:
    """Create the Bolt app with the `/call` listener registered.

    workers: runs each call after the acknowledgement; default a pool of CALL_WORKERS threads.
    Bolt calls ``auth.test`` here, so a wrong SLACK_BOT_TOKEN fails at start-up.
    """
    workers = workers or ThreadPoolExecutor(max_workers=CALL_WORKERS, thread_name_prefix="call")
    # Bolt reads SLACK_BOT_TOKEN from the environment even when given a client, and
    # then warns at every start that the token is unused. The client has the token.
    bolt_logger = logging.getLogger("slack_bolt.App")
    if _SKIP_UNUSED_TOKEN_WARNING not in bolt_logger.filters:
        bolt_logger.addFilter(_SKIP_UNUSED_TOKEN_WARNING)
    app = App(
        client=client or make_web_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=False,
    )

    def acknowledge(ack: Ack, command: dict, respond: Respond, client: WebClient) -> None:
        if _wants_help(command):
            text, blocks = messages.usage()
            ack(text=text, blocks=blocks, response_type="ephemeral")
            return
        ack()
        workers.submit(place_call, command, respond, client, time.monotonic())

    def place_call(command: dict, respond: Respond, client: WebClient, received_at: float) -> None:
        user_id = command.get("user_id") or ""
        try:
            request = CallRequest(
                team_id=command.get("team_id") or command.get("enterprise_id") or "",
                user_id=user_id,
                channel_id=command.get("channel_id"),
                text=command.get("text") or "",
                trigger_id=command.get("trigger_id") or None,
                received_at=received_at,
            )
            notifier = SlackNotifier(client=client, respond=respond, channel_id=request.channel_id, raw_text=request.text)
            service.handle(request, notifier)
        except Exception:
            log.exception("/call from %s failed before its result was sent", user_id)
            try:
                respond(
                    text="The bot hit an internal error while handling your call, so it may or may not have been placed. "
                    "Check your Genesys Cloud call history before you dial again, and ask your bot admin to check the bot's log.",
                    response_type="ephemeral",
                )
            except Exception:
                log.exception("could not tell %s about the internal error", user_id)

    app.command(COMMAND)(acknowledge)
    return app


class _SkipUnusedTokenWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_SKIP_UNUSED_TOKEN_WARNING = _SkipUnusedTokenWarning()


def _wants_help(command: dict) -> bool:
    return (command.get("text") or "").strip().lower() in HELP_WORDS
