"""Numbers per second: bot.phone.read_destination against parse + is_valid_number + format_number.

Both run on the same list of inputs, a mix shaped like real /call text: mostly plain
numbers, some with a name, an extension, a Slack tel: link, or Unicode spaces and
digits, and a few refusals. The target is a time ratio of at most 1.5 per number.

Run: .venv/bin/python benchmarks/bench_numbers.py [--seconds 1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import phonenumbers

from bot.phone import read_destination

DEFAULT_COUNTRY = "US"

# (input, how many times it appears in the mix). About 70% plain numbers.
MIX: list[tuple[str, int]] = [
    ("(415) 555-0134", 8),
    ("415-555-0134", 8),
    ("415.555.0134", 4),
    ("4155550134", 6),
    ("+1 415 555 0134", 6),
    ("1-650-253-0000", 4),
    ("+14155550134", 6),
    ("+44 20 7946 0958", 4),
    ("+33 1 42 68 53 00", 2),
    ("+61 2 9374 4000", 2),
    ("+1 604 555 0134", 2),
    ("+49 30 901820", 2),
    ("Jane Doe 415-555-0134", 6),
    ("415-555-0134 x204", 4),
    ("<tel:+14155550134|(415) 555-0134>", 6),
    ("415\u00a0555\u00a00134", 2),
    ("415\u2013555\u20130134", 2),
    ("＋１ ４１５ ５５５ ０１３４", 1),
    ("011 44 20 7946 0958", 2),
    ("+44 (0)20 7946 0958", 2),
    ("1-800-FLOWERS", 1),
    ("+1 900 200 1234", 2),
    ("911", 1),
    ("12345", 1),
    ("415-555-0134 or 415-555-0135", 1),
]
INPUTS = [text for text, count in MIX for _ in range(count)]


def usual_approach(text: str) -> str | None:
    """Parse, check validity and format E.164, as a bot without bot.phone would."""
    try:
        number = phonenumbers.parse(text, DEFAULT_COUNTRY)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def text_path(text: str) -> str | None:
    return read_destination(text, default_country=DEFAULT_COUNTRY).e164


def numbers_per_second(function: Callable[[str], object], seconds: float) -> float:
    """Run the whole input list repeatedly for about `seconds` of CPU time; return inputs handled per CPU second.

    CPU time of this process, not wall time, so other programs on the machine
    disturb the numbers less.
    """
    for text in INPUTS:  # warm caches (country names, compiled patterns, metadata)
        function(text)
    handled = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        for text in INPUTS:
            function(text)
        handled += len(INPUTS)
    return handled / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="CPU time to spend on each approach per round, in seconds; default 1.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds, alternating the approaches; the best round of each is reported. Default 5.")
    args = parser.parse_args()

    print(f"python {platform.python_version()}, phonenumbers {phonenumbers.__version__}, {platform.machine()}")
    print(f"{len(INPUTS)} inputs ({len(MIX)} distinct), default country {DEFAULT_COUNTRY}")
    usual_best = 0.0
    text_best = 0.0
    for _ in range(args.rounds):
        usual_best = max(usual_best, numbers_per_second(usual_approach, args.seconds))
        text_best = max(text_best, numbers_per_second(text_path, args.seconds))
    print(f"usual approach (parse, is_valid_number, format_number E164): {usual_best:10,.0f} numbers/s  {1e6 / usual_best:6.1f} us/number (CPU)")
    print(f"read_destination (full text path):                          {text_best:10,.0f} numbers/s  {1e6 / text_best:6.1f} us/number (CPU)")
    print(f"time ratio read_destination / usual: {usual_best / text_best:.2f} (target at most 1.50)")


if __name__ == "__main__":
    main()
