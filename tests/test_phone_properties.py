"""Property tests: spellings of one number read the same, and no text makes reading raise."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.phone import check_caller_id, mask_number, read_destination

# Valid numbers as (default country, area or leading group, the rest, E.164).
NUMBERS = [
    ("US", "415", "5550134", "+14155550134"),
    ("US", "650", "2530000", "+16502530000"),
    ("CA", "604", "5550134", "+16045550134"),
    ("GB", "020", "79460958", "+442079460958"),
    ("AU", "02", "93744000", "+61293744000"),
    ("FR", "01", "42685300", "+33142685300"),
]
SEPARATORS = [" ", "-", ".", "\u00a0", "\u2013", "\u2014", "\u202f", ""]
# Zero of each decimal digit script tried: ASCII, full-width, Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai.
DIGIT_ZEROS = ["0", "\uff10", "\u0660", "\u06f0", "\u0966", "\u09e6", "\u0e50"]
RESULT_KEYS = {"ok", "e164", "reason", "extension", "country", "label", "message"}
# Every test sets deadline=None: the first read loads phonenumbers metadata and the
# geocoder, which takes longer than Hypothesis's default 200 ms deadline, and these
# tests check results, not time.


def in_script(text: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(character)) if character.isdigit() else character for character in text)


def grouped(digits: str, cuts: list[int], separator: str) -> str:
    parts, start = [], 0
    for cut in sorted(set(cuts)):
        if 0 < cut < len(digits):
            parts.append(digits[start:cut])
            start = cut
    parts.append(digits[start:])
    return separator.join(parts)


@st.composite
def spellings(draw) -> tuple[str, str, str]:
    region, area, rest, e164 = draw(st.sampled_from(NUMBERS))
    separator = draw(st.sampled_from(SEPARATORS))
    body = grouped(rest, draw(st.lists(st.integers(1, len(rest) - 1), max_size=3)), separator)
    style = draw(st.sampled_from(["national", "parentheses", "international", "tel_link", "bare_tel"]))
    if style == "parentheses":
        text = f"({area}) {body}"
    elif style in ("international", "tel_link", "bare_tel"):
        national = area.lstrip("0") if region not in ("US", "CA") else area
        text = f"{e164[: len(e164) - len(area.lstrip('0')) - len(rest)]} {national}{separator}{body}"
    else:
        text = f"{area}{separator}{body}"
    text = in_script(text, draw(st.sampled_from(DIGIT_ZEROS)))
    if style == "tel_link":
        text = f"<tel:{e164}|{text}>"
    elif style == "bare_tel":
        text = "tel:" + text.replace(" ", "")
    return region, text, e164


@given(spellings())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_spellings_give_same_e164(spelling):
    region, text, e164 = spelling
    result = read_destination(text, default_country=region)
    assert result.e164 == e164, text
    assert result.ok, text
    assert result.label is None, text


@given(spellings(), st.sampled_from(["Jane Doe", "Dr. Núñez", "office", "ホーム"]))
@settings(deadline=None)
def test_label_kept_apart(spelling, label):
    region, text, e164 = spelling
    result = read_destination(f"{label} {text}", default_country=region)
    assert result.e164 == e164, text
    assert result.label == label


TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=600),
    st.text(alphabet="0123456789+()-. x#;=<>|:telmaio/@&", max_size=80),
    st.text(alphabet=st.sampled_from("0123456789 \u00a0\u2013٠١٢٣٤٥٦٧٨٩＋（）ｘ"), max_size=40),
)


@given(TEXTS, st.sampled_from(["US", "GB", "DE", "AU", "JP", "BR", "XX", ""]))
@settings(max_examples=400, deadline=None)
def test_any_text_gives_result(text, region):
    result = read_destination(text, default_country=region, allowed_countries=frozenset({"US", "GB"}))
    assert set(result.to_dict()) == RESULT_KEYS
    assert result.ok is (result.reason is None)
    assert result.message
    if result.ok:
        assert result.e164 is not None
        assert result.e164.startswith("+")
        assert result.e164[1:].isdigit()


@given(TEXTS)
@settings(deadline=None)
def test_caller_id_any_text(text):
    result = check_caller_id(text, default_country="US")
    assert result.ok is (result.reason is None)


@given(st.text())
@settings(deadline=None)
def test_mask_keeps_last_four_digits_at_most(text):
    masked = mask_number(text)
    visible_digits = [character for character in masked if unicodedata.category(character) == "Nd"]
    assert len(visible_digits) <= 4


OTHER_NUMBER_WRAPPERS = ["{}", "Jane {}", "<https://example.com|{}>", "<mailto:jane@example.com|{}>", "({})"]


@given(spellings(), spellings(), st.sampled_from(OTHER_NUMBER_WRAPPERS), st.booleans())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_second_number_is_never_a_label(spelling, other, wrapper, other_first):
    """A second number anywhere in the text, even inside a link's visible text, is never dialed around."""
    region, text, _ = spelling
    _, other_text, _ = other
    extra = wrapper.format(other_text)
    combined = f"{extra} {text}" if other_first else f"{text} {extra}"
    result = read_destination(combined, default_country=region)
    assert not result.ok, combined
    assert result.e164 is None, combined
