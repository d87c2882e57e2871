"""argparse types shared by the subcommands: each raises a message that names the value."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """Parse a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}: expected a whole number of 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid number {value}: expected 1 or more")
    return value


def positive_seconds(text: str) -> float:
    """Parse a number of seconds greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}: expected seconds greater than 0") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid number {value:g}: expected seconds greater than 0")
    return value


def port_number(text: str, *, allow_zero: bool = False) -> int:
    """Parse a TCP port, 1 to 65535; with allow_zero, 0 too (the system picks a free port)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: expected a whole number from 1 to 65535") from None
    if not (0 if allow_zero else 1) <= value <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value}: expected {'0' if allow_zero else '1'} to 65535")
    return value


def port_number_or_zero(text: str) -> int:
    return port_number(text, allow_zero=True)
