"""Find the one phone number in prepared text, or the reason there is none.

phonenumbers does the parsing, and this module chooses what to hand it. Text of the
usual shape (words, a number, an extension) goes to phonenumbers.parse whole. Other
text goes to the PhoneNumberMatcher, first as typed and then with what the matcher
does not read rewritten: a "00" prefix where the local one differs, vanity letters.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import Leniency, PhoneNumber, PhoneNumberMatcher, shortnumberinfo
from phonenumbers.phonenumber import CountryCodeSource

from bot.phone.countries import country_name, with_article
from bot.phone.text import clean_label

# Region code for "no default country": only numbers with + or an international prefix are read.
UNKNOWN_REGION = "ZZ"


class Found(NamedTuple):
    """One valid number, the region it belongs to (region_code_for_number) and the words around it."""

    number: PhoneNumber
    region: str
    label: str | None


class NotFound(NamedTuple):
    """No dialable number: a reason code and one sentence for the user."""

    reason: str
    message: str


def find_number(search: str, display: str, region: str) -> Found | NotFound:
    """Find the one valid number in search; the label is cut from display at the same positions."""
    found = split_usual(search, display, region)
    if found is not None:
        return found
    rewritten, rewritten_display = rewrite_prefixes(search, display, region)
    if rewritten != search:
        found = split_usual(rewritten, rewritten_display, region)
        if found is not None:
            return found
    return find_with_matcher(search, display, region)


# The common case, for speed: words without digits, one number, an optional extension,
# words without digits. phonenumbers.parse still decides whether the number is valid;
# anything this does not fit goes to the PhoneNumberMatcher path.
_SIMPLE = re.compile(
    r"(?P<before>[^\W\d][^\d+(]*?)??\s*"
    r"(?P<number>\+?\(?\d[\d ().\-]{5,30}\d)"
    r"(?P<extension>\s*(?:x|ext\.?|extension|#)\s*\d{1,9})?"
    r"(?P<after>(?:\s+|\s*[,;:]\s*)[^\W\d][^\d]*)?\s*",
    re.IGNORECASE,
)


def split_usual(search: str, display: str, region: str) -> Found | None:
    """Read text of the usual shape with one phonenumbers.parse call, or return None to use the matcher."""
    match = _SIMPLE.fullmatch(search)
    if match is None:
        return None
    start = match.start("number")
    end = match.end("extension") if match.group("extension") else match.end("number")
    try:
        number = phonenumbers.parse(search[start:end], region)
    except phonenumbers.NumberParseException:
        return None

    # The same test as is_valid_number, with the region kept for the policy checks.
    number_region = phonenumbers.region_code_for_number(number)
    if number_region is None or not phonenumbers.is_valid_number_for_region(number, number_region):
        return None
    label = None
    if start > 0 or end < len(display):
        label = clean_label(display[:start] + " " + display[end:])
    return Found(number, number_region, label)


def find_with_matcher(search: str, display: str, region: str) -> Found | NotFound:
    """Find the one valid number with PhoneNumberMatcher, rewriting prefixes and vanity letters if it finds none."""
    matches = list(PhoneNumberMatcher(search, region))
    if not matches:
        rewritten, rewritten_display = rewrite_prefixes(search, display, region)
        if rewritten != search:
            matches = list(PhoneNumberMatcher(rewritten, region))
            if matches:
                search, display = rewritten, rewritten_display
    if len(matches) > 1:
        return NotFound("multiple_numbers", _MULTIPLE_MESSAGE)
    if not matches:
        return _classify_unmatched(search, region)

    match = matches[0]
    rest = search[: match.start] + " " + search[match.end :]
    if _contains_number(rest, region):
        return NotFound("multiple_numbers", _MULTIPLE_MESSAGE)
    label = clean_label(display[: match.start] + " " + display[match.end :])
    return Found(match.number, phonenumbers.region_code_for_number(match.number), label)


_MULTIPLE_MESSAGE = "The text contains more than one phone number, so send one number per /call."

# A "00" that starts a digit group: the international prefix of most of the world.
_DOUBLE_ZERO = re.compile(r"(?<![\w+])00(?=[ (\-.]*[1-9])")
# Vanity letters joined to digits by a dash or dot (1-800-flowers), or capitals after a space (1 800 FLOWERS).
# NOTE: lower-case letters after a space ("1 800 flowers") are read as a label, because
# "call 911 now" must stay an emergency number and not become 911669.
_VANITY = re.compile(
    r"(?<!\w)(?P<digits>\+?\(?\d[\d().\- ]*?)"
    r"(?:[\-.](?P<joined>[A-Za-z][A-Za-z\d\-.]*[A-Za-z\d])|\s(?P<spaced>[A-Z][A-Z\d\-]*[A-Z\d]))(?!\w)"
)
_NANP_NATIONAL_DIGITS = 10


def rewrite_prefixes(search: str, display: str, region: str) -> tuple[str, str]:
    """Rewrite what the matcher does not read: a leading 00 where the local prefix differs, and vanity letters.

    A "0044" typed by a US caller means +44 even though the US international prefix is
    011. Vanity letters become keypad digits, and for North American numbers letters
    past the seventh of the local number are dropped, as the convention allows.
    Both strings keep their length.
    """
    search_characters = list(search)
    display_characters = list(display)
    for prefix in _DOUBLE_ZERO.finditer(search):
        search_characters[prefix.start() : prefix.end()] = display_characters[prefix.start() : prefix.end()] = [" ", "+"]
    search = "".join(search_characters)
    for vanity in _VANITY.finditer(search):
        letters = vanity.group("joined") or vanity.group("spaced")
        if sum(character.isalpha() for character in letters) < 3:
            continue
        converted = phonenumbers.convert_alpha_characters_in_number(vanity.group())
        digits = [character for character in converted if character.isdigit()]
        is_nanp = converted.lstrip("(").startswith("+1") or (phonenumbers.country_code_for_region(region) == 1 and not converted.startswith("+"))
        limit = len(digits)
        if is_nanp:
            limit = _NANP_NATIONAL_DIGITS + (1 if digits and digits[0] == "1" else 0)
        seen = 0
        for offset, (original, new) in enumerate(zip(vanity.group(), converted)):
            position = vanity.start() + offset
            if new.isdigit():
                seen += 1
            if seen > limit and original.isalpha():
                search_characters[position] = " "
                display_characters[position] = " "
            else:
                search_characters[position] = new
    return "".join(search_characters), "".join(display_characters)


def _contains_number(text: str, region: str) -> bool:
    """Return whether text still contains something that could be another phone number."""
    if sum(character.isdigit() for character in text) < 3:
        return False
    if any(True for _ in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE)):
        return True
    return any(sum(character.isdigit() for character in span.group()) >= 7 for span in _DIGIT_SPAN.finditer(text))


# Digits with the punctuation people put between them.
_DIGIT_SPAN = re.compile(r"\+?\(?\d[\d ().\-/]*")


def _classify_unmatched(search: str, region: str) -> NotFound:
    """Reject text in which no valid number was found: emergency, short code or invalid.

    NOTE: emergency and short numbers are only looked for here. A number that
    phonenumbers calls valid is dialed as it is, whatever digits it starts with.
    """
    spans = [span.group().strip(" .-/(") for span in _DIGIT_SPAN.finditer(search)]
    spans = [span for span in spans if span]
    if not spans:
        return NotFound("invalid", "The text contains no phone number, so type one after /call, for example /call +1 415 555 0134.")

    reasons = [(_classify_digits(span, region), span) for span in spans]
    for reason, span in reasons:
        if reason == "emergency":
            return NotFound("emergency", f"{span} is an emergency number, which this bot never dials, so call it from a phone directly.")
    if len([span for span in spans if sum(character.isdigit() for character in span) >= 3]) > 1:
        return NotFound("multiple_numbers", _MULTIPLE_MESSAGE)

    reason, span = max(reasons, key=lambda item: len(item[1]))
    if reason == "short_code":
        return NotFound("short_code", f"{span} is a short code, which this bot cannot dial, so use the full phone number instead.")
    if region == UNKNOWN_REGION:
        return NotFound("invalid", f"{span} is not a valid phone number, so start it with + and the country code.")
    return NotFound("invalid", f"{span} is not a valid phone number in {with_article(country_name(region))}, so check the digits or start with + and the country code.")


def _classify_digits(span: str, region: str) -> str:
    """Return "emergency", "short_code" or "invalid" for digits that are no valid number."""
    try:
        number = phonenumbers.parse(span, region if region != UNKNOWN_REGION else None, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return "invalid"

    if number.country_code_source in (CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN, CountryCodeSource.FROM_NUMBER_WITH_IDD):
        national = phonenumbers.national_significant_number(number)
        regions = phonenumbers.region_codes_for_country_code(number.country_code)
    else:
        national = phonenumbers.normalize_digits_only(span)
        regions = (region,)

    # connects_to_emergency_number also matches longer digits that start with an
    # emergency number (9115551234 in the US), because a switch may route those too.
    if any(shortnumberinfo.connects_to_emergency_number(national, code) for code in regions):
        return "emergency"
    if any(shortnumberinfo.is_valid_short_number_for_region(number, code) for code in regions):
        return "short_code"
    return "invalid"
