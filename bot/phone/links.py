"""Compare the two sides of a Slack tel: link: the number it dials and the text the user sees.

Slack sends ``<tel:+14155550134|(415) 555-0134>``, and a crafted link can show one
number and dial another: ``<tel:+14155550134|(212) 555-0134>``.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat

from bot.phone.search import Found, NotFound, find_number, parse_or_none


def check_tel_links(links: list[tuple[str, str]], region: str, *, link_number: PhoneNumber | None = None) -> NotFound | None:
    """Reject a Slack tel: link whose visible text is a different number from the one it dials.

    links: (target, visible text) pairs from text.find_tel_links. The visible text is
    read as /call text with the default country. Visible text without digits ("call
    Jane") is not compared. link_number: the number read from the visible text when the
    text is one tel: link and nothing else, so the usual link needs no further parse.
    """
    if link_number is not None and len(links) == 1 and _is_e164_of(links[0][0], link_number):
        return None
    for target, visible in links:
        if not any(character.isdigit() for character in visible):
            continue
        dialed = parse_or_none(target, region)
        if dialed is None:
            return _link_mismatch(target.strip(), visible)
        if link_number is not None and len(links) == 1:
            visible_number = link_number
        else:
            visible_number = parse_or_none(visible, region)
        if _same_number(dialed, visible_number):
            continue
        visible_found = find_number(visible, visible, region)  # vanity letters, a "00" prefix, a label
        if isinstance(visible_found, Found) and _same_number(dialed, visible_found.number):
            continue
        # The text may be written as people write numbers in the link's own country:
        # "(415) 555-0134" for +1 415 555 0134, seen by a user whose default is GB.
        dialed_region = phonenumbers.region_code_for_number(dialed)
        if dialed_region not in (None, "ZZ", region) and _same_number(dialed, parse_or_none(visible, dialed_region)):
            continue
        dialed_text = phonenumbers.format_number(dialed, PhoneNumberFormat.E164)
        if dialed.extension:
            dialed_text += f" ext. {dialed.extension}"
        return _link_mismatch(dialed_text, visible)
    return None


def _link_mismatch(dialed_text: str, visible: str) -> NotFound:
    return NotFound(
        "multiple_numbers",
        f"The link and its text name different numbers (the link dials {dialed_text}, the text shows {visible.strip()}), so send only the number you mean to call.",
    )


_E164_TARGET = re.compile(r"\+\d+")
_TARGET_SEPARATORS = str.maketrans("", "", " -.()")


def _is_e164_of(target: str, number: PhoneNumber) -> bool:
    """Return whether target is number in E.164 ("+14155550134", separators allowed), without parsing it."""
    digits = target.translate(_TARGET_SEPARATORS)
    if number.extension or not _E164_TARGET.fullmatch(digits):
        return False
    return digits == f"+{number.country_code}{phonenumbers.national_significant_number(number)}"


def _same_number(first: PhoneNumber, second: PhoneNumber | None) -> bool:
    """Compare what is dialed: country code, national number with its leading zeros, and extension."""
    return (
        second is not None
        and first.country_code == second.country_code
        and first.national_number == second.national_number
        and bool(first.italian_leading_zero) == bool(second.italian_leading_zero)
        and (first.number_of_leading_zeros or 1) == (second.number_of_leading_zeros or 1)
        and (first.extension or None) == (second.extension or None)
    )
