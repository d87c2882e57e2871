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
from phonenumbers import Leniency, PhoneNumber, PhoneNumberFormat, PhoneNumberMatcher, shortnumberinfo
from phonenumbers.phonenumber import CountryCodeSource

from bot.phone.countries import country_name, with_article
from bot.phone.text import ADDRESS, clean_label

# Region code for "no default country": only numbers with + or an international prefix are read.
UNKNOWN_REGION = "ZZ"
# Region code phonenumbers gives to numbers of no country (+800, +808, +870, +881 ...).
NON_GEOGRAPHIC_REGION = "001"


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
    """Find the one valid number in search; the label is cut from display at the same positions.

    Text with a phone service code (*67, #31#) or an extension marker without digits
    is rejected, because as a label either would hide part of what the user typed.
    """
    if "*" in search or "#" in search:
        code = find_service_code(search)
        if code is not None:
            return NotFound("invalid", _service_code_message(code))
    if search.rstrip()[-1:].lower() in _MARKER_ENDINGS:
        marker = _BARE_EXTENSION_MARKER.search(search)
        if marker is not None:
            return _refuse_bare_marker(search, display, region, marker)
    return _find_one(search, display, region)


def _find_one(search: str, display: str, region: str) -> Found | NotFound:
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
    if start == 0 and end == len(display):
        return Found(number, number_region, None)
    return with_label(number, number_region, display[:start] + " " + display[end:], region)


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
    rest = display[: match.start] + " " + display[match.end :]
    return with_label(match.number, phonenumbers.region_code_for_number(match.number), rest, region)


_MULTIPLE_MESSAGE = "The text contains more than one phone number, so send one number per /call."


def with_label(number: PhoneNumber, number_region: str, rest: str, region: str) -> Found | NotFound:
    """Return the number with the text around it as its label, or multiple_numbers if that text names a number.

    rest is the text as the user sees it, so it includes the visible text of links that
    the search never reads. A URL or email address that contains a number is left out
    of the label rather than refused, because its digits are part of the address.
    """
    if any(character.isdigit() for character in rest):
        rest = ADDRESS.sub(lambda address: "" if names_number(address.group(), region) else address.group(), rest)
        if names_number(rest, region):
            return NotFound("multiple_numbers", _MULTIPLE_MESSAGE)
    return Found(number, number_region, clean_label(rest))


def names_number(text: str, region: str) -> bool:
    """Return whether text contains a possible phone number, vanity numbers included.

    Checks what the search reads (digits, and vanity letters in the forms rewrite_prefixes
    dials) and what phonenumbers.parse reads from digits and the word after them, so
    "1 800 flowers" and "204 main" (a possible 7-digit local number in the US) count.
    """
    rewritten, _ = rewrite_prefixes(text, text, region)
    if _contains_number(rewritten, region):
        return True
    for candidate in _DIGITS_AND_WORD.finditer(text):
        number = parse_or_none(candidate.group(), region)
        if number is not None and phonenumbers.is_possible_number(number):
            return True
    return False


# Digits with the word after them, which phonenumbers.parse converts to keypad digits when it has 3 or more letters.
_DIGITS_AND_WORD = re.compile(r"\+?\(?\d[\d().\- ]*(?:[A-Za-z]+(?:[\-.][A-Za-z\d]+)*)?")


# --- text refused before the search ---------------------------------------------------

# A token that starts with a phone service code: *67 and *82 (North American vertical
# service codes), #31#, *31# and *#06# (GSM codes). "#204" after a number is an extension.
_SERVICE_CODE = re.compile(r"(?<!\S)(?:\*[*#]*\d|#[*#]*\d+[*#])\S*")
_SERVICE_CODE_ONLY = re.compile(r"[*#]{1,2}\d{1,3}[*#]?")
# Slack bold ends with a "*" after a non-space character: "*415 555 0134*".
_BOLD_END = re.compile(r"\S\*(?!\S)")


def find_service_code(search: str) -> str | None:
    """Return the first token that starts with a phone service code, or None."""
    for match in _SERVICE_CODE.finditer(search):
        token = match.group().rstrip(",;:.")
        if token.startswith("*") and _BOLD_END.search(search, match.start() + 1):
            continue
        return token
    return None


def _service_code_message(token: str) -> str:
    if _SERVICE_CODE_ONLY.fullmatch(token):
        subject = f"{token} is a phone service code"
    else:
        subject = f"{token} starts with a phone service code"
    return f"{subject}, and this bot cannot use service codes because it sets the caller ID itself, so send only the number."


