"""``python -m bot number TEXT``: show how ``/call TEXT`` would be read, with the bot's settings.

Exit status: 0 when the number would be dialed, 1 when it is refused, 2 for a usage
or configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys


from bot.config import ConfigError, load_settings
from bot.phone import NumberResult, is_country_code, read_destination

EXIT_DIALABLE = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Exit status: 0 when the number is dialable, 1 when it is refused, 2 for a usage or configuration error."
    parser.add_argument("text", nargs="+", metavar="TEXT", help="Text as typed after /call; several words are joined with spaces.")
    parser.add_argument("--country", metavar="XX", help="Default country (ISO 3166 code) for numbers without a country code; default DEFAULT_COUNTRY.")
    parser.add_argument(
        "--allowed",
        metavar="US,CA",
        help="Destination countries that may be dialed, as comma-separated ISO codes. *, all or '' (empty, as in ALLOWED_COUNTRIES=) allows every country. Default ALLOWED_COUNTRIES.",
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON object with ok, e164, reason, extension, country, label and message.")


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE

    default_country = settings.default_country
    if args.country is not None:
        default_country = _country_code(args.country, "--country")
        if default_country is None:
            return EXIT_USAGE

    allowed = settings.allowed_countries
    if args.allowed is not None:
        # The same values as ALLOWED_COUNTRIES, where an empty value also means every country.
        if args.allowed.strip() in ("", "*", "all"):
            allowed = None
        else:
            codes = [_country_code(part, "--allowed") for part in args.allowed.split(",") if part.strip()]
            if None in codes:
                return EXIT_USAGE
            if not codes:
                print(f"error: --allowed {args.allowed!r} contains no country code. Example: --allowed US,CA, or --allowed '*' for every country", file=sys.stderr)
                return EXIT_USAGE
            allowed = frozenset(code for code in codes if code is not None)

    result = read_destination(
        " ".join(args.text),
        default_country=default_country,
        allowed_countries=allowed,
        blocked_types=settings.blocked_number_types,
    )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(_describe(result))
    return EXIT_DIALABLE if result.ok else EXIT_REFUSED


def _country_code(value: str, option: str) -> str | None:
    code = value.strip().upper()
    if not is_country_code(code):
        print(f"error: {option} {value!r} is not a two-letter ISO 3166 country code (the United Kingdom is GB). Example: {option} US", file=sys.stderr)
        return None
    return code


def _describe(result: NumberResult) -> str:
    if not result.ok:
        return f"refused ({result.reason}): {result.message}"
    lines = [f"dialable: {result.e164} ({result.display})"]
    if result.extension:
        lines.append(f"extension {result.extension}, dialed by the caller once the call connects")
    if result.label:
        lines.append(f"label: {result.label}")
    return "\n".join(lines)
