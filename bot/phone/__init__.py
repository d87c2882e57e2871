"""Read the destination of a ``/call``: Slack text in, one dialable E.164 number or a refusal out.

The text may hold a Slack ``tel:`` link, a label ("Jane Doe 415-555-0134"), an
extension, vanity letters, international prefixes and any Unicode digits, spaces
and dashes. phonenumbers does the parsing and supplies the metadata. The steps:
``text`` unwraps links and normalises characters, ``search`` picks the one number
(or returns why there is none), and this module applies the destination policy.
Nothing here raises on user input: every failure becomes a :class:`NumberResult`
with ``ok`` false and a reason code.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberFormat, PhoneNumberType

from bot.phone.countries import country_name, list_countries, with_article
from bot.phone.links import check_tel_links
from bot.phone.search import NON_GEOGRAPHIC_REGION, UNKNOWN_REGION, Found, NotFound, find_number
from bot.phone.text import find_tel_links, prepare_text

__all__ = ["NumberResult", "check_caller_id", "mask_number", "read_destination"]

log = logging.getLogger(__name__)

# Longer text is rejected before any parsing: a /call needs a number and at most a short name.
MAX_TEXT_LENGTH = 500

# Names used by BLOCKED_NUMBER_TYPES (bot.config.NUMBER_TYPES) -> phonenumbers types.
# Each name is also the PhoneMetadata attribute that contains the type's number pattern.
NUMBER_TYPE_BY_NAME: dict[str, int] = {
    "premium_rate": PhoneNumberType.PREMIUM_RATE,
    "shared_cost": PhoneNumberType.SHARED_COST,
    "personal_number": PhoneNumberType.PERSONAL_NUMBER,
    "uan": PhoneNumberType.UAN,
    "voip": PhoneNumberType.VOIP,
    "pager": PhoneNumberType.PAGER,
    "toll_free": PhoneNumberType.TOLL_FREE,
}


@dataclass(frozen=True)
class NumberResult:
    """Outcome of reading one number: the E.164 form to dial, or the reason it is refused.

    ``e164`` and ``country`` are also set when a valid number is refused by policy
    (premium_rate, country_not_allowed and other blocked types). ``message`` is one
    sentence for the Slack user.
    """

    ok: bool
    e164: str | None
    reason: str | None
    extension: str | None
    country: str | None
    label: str | None
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def display(self) -> str | None:
        """The number as people write it ("+1 415-555-0134 ext. 204, United States"); None when none was read.

        Computed on use rather than in ``message``, which stays cheap because every
        `/call` builds it.
        """
        if self.e164 is None:
            return None
        text = phonenumbers.format_number(phonenumbers.parse(self.e164), PhoneNumberFormat.INTERNATIONAL)
        if self.extension:
            text += f" ext. {self.extension}"
        return f"{text}, {country_name(self.country)}" if self.country else text


def read_destination(
    text: str,
    *,
    default_country: str,
    allowed_countries: frozenset[str] | None = None,
    blocked_types: frozenset[str] = frozenset({"premium_rate"}),
) -> NumberResult:
    """Read the text after ``/call`` and decide whether the bot may dial it.

    default_country: ISO 3166 code for numbers typed without a country code.
    allowed_countries: destination countries that may be dialed, None for all.
    blocked_types: names from bot.config.NUMBER_TYPES that are never dialed.
    """
    allowed = None if allowed_countries is None else frozenset(code.upper() for code in allowed_countries)
    blocked = blocked_types if isinstance(blocked_types, frozenset) else frozenset(blocked_types)
    return _read_safely(text, default_country, allowed=allowed, blocked=blocked, purpose=_DESTINATION)


def check_caller_id(text: str, *, default_country: str) -> NumberResult:
    """Check a number meant as caller ID: one valid number, not premium-rate, not short, no label or extension."""
    result = _read_safely(text, default_country, allowed=None, blocked=frozenset({"premium_rate"}), purpose=_CALLER_ID)
    if result.reason == "emergency":
        return _refuse("emergency", "An emergency number cannot be a caller ID, so give the full number of your office or team.", result)
    if result.reason == "short_code":
        return _refuse("short_code", "A short code cannot be a caller ID, so give the full number of your office or team.", result)
    if not result.ok and "/call" in result.message:  # the destination wording speaks of Slack
        return _refuse(result.reason or "invalid", "A caller ID must be one phone number with its country code, such as +1 415 555 0100.", result)
    if not result.ok:
        return result
    if result.extension is not None:
        return _refuse("invalid", "A caller ID cannot have an extension, so give the main number only.", result)
    if result.label is not None:
        return _refuse("invalid", f"A caller ID must be a phone number only, without the words {result.label!r}.", result)
    return result


def is_country_code(code: str) -> bool:
    """Return whether ``code`` is an ISO 3166 country code that phonenumbers has data for ("US", "GB")."""
    return code in phonenumbers.SUPPORTED_REGIONS


def mask_number(number: str | None) -> str:
    """Hide all but the last four digits of a number, for logs: ``+14155550134`` -> ``***0134``."""
    if not number:
        return "<none>"
    digits = "".join(character for character in number if character.isdigit())
    if len(digits) <= 4:
        return "***"
    return "***" + digits[-4:]


# --- the whole path -------------------------------------------------------------------

_DESTINATION = "destination"
_CALLER_ID = "caller ID"


def _read_safely(text: object, default_country: str, *, allowed: frozenset[str] | None, blocked: frozenset[str], purpose: str) -> NumberResult:
    try:
        result = _read(text, default_country, allowed=allowed, blocked=blocked, purpose=purpose)
    except Exception as error:  # a bug here must not take the command down with it
        # The exception text could quote the number, so log only where it happened.
        log.error("reading a %s failed unexpectedly: %s", purpose, _describe_exception(error))
        result = _refusal("invalid", "The text could not be read as a phone number, so type it as digits, for example +1 415 555 0134.")
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s %s: %s", purpose, mask_number(result.e164), result.reason or "ok")
    return result


def _read(text: object, default_country: str, *, allowed: frozenset[str] | None, blocked: frozenset[str], purpose: str) -> NumberResult:
    if not isinstance(text, str):
        return _refusal("invalid", "The text is not a phone number, so type the number after /call, for example /call +1 415 555 0134.")
    if len(text) > MAX_TEXT_LENGTH:
        return _refusal("invalid", f"The text is longer than {MAX_TEXT_LENGTH} characters, so send only the number and an optional name.")

    region = (default_country or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        _warn_unknown_region(str(default_country))
        region = UNKNOWN_REGION

    search, number_text = prepare_text(text)
    if not number_text.strip():
        return _refusal("empty", "No phone number was given, so type one after /call, for example /call +1 415 555 0134.")

    found = find_number(search, number_text, region)

    # prepare_text reads one side of a tel: link, so the other is compared here. A
    # mismatch is reported even where the search refused the text for another reason,
    # because the user sees the visible text and the link would dial its target.
    if "|" in text:
        links = find_tel_links(text)
        if links:
            only_link = isinstance(found, Found) and len(links) == 1 and search.strip() == links[0][1].strip()
            mismatch = check_tel_links(links, region, link_number=found.number if only_link else None)
            if mismatch is not None:
                return _refusal(mismatch.reason, mismatch.message)
            # The visible text matched the target only as written in the target's own
            # country ("(415) 555-0134" for a user whose default is GB): dial the target.
            if isinstance(found, NotFound) and found.reason == "invalid" and len(links) == 1 and search.strip() == links[0][1].strip():
                target = links[0][0]
                from_target = find_number(target, target, region)
                if isinstance(from_target, Found):
                    found = from_target

    if isinstance(found, NotFound):
        return _refusal(found.reason, found.message)
    return _apply_policy(found, allowed=allowed, blocked=blocked, purpose=purpose)


def _describe_exception(error: BaseException) -> str:
    traceback = error.__traceback__
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    where = f" at {traceback.tb_frame.f_code.co_filename}:{traceback.tb_lineno}" if traceback else ""
    return f"{type(error).__name__}{where}"


# --- policy ---------------------------------------------------------------------------


def _apply_policy(found: Found, *, allowed: frozenset[str] | None, blocked: frozenset[str], purpose: str) -> NumberResult:
    number, region, label = found
    extension = number.extension or None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)  # E.164 leaves the extension out
    country = None if region == NON_GEOGRAPHIC_REGION else region
    # Messages show E.164, not the INTERNATIONAL format ("+1 415-555-0134"). That
    # formatting took about 5 us per number with phonenumbers 9.0.43, enough to push
    # this path past 1.5 times the cost of parse + is_valid_number (see
    # benchmarks/bench_numbers.py).
    number_text = f"{e164} ext. {extension}" if extension else e164

    if purpose == _DESTINATION and allowed is not None and country not in allowed:
        where = f"in {with_article(country_name(country))}" if country else "an international network number"
        message = f"{number_text} is {where}, and this bot only dials numbers in {list_countries(allowed)}, so ask a bot admin if you need to call it."
        return NumberResult(False, e164, "country_not_allowed", extension, country, label, message)

    for name in NUMBER_TYPE_BY_NAME:
        if name in blocked and _is_of_type(number, region, name):
            kind = name.replace("_", "-") if name != "uan" else "universal access (UAN)"
            if purpose == _CALLER_ID:
                message = f"{number_text} is a {kind} number, which cannot be used as a caller ID."
            else:
                message = f"{number_text} is a {kind} number, which this bot is set not to dial, so ask a bot admin if you need to call it."
            return NumberResult(False, e164, name, extension, country, label, message)

    return NumberResult(True, e164, None, extension, country, label, f"{number_text} ({country_name(country) if country else 'international network'})")


def _is_of_type(number: PhoneNumber, region: str, type_name: str) -> bool:
    """Test a valid number against one type's pattern in its region's metadata.

    number_type runs the same test, but looks the region up again and stops at the
    first type that matches (premium-rate first). A number that matches two types'
    patterns is therefore refused if either of them is blocked.
    """
    pattern = _type_pattern(number.country_code, region, type_name)
    if pattern is None:
        return False
    regex, lengths = pattern
    national = phonenumbers.national_significant_number(number)
    if lengths and len(national) not in lengths:
        return False
    return regex.fullmatch(national) is not None


@lru_cache(maxsize=1024)
def _type_pattern(country_code: int, region: str, type_name: str) -> tuple[re.Pattern[str], tuple[int, ...]] | None:
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    description = getattr(metadata, type_name, None) if metadata is not None else None
    if description is None or description.national_number_pattern is None:
        return None
    return re.compile(description.national_number_pattern), tuple(description.possible_length or ())


@lru_cache(maxsize=64)
def _warn_unknown_region(default_country: str) -> None:
    """Log an unsupported default country once per value, not on every command."""
    log.warning("default country %r is not a supported region, so only numbers with + are read", default_country)


def _refusal(reason: str, message: str) -> NumberResult:
    return NumberResult(ok=False, e164=None, reason=reason, extension=None, country=None, label=None, message=message)


def _refuse(reason: str, message: str, result: NumberResult) -> NumberResult:
    return NumberResult(ok=False, e164=result.e164, reason=reason, extension=result.extension, country=result.country, label=result.label, message=message)
