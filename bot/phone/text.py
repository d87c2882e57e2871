"""Prepare Slack command text for number search: unwrap links, normalise characters.

Slack sends ``<tel:+14155550134|(415) 555-0134>`` when a client turns a number into
a link, escapes ``&``, ``<`` and ``>`` as entities, and passes on whatever digits,
spaces and dashes the user typed (non-breaking spaces, en dashes, full-width or
Arabic-Indic digits).
"""

from __future__ import annotations

import re
import unicodedata

MAX_LABEL_LENGTH = 200  # the length of call_attempts.label

# Slack's escaped links: <tel:+14155550134|(415) 555-0134>, <mailto:a@b.c|a@b.c>, <https://x>, <@U123>.
_SLACK_LINK = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
# Links typed or pasted without Slack's escaping. A bare tel: prefix is dropped, the others hidden.
_BARE_LINK = re.compile(r"(?i)\b(?:https?://|www\.|mailto:)\S*|\S+@\S+\.\w+|\btel:")
# URLs and email addresses, also without a scheme when they have a path: example.com/4155550134.
ADDRESS = re.compile(r"(?i)\b(?:https?://|www\.|mailto:)\S*|\S+@\S+\.\w+|\b[a-z\d-]+(?:\.[a-z\d-]+)*\.[a-z]{2,}/\S*")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
_EXTRA_SPACES = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x1f\x85")
_EXTRA_DASHES = frozenset("\u2212\u2010\u2011\u2043\ufe63")  # minus sign, hyphens, hyphen bullet, small minus


class _CharacterMap(dict):
    """str.translate table: any decimal digit -> ASCII, Unicode spaces and dashes -> ' ' and '-'.

    Full-width ASCII forms become ASCII, format and control characters are dropped.
    Entries are computed on first use and cached, up to a bound so hostile text
    cannot grow the table without limit.
    """

    MAX_ENTRIES = 4096

    def __missing__(self, code: int) -> str:
        value = _normalise_character(chr(code))
        if len(self) < self.MAX_ENTRIES:
            self[code] = value
        return value


def _normalise_character(character: str) -> str:
    category = unicodedata.category(character)
    if category == "Nd":
        return str(unicodedata.decimal(character))
    if category in ("Zs", "Zl", "Zp") or character in _EXTRA_SPACES:
        return " "
    if category == "Pd" or character in _EXTRA_DASHES:
        return "-"
    if "\uff01" <= character <= "\uff5e":
        return chr(ord(character) - 0xFEE0)
    if category in ("Cc", "Cf", "Cs"):
        return ""
    return character


_CHARACTER_MAP = _CharacterMap()


def normalise_text(text: str) -> str:
    """Turn every decimal digit into ASCII and every Unicode space and dash into ' ' and '-'."""
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_CHARACTER_MAP)


def prepare_text(text: str) -> tuple[str, str]:
    """Unwrap Slack links and normalise characters; return the text to search and the text to show.

    Both strings have the same length, so a span found in the first cuts the label out
    of the second. Text of mailto:, http and other non-phone links is display in the label
    but replaced by spaces in the search text, so digits inside it are never dialed.
    A tel: link is read from its visible text when that has digits, because that is the
    number the user sees, and otherwise from its target. The caller compares the two
    with find_tel_links.
    """
    if "<" not in text and "&" not in text and ":" not in text and "@" not in text and "www." not in text:
        plain = normalise_text(text)
        return plain, plain

    search: list[str] = []
    display: list[str] = []
    position = 0
    for link in _SLACK_LINK.finditer(text):
        _add_plain(text[position : link.start()], search, display)
        target, visible = link.group(1), link.group(2)
        if target[:4].lower() == "tel:":
            if visible is not None and any(character.isdigit() for character in visible):  # isdigit is true for digits of every script
                _add_plain(visible, search, display)
            else:
                number = normalise_text(target[4:])
                search.append(number)
                display.append(number)
        else:
            if visible is None and target[:7].lower() == "mailto:":
                visible = target[7:]
            hidden = normalise_text(visible if visible is not None else target)
            search.append(" " * len(hidden))
            display.append(hidden)
        position = link.end()
    _add_plain(text[position:], search, display)
    return "".join(search), "".join(display)


def find_tel_links(text: str) -> list[tuple[str, str]]:
    """Return the target and the visible text of each Slack tel: link that has visible text, both normalised."""
    links = []
    for link in _SLACK_LINK.finditer(text):
        target, visible = link.group(1), link.group(2)
        if visible is not None and target[:4].lower() == "tel:":
            links.append((normalise_text(target[4:]), normalise_text(_unescape(visible))))
    return links


def _unescape(piece: str) -> str:
    for entity, character in _SLACK_ENTITIES:
        piece = piece.replace(entity, character)
    return piece


def _add_plain(piece: str, search: list[str], display: list[str]) -> None:
    piece = normalise_text(_unescape(piece))
    position = 0
    for link in _BARE_LINK.finditer(piece):
        search.append(piece[position : link.start()])
        display.append(piece[position : link.start()])
        if link.group().lower() != "tel:":
            search.append(" " * len(link.group()))
            display.append(link.group())
        position = link.end()
    search.append(piece[position:])
    display.append(piece[position:])


def clean_label(text: str) -> str | None:
    """Collapse the words left around the number into a label, or None if no letter or digit is left."""
    label = " ".join(text.split()).strip(" ,;:-/|.<>")
    if not any(character.isalnum() for character in label):
        return None
    return label[:MAX_LABEL_LENGTH]
