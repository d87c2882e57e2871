"""English country names for messages: "+1 415-555-0134 (United States)"."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=None)
def country_name(region: str) -> str:
    """Return the English name of a region ("United States"), or the code itself if unknown."""
    from phonenumbers import geocoder  # loads about 0.4 s of data, so only once a name is needed

    example = phonenumbers.example_number(region)
    name = geocoder.country_name_for_number(example, "en") if example is not None else ""
    if not name:
        return region
    # The geocoder data capitalises every word ("Turks And Caicos Islands", "Isle Of Man").
    words = name.split(" ")
    return " ".join([words[0]] + [word.lower() if word in _MINOR_WORDS else word for word in words[1:]])


_MINOR_WORDS = frozenset({"And", "Of", "The"})


# Country names that take "the" in a sentence, beyond the "United ...", "... Republic" and "... Islands" rules.
_NAMES_WITH_ARTICLE = frozenset({"Bahamas", "Comoros", "Gambia", "Maldives", "Netherlands", "Philippines", "Seychelles"})


def with_article(name: str) -> str:
    """Put "the" before a country name that needs it in a sentence: "the United States", "France"."""
    if name.startswith("The "):
        return "the " + name[4:]
    if name.startswith("United ") or "Republic" in name or name.endswith("Islands") or name in _NAMES_WITH_ARTICLE:
        return "the " + name
    return name


_MAX_LISTED_COUNTRIES = 6


def list_countries(codes: frozenset[str]) -> str:
    """Name the countries for a sentence: "Canada and the United States"."""
    if not codes:
        return "no country (the allow-list is empty)"
    names = [with_article(name) for name in sorted(country_name(code) for code in codes)]
    if len(names) > _MAX_LISTED_COUNTRIES:
        return ", ".join(names[:_MAX_LISTED_COUNTRIES]) + f" and {len(names) - _MAX_LISTED_COUNTRIES} other countries"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
