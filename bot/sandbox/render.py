"""Plain-text rendering of recorded Slack messages, for the demo and the tests."""

from __future__ import annotations

import html
import re


def message_text(message) -> str:
    """Turn a message's blocks into plain text, roughly as Slack displays it."""
    parts: list[str] = []
    for block in message.blocks or []:
        if block.get("type") == "section":
            parts.append(block.get("text", {}).get("text", ""))
        elif block.get("type") == "context":
            parts.append("  ".join(element.get("text", "") for element in block.get("elements", [])))
    text = "\n".join(parts) if parts else (message.text or "")
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    return html.unescape(text)
