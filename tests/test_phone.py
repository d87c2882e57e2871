"""Reading /call text: the recorded real-world cases, more cases of each kind, and the API."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import phonenumbers
import pytest

from bot.config import NUMBER_TYPES
from bot.phone import NUMBER_TYPE_BY_NAME, NumberResult, check_caller_id, mask_number, read_destination
from bot.phone.countries import country_name, with_article
from bot.phone.search import Found, find_with_matcher, split_usual
from bot.phone.text import prepare_text

CASES_PATH = Path(__file__).parent / "data" / "numbers.jsonl"
CASES = [json.loads(line) for line in CASES_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
CHECKED_FIELDS = ("ok", "e164", "reason", "extension", "country")
RESULT_KEYS = {"ok", "e164", "reason", "extension", "country", "label", "message"}


def allowed_from(value: str) -> frozenset[str] | None:
    return None if value == "*" else frozenset(value.split(","))


def read_case(case: dict) -> NumberResult:
    return read_destination(case["text"], default_country=case["region"], allowed_countries=allowed_from(case["allowed"]))


@pytest.mark.parametrize("case", CASES, ids=[f"{case['region']}:{case['text']!r}" for case in CASES])
def test_recorded_case(case):
    result = read_case(case)
    for field in CHECKED_FIELDS:
        assert getattr(result, field) == case[field], field


def test_recorded_cases_cover_every_reason():
    reasons = {case["reason"] for case in CASES}
    assert reasons == {None, "empty", "invalid", "emergency", "premium_rate", "short_code", "country_not_allowed", "multiple_numbers"}


# Kinds beyond the recorded cases: (text, default country, e164, reason, extension, country).
MORE_CASES = [
    # Emergency numbers of other countries, spelled out, or behind a country code.
    ("112", "FR", None, "emergency", None, None),
    ("000", "AU", None, "emergency", None, None),
    ("110", "JP", None, "emergency", None, None),
    ("119", "JP", None, "emergency", None, None),
    ("113", "IT", None, "emergency", None, None),
    ("112", "US", None, "emergency", None, None),
    ("9-1-1", "US", None, "emergency", None, None),
    ("+1 911", "GB", None, "emergency", None, None),
    ("+44 999", "US", None, "emergency", None, None),
    ("+49 112", "US", None, "emergency", None, None),
    ("911 5551234", "US", None, "emergency", None, None),
    ("call 911 now", "US", None, "emergency", None, None),
    ("call 911 or 411", "US", None, "emergency", None, None),
    # Other short codes.
    ("3-1-1", "US", None, "short_code", None, None),
    ("118 118", "GB", None, "short_code", None, None),
    ("+44 118118", "US", None, "short_code", None, None),
    # Vanity numbers: more words, spaces, lower case, letters past the seventh dropped.
    ("1-800-GO-FEDEX", "US", "+18004633339", None, None, "US"),
    ("1 800 FLOWERS", "US", "+18003569377", None, None, "US"),
    ("800-flowers", "US", "+18003569377", None, None, "US"),
    ("1-800-PICK-UPS-NOW", "US", "+18007425877", None, None, "US"),
    ("1-800-FLOWERSS", "US", "+18003569377", None, None, "US"),
    ("+1-800-FLOWERS", "GB", "+18003569377", None, None, "US"),
    # Extension spellings.
    ("415-555-0134 extension 204", "US", "+14155550134", None, "204", "US"),
    ("415-555-0134 ext204", "US", "+14155550134", None, "204", "US"),
    ("415-555-0134 x 204", "US", "+14155550134", None, "204", "US"),
    ("415-555-0134;ext=204", "US", "+14155550134", None, "204", "US"),
    ("415-555-0134 #204", "US", "+14155550134", None, "204", "US"),
    ("tel:+14155550134;ext=204", "US", "+14155550134", None, "204", "US"),
    ("<tel:+14155550134;ext=204|415-555-0134 x204>", "US", "+14155550134", None, "204", "US"),
    ("+44 20 7946 0958 ext. 7", "US", "+442079460958", None, "7", "GB"),
    # Other digit scripts, spaces and dashes.
    ("٤١٥ ٥٥٥ ٠١٣٤", "US", "+14155550134", None, None, "US"),
    ("۴۱۵-۵۵۵-۰۱۳۴", "US", "+14155550134", None, None, "US"),
    ("४१५ ५५५ ०१३४", "US", "+14155550134", None, None, "US"),
    ("415\u00a0555\u00a00134", "US", "+14155550134", None, None, "US"),
    ("415\u202f555\u202f0134", "US", "+14155550134", None, None, "US"),
    ("415\u2013555\u20130134", "US", "+14155550134", None, None, "US"),
    ("415\u2014555\u20140134", "US", "+14155550134", None, None, "US"),
    ("415\u2212555\u22120134", "US", "+14155550134", None, None, "US"),
    ("415\u200b555\u200b0134", "US", "+14155550134", None, None, "US"),
    ("（４１５）５５５－０１３４", "US", "+14155550134", None, None, "US"),
    # Other premium-rate numbers.
    ("+44 909 879 0001", "US", "+449098790001", "premium_rate", None, "GB"),
    ("+49 900 1 234567", "US", "+499001234567", "premium_rate", None, "DE"),
    ("+33 8 92 70 12 34", "US", "+33892701234", "premium_rate", None, "FR"),
    ("1-900-200-1234", "US", "+19002001234", "premium_rate", None, "US"),
    # International prefixes.
    ("0011 44 20 7946 0958", "AU", "+442079460958", None, None, "GB"),
    ("0011 1 415 555 0134", "AU", "+14155550134", None, None, "US"),
    ("00 1 415 555 0134", "FR", "+14155550134", None, None, "US"),
    ("Mum 0044 20 7946 0958", "US", "+442079460958", None, None, "GB"),
    ("+44 (0) 20 7946 0958", "US", "+442079460958", None, None, "GB"),
    ("+49 (0)30 901820", "US", "+4930901820", None, None, "DE"),
    # Links that are not numbers, and digits inside them.
    ("<mailto:jane@example.com|jane@example.com>", "US", None, "invalid", None, None),
    ("<mailto:4155550134@example.com|4155550134@example.com>", "US", None, "invalid", None, None),
    ("<https://example.com/call/4155550134>", "US", None, "invalid", None, None),
    ("https://example.com/call/4155550134", "US", None, "invalid", None, None),
    ("<https://example.com/4155550134|example.com/4155550134> 415-555-0135", "US", "+14155550135", None, None, "US"),
    # Several numbers, or a label that contains another one.
    ("415-555-0134 415-555-0135", "US", None, "multiple_numbers", None, None),
    ("Order 1234567 415-555-0134", "US", None, "multiple_numbers", None, None),
    ("415-555-0134, +44 20 7946 0958", "US", None, "multiple_numbers", None, None),
    # Destination country behind +1.
    ("+1 876 555 0100", "US", "+18765550100", "country_not_allowed", None, "JM"),
    ("+1 441 295 1234", "US", "+14412951234", "country_not_allowed", None, "BM"),
    # Invalid text.
    ("555-0134", "US", None, "invalid", None, None),
    ("415-555-013", "US", None, "invalid", None, None),
    ("+", "US", None, "invalid", None, None),
    ("tel:", "US", None, "empty", None, None),
    ("\u200b\u00a0\t", "US", None, "empty", None, None),
]


@pytest.mark.parametrize(("text", "region", "e164", "reason", "extension", "country"), MORE_CASES, ids=[f"{row[1]}:{row[0]!r}" for row in MORE_CASES])
def test_more_cases(text, region, e164, reason, extension, country):
    result = read_destination(text, default_country=region, allowed_countries=frozenset({"US", "CA", "GB", "FR", "DE", "AU"}))
    assert result.reason == reason
    assert result.ok is (reason is None)
    assert result.e164 == e164
    assert result.extension == extension
    assert result.country == country


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Jane Doe 415-555-0134", "Jane Doe"),
        ("Jane Doe: 415-555-0134", "Jane Doe"),
        ("415-555-0134 Jane Doe", "Jane Doe"),
        ("Jane Doe (mobile) +44 20 7946 0958", "Jane Doe (mobile)"),
        ("Room 204 415-555-0134", "Room 204"),
        ("Florist 1-800-FLOWERS", "Florist"),
        ("Jane Doe 415-555-0134 x204", "Jane Doe"),
        ("José Núñez ٤١٥ ٥٥٥ ٠١٣٤", "José Núñez"),
        ("<mailto:jane@example.com|jane@example.com> 415-555-0134", "jane@example.com"),
        ("Mum 0044 20 7946 0958", "Mum"),
        ("415-555-0134", None),
        ("<tel:+14155550134|(415) 555-0134>", None),
        ("&lt;tel:+14155550134&gt;", None),
    ],
)
def test_label_is_text_around_number(text, label):
    result = read_destination(text, default_country="US")
    assert result.ok
    assert result.label == label


def test_label_is_cut_to_column_size():
    result = read_destination("J" * 400 + " 415-555-0134", default_country="US")
    assert result.ok
    assert result.label == "J" * 200


@pytest.mark.parametrize("blocked", sorted(NUMBER_TYPE_BY_NAME))
def test_blocked_type_is_refused_by_name(blocked):
    region = next(code for code in ("GB", "US", "FR", "DE", "IT") if phonenumbers.example_number_for_type(code, NUMBER_TYPE_BY_NAME[blocked]))
    example = phonenumbers.example_number_for_type(region, NUMBER_TYPE_BY_NAME[blocked])
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    result = read_destination(e164, default_country="US", blocked_types=frozenset({blocked}))
    assert result.reason == blocked
    assert not result.ok
    assert result.e164 == e164
    assert result.country == region


def test_type_names_match_config():
    assert set(NUMBER_TYPE_BY_NAME) == set(NUMBER_TYPES)


def test_premium_allowed_when_not_blocked():
    result = read_destination("+1 900 200 1234", default_country="US", blocked_types=frozenset())
    assert result.ok
    assert result.e164 == "+19002001234"


def test_allow_list_uses_destination_country():
    allowed = frozenset({"US"})
    assert read_destination("+1 415 555 0134", default_country="US", allowed_countries=allowed).ok
    assert read_destination("+1 242 357 1234", default_country="US", allowed_countries=allowed).reason == "country_not_allowed"
    assert read_destination("+1 604 555 0134", default_country="US", allowed_countries=allowed).reason == "country_not_allowed"


def test_allow_list_accepts_lower_case():
    result = read_destination("+1 604 555 0134", default_country="us", allowed_countries=frozenset({"ca"}))
    assert result.ok
    assert result.country == "CA"


def test_non_geographic_number_has_no_country():
    open_result = read_destination("+800 1234 5678", default_country="US")
    assert open_result.ok
    assert open_result.country is None
    listed = read_destination("+800 1234 5678", default_country="US", allowed_countries=frozenset({"US"}))
    assert listed.reason == "country_not_allowed"


def test_unknown_default_country_reads_plus_only():
    assert read_destination("+1 415 555 0134", default_country="XX").e164 == "+14155550134"
    assert read_destination("415-555-0134", default_country="XX").reason == "invalid"


def test_too_long_text_is_invalid():
    result = read_destination("415-555-0134 " + "a" * 10_000, default_country="US")
    assert result.reason == "invalid"
    assert "longer than" in result.message


@pytest.mark.parametrize("text", [None, 4155550134, b"4155550134"])
def test_non_string_text_is_invalid(text):
    assert read_destination(text, default_country="US").reason == "invalid"  # type: ignore[arg-type]


def test_ok_message_names_number_and_country():
    result = read_destination("(415) 555-0134", default_country="US")
    assert result.message == "+14155550134 (United States)"


def test_ok_message_names_extension():
    result = read_destination("415-555-0134 x204", default_country="US")
    assert result.message == "+14155550134 ext. 204 (United States)"


def test_refusal_messages_are_one_sentence():
    texts = ["", "hello", "12345", "911", "411", "+1 900 200 1234", "+86 10 6552 9988", "415-555-0134 or 415-555-0135"]
    for text in texts:
        result = read_destination(text, default_country="US", allowed_countries=frozenset({"US"}))
        assert not result.ok, text
        assert result.message.endswith("."), text
        assert result.message.count(". ") == 0, text
        assert "\n" not in result.message, text


def test_country_message_uses_article():
    result = read_destination("+1 242 357 1234", default_country="US", allowed_countries=frozenset({"US", "CA"}))
    assert "in the Bahamas" in result.message
    assert "Canada and the United States" in result.message


def test_to_dict_has_result_keys():
    data = read_destination("Jane Doe 415-555-0134 x204", default_country="US").to_dict()
    assert set(data) == RESULT_KEYS
    assert data["label"] == "Jane Doe"
    assert data["extension"] == "204"
    json.dumps(data)


@pytest.mark.parametrize(
    "text",
    ["(415) 555-0134", "+1 415 555 0134", "415.555.0134", "Jane Doe 415-555-0134", "415-555-0134 x204", "+44 20 7946 0958", "020 7946 0958", "+1 900 200 1234"],
)
def test_simple_split_matches_matcher(text):
    """The fast split for usual text must find what the PhoneNumberMatcher path finds."""
    region = "GB" if text.startswith("020") else "US"
    search, shown = prepare_text(text)
    fast = split_usual(search, shown, region)
    matched = find_with_matcher(search, shown, region)
    assert isinstance(fast, Found)
    assert isinstance(matched, Found)
    assert fast.number == matched.number
    assert fast.region == matched.region
    assert fast.label == matched.label


def test_caller_id_accepts_valid_number():
    result = check_caller_id("+1 415 555 0134", default_country="US")
    assert result.ok
    assert result.e164 == "+14155550134"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("911", "emergency"),
        ("411", "short_code"),
        ("+1 900 200 1234", "premium_rate"),
        ("12345", "invalid"),
        ("", "empty"),
        ("415-555-0134 x2", "invalid"),
        ("Acme 415-555-0134", "invalid"),
        ("415-555-0134 415-555-0135", "multiple_numbers"),
    ],
)
def test_caller_id_rejects(text, reason):
    result = check_caller_id(text, default_country="US")
    assert not result.ok
    assert result.reason == reason
    assert "caller ID" in result.message or reason in ("invalid", "empty", "multiple_numbers")


def test_caller_id_ignores_allow_list():
    assert check_caller_id("+86 10 6552 9988", default_country="US").ok


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+14155550134", "***0134"), ("(415) 555-0134", "***0134"), ("911", "***"), ("0134", "***"), ("", "<none>"), (None, "<none>")],
)
def test_mask_number(number, masked):
    assert mask_number(number) == masked


def test_logs_never_hold_full_number(caplog):
    caplog.set_level(logging.DEBUG, logger="bot.phone")
    read_destination("Jane Doe 415-555-0134", default_country="US")
    read_destination("+1 900 200 1234", default_country="US")
    assert caplog.records
    for record in caplog.records:
        message = record.getMessage()
        assert "5550134" not in message
        assert "2001234" not in message


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("415 555 0134 x204", "+1 415-555-0134 ext. 204, United States"),
        ("+44 20 7946 0958", "+44 20 7946 0958, United Kingdom"),
    ],
)
def test_display_formats_for_people(text, display):
    assert read_destination(text, default_country="US").display == display


def test_display_is_none_without_number():
    assert read_destination("hello", default_country="US").display is None


# --- the number dialed is the number the user sees ------------------------------------

# A tel: link whose visible text reads as another number, with the user's default country.
TEL_LINK_MISMATCHES = [
    ("<tel:+14155550134|(212) 555-0134>", "US"),
    ("<tel:+44 20 7946 0958|+1 415 555 0134>", "US"),
    ("<tel:+14155550134|+1 415 555 0135>", "US"),
    ("<tel:+14155550134|(212) 555-0134> Jane", "US"),
    ("Jane <tel:+14155550134|212.555.0134>", "US"),
    ("<tel:+14155550134;ext=204|415-555-0134>", "US"),
    ("<tel:+14155550134|415-555-0134 x204>", "US"),
    ("<tel:+14155550134|555-0134>", "US"),
    ("<tel:+14155550134|1-800-FLOWERS>", "US"),
    ("<tel:x|212 555 0199> 415 555 0134", "US"),
    ("<tel:+1415555|(212) 555-0134>", "US"),
]


@pytest.mark.parametrize(("text", "region"), TEL_LINK_MISMATCHES)
def test_tel_link_with_other_visible_number(text, region):
    result = read_destination(text, default_country=region)
    assert result.reason == "multiple_numbers"
    assert not result.ok
    assert result.e164 is None
    assert "link and its text name different numbers" in result.message


def test_tel_link_mismatch_message_names_both():
    result = read_destination("<tel:+14155550134|(212) 555-0134>", default_country="US")
    assert "+14155550134" in result.message
    assert "(212) 555-0134" in result.message


@pytest.mark.parametrize(
    ("text", "region", "e164", "extension"),
    [
        ("<tel:+14155550134|415.555.0134>", "US", "+14155550134", None),
        ("<tel:+14155550134|+1 (415) 555-0134>", "GB", "+14155550134", None),
        ("<tel:4155550134|415-555-0134>", "US", "+14155550134", None),
        ("<tel:+1-415-555-0134|(415) 555-0134>", "US", "+14155550134", None),
        ("<tel:+18003569377|1-800-FLOWERS>", "US", "+18003569377", None),
        ("<tel:+442079460958|020 7946 0958>", "GB", "+442079460958", None),
        ("<tel:+442079460958|0044 20 7946 0958>", "US", "+442079460958", None),
        ("<tel:+14155550134|٤١٥ ٥٥٥ ٠١٣٤>", "US", "+14155550134", None),
        ("<tel:+14155550134;ext=204|415-555-0134 ext. 204>", "US", "+14155550134", "204"),
        ("<tel:+14155550134|call Jane>", "US", "+14155550134", None),
    ],
)
def test_tel_link_with_same_visible_number(text, region, e164, extension):
    result = read_destination(text, default_country=region)
    assert result.ok, result.message
    assert result.e164 == e164
    assert result.extension == extension


# Another number in the text as the user sees it: vanity letters, or the visible text of a non-tel link.
HIDDEN_SECOND_NUMBERS = [
    "1-800-FLOWERS 212 555 0199",
    "212 555 0199, 1-800-FLOWERS",
    "1 800 FLOWERS 415-555-0134",
    "Florist 1-800-GO-FEDEX 415-555-0134",
    "212-FLOWERS 415 555 0134",
    "415 555 0134 <https://x|212 555 0199>",
    "<https://x|212 555 0199> 415 555 0134",
    "<https://x|555 0199> 415 555 0134",
    "415 555 0134 <https://x|+44 20 7946 0958>",
    "<mailto:jane@example.com|415 555 0199> 415-555-0134",
    "415 555 0134 <https://x|Jane 212-555-0199>",
    "Florist 1 800 flowers 415 555 0134",
    "Room 204 main 415 555 0134",
]


@pytest.mark.parametrize("text", HIDDEN_SECOND_NUMBERS)
def test_number_in_label_is_refused(text):
    result = read_destination(text, default_country="US")
    assert result.reason == "multiple_numbers"
    assert result.e164 is None
    assert result.label is None


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("<https://x|Jane> 415 555 0134", "Jane"),
        ("415 555 0134 <https://example.com|example.com>", "example.com"),
        ("Room 204 415-555-0134", "Room 204"),
        ("Jane 2nd floor 415 555 0134", "Jane 2nd floor"),
        ("<https://example.com/4155550134|example.com/4155550134> 415-555-0135", None),
        ("415-555-0135 https://example.com/call/4155550134", None),
        ("Jane jane4155550134@example.com 415-555-0135", "Jane"),
    ],
)
def test_label_without_number_is_kept(text, label):
    result = read_destination(text, default_country="US")
    assert result.ok, result.message
    assert result.label == label


# Labels of accepted texts, checked against phonenumbers itself.
LABELLED_TEXTS = [
    "Jane Doe 415-555-0134",
    "Room 204 415-555-0134",
    "Florist 1-800-FLOWERS",
    "<https://x|Jane> 415 555 0134",
    "<https://example.com/4155550134|example.com/4155550134> 415-555-0135",
    "Mum 0044 20 7946 0958",
    "Order 12 415-555-0134",
]


@pytest.mark.parametrize("text", LABELLED_TEXTS)
def test_label_is_no_possible_number(text):
    result = read_destination(text, default_country="US")
    assert result.ok, result.message
    label = result.label or ""
    assert list(phonenumbers.PhoneNumberMatcher(label, "US", leniency=phonenumbers.Leniency.POSSIBLE)) == []
    try:
        parsed = phonenumbers.parse(label, "US")
    except phonenumbers.NumberParseException:
        return
    assert not phonenumbers.is_possible_number(parsed), label


# --- refusal messages name the actual problem -----------------------------------------

SERVICE_CODES = [
    ("#31# 415 555 0134", "#31#"),
    ("*67 415 555 0134", "*67"),
    ("415 555 0134 *67", "*67"),
    ("Jane *82 415-555-0134", "*82"),
    ("*31# +44 20 7946 0958", "*31#"),
    ("*#31# 415 555 0134", "*#31#"),
    ("*674155550134", "*674155550134"),
    ("#31#4155550134", "#31#4155550134"),
    ("415 555 0134 #31#", "#31#"),
    ("*67", "*67"),
    ("<tel:*674155550134>", "*674155550134"),
]


@pytest.mark.parametrize(("text", "code"), SERVICE_CODES)
def test_service_code_is_refused(text, code):
    result = read_destination(text, default_country="US")
    assert result.reason == "invalid"
    assert result.e164 is None
    assert result.message.startswith(code + " ")
    assert "service code" in result.message
    assert "caller ID" in result.message
    assert "not a valid" not in result.message


@pytest.mark.parametrize(
    ("text", "extension"),
    [("415-555-0134 #204", "204"), ("*415 555 0134*", None), ("4155550134#", None), ("415 555 0134 #", None)],
)
def test_star_hash_not_service_code(text, extension):
    result = read_destination(text, default_country="US")
    assert result.ok, result.message
    assert result.e164 == "+14155550134"
    assert result.extension == extension


@pytest.mark.parametrize(
    ("text", "e164", "marker"),
    [
        ("4155550134x", "+14155550134", "x"),
        ("415-555-0134 x", "+14155550134", "x"),
        ("Jane 415-555-0134 X", "+14155550134", "X"),
        ("415-555-0134 ext", "+14155550134", "ext"),
        ("415-555-0134 ext.", "+14155550134", "ext"),
        ("415-555-0134 extension:", "+14155550134", "extension"),
        ("+44 20 7946 0958x", "+442079460958", "x"),
    ],
)
def test_extension_marker_without_digits(text, e164, marker):
    result = read_destination(text, default_country="US")
    assert result.reason == "invalid"
    assert result.e164 is None
    assert result.message.startswith(f'{e164} is followed by "{marker}"')
    assert "no extension digits" in result.message
    assert "not a valid" not in result.message


def test_extension_marker_after_invalid_number():
    result = read_destination("555-0134x", default_country="US")
    assert result.reason == "invalid"
    assert "555-0134 is not a valid phone number in the United States" in result.message


def test_word_starting_with_x_is_label():
    result = read_destination("415-555-0134 xavier", default_country="US")
    assert result.ok
    assert result.label == "xavier"


def test_valid_number_next_to_letters():
    result = read_destination("4155550134abc", default_country="US")
    assert result.reason == "invalid"
    assert result.message.startswith("4155550134 is a valid number")
    assert "space" in result.message


@pytest.mark.parametrize(
    ("text", "region", "named"),
    [
        ("+882 1234 5678", "DE", "not a valid international number"),
        ("011 882 1234 5678", "US", "not a valid international number"),
        ("00 882 1234 5678", "DE", "not a valid international number"),
        ("+1 649 555 1234", "DE", "not a valid phone number in the Turks and Caicos Islands"),
        ("+1 649 555 1234", "US", "not a valid phone number in the Turks and Caicos Islands"),
        ("+44 20 7946 095", "DE", "not a valid phone number in the United Kingdom"),
        ("0044 20 7946 095", "US", "not a valid phone number in the United Kingdom"),
        ("+1 415 555 013", "DE", "not a valid phone number in the United States"),
        ("+999 123 456 789", "DE", "does not start with a known country code"),
    ],
)
def test_international_refusal_ignores_default_country(text, region, named):
    result = read_destination(text, default_country=region)
    assert result.reason == "invalid"
    assert named in result.message
    if region != "US":
        assert "Germany" not in result.message
    elif "United States" not in named:
        assert "United States" not in result.message


def test_national_refusal_names_default_country():
    result = read_destination("415-555-013", default_country="US")
    assert result.reason == "invalid"
    assert "in the United States" in result.message


def test_international_refusal_without_default_country():
    result = read_destination("+1 649 555 1234", default_country="XX")
    assert "Turks and Caicos Islands" in result.message


@pytest.mark.parametrize(
    ("region", "name", "in_sentence"),
    [
        ("TC", "Turks and Caicos Islands", "the Turks and Caicos Islands"),
        ("IM", "Isle of Man", "Isle of Man"),
        ("VC", "Saint Vincent and the Grenadines", "Saint Vincent and the Grenadines"),
        ("CD", "The Democratic Republic of Congo", "the Democratic Republic of Congo"),
        ("US", "United States", "the United States"),
    ],
)
def test_country_names_read_as_english(region, name, in_sentence):
    assert country_name(region) == name
    assert with_article(name) == in_sentence


def test_link_and_code_refusals_one_sentence():
    texts = ["<tel:+14155550134|(212) 555-0134>", "*67 415 555 0134", "4155550134x", "+882 1234 5678", "4155550134abc", "+999 123 456 789"]
    for text in texts:
        result = read_destination(text, default_country="US")
        assert not result.ok, text
        assert result.message.endswith("."), text
        assert result.message.count(". ") == 0, text


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("<tel:+14155550134|(415) 555-0134>", "GB", "+14155550134"),
        ("<tel:+442079460958|020 7946 0958>", "US", "+442079460958"),
        ("<tel:+33142685300|01 42 68 53 00>", "DE", "+33142685300"),
    ],
)
def test_tel_link_text_in_target_country_format(text, region, e164):
    result = read_destination(text, default_country=region)
    assert result.ok, result.message
    assert result.e164 == e164