# An extension marker with no digits after it at the end of the text: "4155550134x", "415-555-0134 ext.".
_BARE_EXTENSION_MARKER = re.compile(r"(?i)\d[\s.\-)]*(?P<marker>x|ext|extn|extension)\.?:?\s*$")
_MARKER_ENDINGS = frozenset("xtn.:")


def _refuse_bare_marker(search: str, display: str, region: str, marker: re.Match[str]) -> NotFound:
    """Reject text that ends in an extension marker, or return why the number before the marker is rejected."""
    cut = marker.start("marker")
    found = _find_one(search[:cut], display[:cut], region)
    if isinstance(found, NotFound):
        return found
    typed = marker.group("marker")
    number = phonenumbers.format_number(found.number, PhoneNumberFormat.E164)
    return NotFound(
        "invalid",
        f'{number} is followed by "{typed}" but no extension digits, so add the extension after "{typed}" or remove it to call the main number.',
    )


def parse_or_none(text: str, region: str, *, keep_raw_input: bool = False) -> PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region, keep_raw_input=keep_raw_input)
    except phonenumbers.NumberParseException:
        return None


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

    classified = [(span, *_classify_digits(span, region)) for span in spans]
    for span, reason, _ in classified:
        if reason == "emergency":
            return NotFound("emergency", f"{span} is an emergency number, which this bot never dials, so call it from a phone directly.")
    if len([span for span in spans if sum(character.isdigit() for character in span) >= 3]) > 1:
        return NotFound("multiple_numbers", _MULTIPLE_MESSAGE)

    span, reason, number = max(classified, key=lambda item: len(item[0]))
    if reason == "short_code":
        return NotFound("short_code", f"{span} is a short code, which this bot cannot dial, so use the full phone number instead.")
    return NotFound("invalid", _invalid_message(span, number, region))


# How a parsed number got its country code when the user typed one.
_EXPLICIT_SOURCES = (CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN, CountryCodeSource.FROM_NUMBER_WITH_IDD)


def _invalid_message(span: str, number: PhoneNumber | None, region: str) -> str:
    """Say why span is no dialable number, naming the country only where the text or the default sets it.

    number: span as _classify_digits parsed it, None if it could not be parsed.
    """
    span_to_parse = span
    if _DOUBLE_ZERO.match(span):
        span_to_parse = "+" + span[2:]  # "0044 ..." means +44 wherever the local prefix is not 00
        number = parse_or_none(span_to_parse, region, keep_raw_input=True)

    # The matcher skips a valid number that touches letters or symbols, so say that
    # rather than call the number invalid.
    if number is not None and phonenumbers.is_valid_number(number):
        return f"{span} is a valid number, but the characters next to it in the text could not be read, so put a space between the number and any other words."

    if span_to_parse.startswith("+") or (number is not None and number.country_code_source in _EXPLICIT_SOURCES):
        if number is None:
            return f"{span} does not start with a known country code, so check the digits after the + or the international prefix."
        number_region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(number.country_code)
        if number_region in (UNKNOWN_REGION, NON_GEOGRAPHIC_REGION):
            where = "a valid international number"
        else:
            where = f"a valid phone number in {with_article(country_name(number_region))}"
        return f"{span} is not {where}, so check the digits after the country code {number.country_code}."

    if region == UNKNOWN_REGION:
        return f"{span} is not a valid phone number, so start it with + and the country code."
    return f"{span} is not a valid phone number in {with_article(country_name(region))}, so check the digits or start with + and the country code."


def _classify_digits(span: str, region: str) -> tuple[str, PhoneNumber | None]:
    """Return "emergency", "short_code" or "invalid" for digits that are no valid number, and the parsed number."""
    number = parse_or_none(span, region, keep_raw_input=True)
    if number is None:
        return "invalid", None

    if number.country_code_source in _EXPLICIT_SOURCES:
        national = phonenumbers.national_significant_number(number)
        regions = phonenumbers.region_codes_for_country_code(number.country_code)
    else:
        national = phonenumbers.normalize_digits_only(span)
        regions = (region,)

    # connects_to_emergency_number also matches longer digits that start with an
    # emergency number (9115551234 in the US), because a switch may route those too.
    if any(shortnumberinfo.connects_to_emergency_number(national, code) for code in regions):
        return "emergency", number
    if any(shortnumberinfo.is_valid_short_number_for_region(number, code) for code in regions):
        return "short_code", number
    return "invalid", number
