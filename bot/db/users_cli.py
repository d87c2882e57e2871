"""`bot users add|list|remove`: manage who may place calls, and as which Genesys user."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import uuid

from bot.config import load_settings
from bot.db import mappings
from bot.db.engine import make_engine, make_session_factory

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
SLACK_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,20}$")


class UsageError(Exception):
    """A command-line value is invalid; the message names the option and an example."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="Map a Slack user to a Genesys Cloud user, or update the mapping.",
        description="Map a Slack user to a Genesys Cloud user and caller ID. For a user who is mapped already, "
        "the options given replace the stored values and the others are kept.",
    )
    add.add_argument("--slack-user", required=True, metavar="U…", help="Slack user ID, e.g. U0123ABCD (profile → ⋮ → Copy member ID)")
    add.add_argument("--genesys-user", required=True, metavar="UUID", help="Genesys Cloud user ID (Admin → People → user → the ID in the URL)")
    add.add_argument("--caller-id", required=True, metavar="NUMBER", help="Caller ID number shown to the callee; stored as E.164, e.g. +14155550100")
    add.add_argument("--caller-name", metavar="NAME", help="Caller ID name shown to the callee")
    add.add_argument("--country", metavar="XX", help="Default country for numbers this user types without a country code (ISO 3166, e.g. GB); default DEFAULT_COUNTRY")
    add.add_argument("--team", metavar="T…", help="Slack team (workspace) ID; default: the user in any workspace")
    add.add_argument(
        "--admin", action=argparse.BooleanOptionalAction, default=None,
        help="Give (--admin) or take (--no-admin) the admin role, stored for admin-only commands; a new mapping is a member",
    )

    actions.add_parser("list", help="List all mappings.", description="List every mapping: Slack user, Genesys user, caller ID, country and role.")

    remove = actions.add_parser("remove", help="Remove a user's mapping.", description="Remove a Slack user's mappings, so they can no longer place calls.")
    remove.add_argument("--slack-user", required=True, metavar="U…", help="Slack user ID")
    remove.add_argument("--team", metavar="T…", help="Only the mapping in this workspace; default: all of the user's mappings")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    sessions = make_session_factory(make_engine(settings.database_url))
    try:
        with sessions.begin() as session:
            if args.action == "add":
                return _add(session, args, default_country=settings.default_country)
            if args.action == "list":
                return _list(session)
            return _remove(session, args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _add(session, args: argparse.Namespace, *, default_country: str) -> int:
    from bot.phone import check_caller_id

    user_id = _slack_user(args.slack_user)
    team_id = _team(args.team)
    try:
        genesys_user_id = str(uuid.UUID(args.genesys_user.strip()))
    except ValueError:
        raise UsageError(
            f"--genesys-user {args.genesys_user!r} is not a Genesys Cloud user ID (a UUID). "
            "Example: --genesys-user 3b1f0f3e-8d7a-4f6e-9a41-2c5b7e9d1a20"
        ) from None
    existing = mappings.find_exact_mapping(session, team_id=team_id, user_id=user_id)
    country = existing.country if existing else None
    if args.country is not None:
        country = _country(args.country)
    caller = check_caller_id(args.caller_id, default_country=country or default_country)
    if not caller.ok:
        raise UsageError(f"--caller-id {args.caller_id!r} cannot be used: {caller.message} Example: --caller-id +14155550100")
    name = existing.caller_name if existing else None
    if args.caller_name is not None:
        name = _caller_name(args.caller_name)
    if args.admin is None:
        role = existing.role if existing else "member"
    else:
        role = "admin" if args.admin else "member"

    mapping, created = mappings.save_mapping(
        session,
        team_id=team_id,
        user_id=user_id,
        genesys_user_id=genesys_user_id,
        caller_id=caller.e164,
        caller_name=name,
        country=country,
        role=role,
    )
    verb = "added" if created else "updated"
    print(f"{verb}: {_describe(mapping)}")
    return 0


def _list(session) -> int:
    rows = mappings.list_mappings(session)
    if not rows:
        print("no mappings; add one with: python -m bot users add --slack-user U… --genesys-user UUID --caller-id +1…")
        return 0
    for mapping in rows:
        print(_describe(mapping))
    return 0


def _remove(session, args: argparse.Namespace) -> int:
    user_id = _slack_user(args.slack_user)
    team_id = _team(args.team) if args.team else None
    removed = mappings.remove_mapping(session, user_id=user_id, team_id=team_id)
    if removed == 0:
        print(f"error: no mapping for Slack user {user_id}; see `python -m bot users list`", file=sys.stderr)
        return 1
    print(f"removed {removed} mapping(s) for {user_id}")
    return 0


def _describe(mapping) -> str:
    team = "any team" if mapping.slack_team_id == mappings.ANY_TEAM else mapping.slack_team_id
    parts = [
        f"{mapping.slack_user_id} ({team})",
        f"genesys_user={mapping.genesys_user_id}",
        f"caller_id={mapping.caller_id}",
    ]
    if mapping.caller_name:
        parts.append(f"caller_name={mapping.caller_name!r}")
    if mapping.country:
        parts.append(f"country={mapping.country}")
    parts.append(f"role={mapping.role}")
    return " ".join(parts)


def _slack_user(value: str) -> str:
    value = value.strip().upper()
    if not SLACK_USER_ID.match(value):
        raise UsageError(f"--slack-user {value!r} is not a Slack user ID. Example: --slack-user U0123ABCD")
    return value


def _team(value: str | None) -> str:
    if value is None:
        return mappings.ANY_TEAM
    value = value.strip().upper()
    if not SLACK_TEAM_ID.match(value):
        raise UsageError(f"--team {value!r} is not a Slack team ID. Example: --team T0123ABCD")
    return value


def _caller_name(value: str) -> str:
    """Check a caller ID name: printable text of 1 to 128 characters, shown to the callee."""
    name = value.strip()
    if not 0 < len(name) <= 128:
        raise UsageError(f"--caller-name must be 1 to 128 characters (got {len(name)}). Example: --caller-name 'Acme Support'")
    # Control and format characters (newlines, escapes, bidirectional overrides)
    # would reach Genesys and the callee's display as they are.
    unprintable = [char for char in name if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")]
    if unprintable:
        raise UsageError(
            f"--caller-name contains the unprintable character U+{ord(unprintable[0]):04X}. "
            "Example: --caller-name 'Acme Support'"
        )
    return name


def _country(value: str) -> str:
    from bot.phone import is_country_code

    code = value.strip().upper()
    if not is_country_code(code):
        raise UsageError(f"--country {value!r} is not a two-letter ISO 3166 country code. Example: --country GB")
    return code
