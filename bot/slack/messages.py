"""Block Kit messages the bot sends, built with slack_sdk's typed blocks.

Every builder returns ``(text, blocks)``: ``text`` is the plain fallback Slack shows
in notifications, ``blocks`` the rich message. Text that came from a user or from
Genesys goes through :func:`escape` first.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.calls.models import GenesysFailure
from bot.calls.service import CallResult, CallStart, Rejection

# Slack's limit for a section's text is 3,000 characters.
SECTION_LIMIT = 3000

USAGE_EXAMPLES = (
    ("/call (415) 555-0134", "a number in your default country"),
    ("/call +44 20 7946 0958", "any country, with its code"),
    ("/call Jane Doe 415-555-0134 x204", "a label and an extension"),
)


def escape(text: str) -> str:
    """Escape &, < and > so user text cannot ping a channel or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and > in the text of a command."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def usage() -> tuple[str, list]:
    lines = "\n".join(f"• `{example}`: {description}" for example, description in USAGE_EXAMPLES)
    text = "Place a phone call through Genesys Cloud: /call followed by a phone number."
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f"*Place a phone call through Genesys Cloud*\n{lines}")),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="The call is placed as your Genesys Cloud user, with your caller ID. "
                    "Emergency, short and premium-rate numbers are never dialed."
                )
            ]
        ),
    ]
    return text, blocks


def rejection(rejected: Rejection, raw_text: str) -> tuple[str, list]:
    shown = escape(_clip(unescape(raw_text).strip(), 200)).replace("`", "'")
    heading = f":no_entry: *Not dialed:* `{shown}`" if shown else ":no_entry: *Not dialed*"
    text = escape(f"Not dialed: {rejected.message}")
    blocks = [SectionBlock(text=MarkdownTextObject(text=f"{heading}\n{escape(rejected.message)}"))]
    if rejected.reason in ("empty", "invalid", "multiple_numbers"):
        examples = " · ".join(f"`{example}`" for example, _ in USAGE_EXAMPLES)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Examples: {examples}")]))
    return text, blocks


def calling(start: CallStart) -> tuple[str, list]:
    destination = escape(start.number.display or start.number.message)
    if start.number.label:
        destination = f"*{escape(start.number.label)}* at {destination}"
    text = f"Calling {start.number.e164}"
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f":telephone_receiver: <@{start.user_id}> is calling {destination}")),
        ContextBlock(elements=[MarkdownTextObject(text=f"Caller ID {start.caller_id} · attempt {start.attempt_id}")]),
    ]
    return text, blocks


def queued(seconds: float, reason: str) -> tuple[str, list]:
    text = escape(f"Queued: {reason}. Trying again in about {seconds:.0f} s.")
    return text, [SectionBlock(text=MarkdownTextObject(text=f":hourglass_flowing_sand: {text}"))]


def finished(result: CallResult) -> tuple[str, list]:
    if result.placed is not None:
        return _placed(result)
    return _diagnosis(result)


def _placed(result: CallResult) -> tuple[str, list]:
    conversation_id = escape(result.placed.conversation_id)
    text = f"Call placed. Conversation ID: {conversation_id}"
    body = f":white_check_mark: *Call placed.* Genesys Cloud is calling {escape(result.number.display or result.number.e164)} for you.\nConversation ID: `{conversation_id}`"
    if result.number.extension:
        body += f"\nWhen the call connects, dial extension *{escape(result.number.extension)}*."
        text += f". Dial extension {escape(result.number.extension)} when it connects."
    requests = result.placed.requests_sent
    context = f"Attempt {result.attempt_id} · {requests} request{'s' if requests != 1 else ''} to Genesys Cloud"
    if result.placed.correlation_id:
        context += f" · correlation ID {escape(result.placed.correlation_id)}"
    blocks = [SectionBlock(text=MarkdownTextObject(text=body)), ContextBlock(elements=[MarkdownTextObject(text=context)])]
    if result.placed.retried_after:
        earlier = "\n".join(_earlier_failure(failure) for failure in result.placed.retried_after)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_clip(f"Retried after:\n{earlier}", SECTION_LIMIT))]))
    return text, blocks


def _earlier_failure(failure: GenesysFailure) -> str:
    """Describe in one line a failed request that was safely repeated (a 503, a 429, an expired token)."""
    if failure.status is not None:
        what = f"HTTP {failure.status}" + (f" {escape(failure.code)}" if failure.code else "")
    else:
        what = f"no connection ({escape(failure.transport or 'transport error')})"
    if failure.correlation_id:
        what += f", correlation ID {escape(failure.correlation_id)}"
    return f"• {failure.phase} request: {what}"


def _diagnosis(result: CallResult) -> tuple[str, list]:
    diagnosis = result.diagnosis
    icon = ":warning:" if diagnosis.outcome == "unknown" else ":x:"
    text = escape(f"{diagnosis.title}. {diagnosis.cause} {diagnosis.action}")
    body = f"{icon} *{escape(diagnosis.title)}*\n*Why:* {escape(diagnosis.cause)}\n*What to do:* {escape(diagnosis.action)}"
    details = "\n".join(f"*{escape(label)}:* {escape(_clip(value, 500))}" for label, value in diagnosis.details)
    blocks = [SectionBlock(text=MarkdownTextObject(text=_clip(body, SECTION_LIMIT)))]
    if details:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(details, SECTION_LIMIT))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Attempt {result.attempt_id} · {diagnosis.kind}")]))
    return text, blocks


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
