"""Reports a call's progress in Slack: a root message in the channel, replies in its thread.

Where the bot cannot post in the channel (a private channel or a DM it is not part
of), everything goes through the command's ``response_url`` instead, which works in
every channel type.
"""

from __future__ import annotations

import logging
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calls.service import CallResult, CallStart, Rejection
from bot.slack import messages

log = logging.getLogger(__name__)

Respond = Callable[..., object]


class SlackNotifier:
    """Implements the calls service's Notifier for one slash command."""

    def __init__(self, *, client: WebClient, respond: Respond, channel_id: str | None, raw_text: str) -> None:
        self._client = client
        self._respond = respond
        self._channel_id = channel_id
        self._raw_text = raw_text
        self._thread_ts: str | None = None

    def rejected(self, rejection: Rejection) -> None:
        text, blocks = messages.rejection(rejection, self._raw_text)
        self._send_response(text, blocks, response_type="ephemeral")

    def started(self, start: CallStart) -> str | None:
        text, blocks = messages.calling(start)
        if self._channel_id:
            try:
                response = self._client.chat_postMessage(channel=self._channel_id, text=text, blocks=blocks)
                self._thread_ts = response["ts"]
                return self._thread_ts
            except SlackApiError as error:
                log.info(
                    "chat.postMessage in %s failed (%s); responding through response_url",
                    self._channel_id, error.response.get("error"),
                )
        self._send_response(text, blocks, response_type="in_channel")
        return None

    def queued(self, seconds: float, reason: str) -> None:
        self._reply(*messages.queued(seconds, reason))

    def finished(self, result: CallResult) -> None:
        self._reply(*messages.finished(result))

    def _reply(self, text: str, blocks: list) -> None:
        if self._thread_ts is not None:
            try:
                self._client.chat_postMessage(channel=self._channel_id, thread_ts=self._thread_ts, text=text, blocks=blocks)
                return
            except SlackApiError as error:
                log.warning("thread reply in %s failed (%s); responding through response_url", self._channel_id, error.response.get("error"))
        self._send_response(text, blocks, response_type="in_channel")

    def _send_response(self, text: str, blocks: list, *, response_type: str) -> None:
        try:
            self._respond(text=text, blocks=blocks, response_type=response_type, replace_original=False)
        except Exception:  # the user is unreachable; the audit row still has the outcome
            log.exception("response_url message failed; the user got no message")
