"""The command line as an admin uses it: subprocesses with environment settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.cli import COMMANDS

UUID = "3b1f0f3e-8d7a-4f6e-9a41-2c5b7e9d1a20"


def bot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "GENESYS_", "DATABASE_URL"))}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environ, timeout=120)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_has_help(command):
    result = bot(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_top_level_help_lists_commands():
    result = bot("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_users_add_list_remove(database_url):
    env = {"DATABASE_URL": database_url}
    added = bot("users", "add", "--slack-user", "u0123abcd", "--genesys-user", UUID, "--caller-id", "(415) 555-0100", "--caller-name", "Acme", "--admin", env=env)
    assert added.returncode == 0, added.stderr
    assert "added" in added.stdout

    listed = bot("users", "list", env=env)
    assert "U0123ABCD" in listed.stdout
    assert "caller_id=+14155550100" in listed.stdout
    assert "role=admin" in listed.stdout

    updated = bot("users", "add", "--slack-user", "U0123ABCD", "--genesys-user", UUID, "--caller-id", "+44 20 7946 0958", env=env)
    assert "updated" in updated.stdout
    listed = bot("users", "list", env=env).stdout
    assert "caller_id=+442079460958" in listed
    assert "caller_name='Acme'" in listed  # options not given keep their values
    assert "role=admin" in listed

    demoted = bot("users", "add", "--slack-user", "U0123ABCD", "--genesys-user", UUID, "--caller-id", "+14155550100", "--no-admin", env=env)
    assert demoted.returncode == 0, demoted.stderr
    assert "role=member" in bot("users", "list", env=env).stdout

    removed = bot("users", "remove", "--slack-user", "U0123ABCD", env=env)
    assert removed.returncode == 0
    assert "no mappings" in bot("users", "list", env=env).stdout
    assert bot("users", "remove", "--slack-user", "U0123ABCD", env=env).returncode == 1


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--slack-user", "bob", "not a Slack user ID"),
        ("--genesys-user", "not-a-uuid", "not a Genesys Cloud user ID"),
        ("--caller-id", "12345", "--caller-id '12345' cannot be used"),
        ("--caller-id", "911", "--caller-id '911' cannot be used"),
        ("--caller-id", "+1 900 200 1234", "cannot be used"),
        ("--country", "USA", "not a two-letter ISO 3166 country code"),
        ("--country", "", "not a two-letter ISO 3166 country code"),
        ("--caller-name", "", "1 to 128 characters"),
        ("--caller-name", "x" * 129, "1 to 128 characters"),
        ("--caller-name", "Acme\x1b[31m", "unprintable character U+001B"),
        ("--caller-name", "Acme\u202eevil", "unprintable character U+202E"),
    ],
)
def test_users_add_rejects_bad_value(tmp_path, option, value, fragment):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    assert bot("migrate", env=env).returncode == 0
    args = {"--slack-user": "U0123ABCD", "--genesys-user": UUID, "--caller-id": "+14155550100"}
    args[option] = value
    flat = [item for pair in args.items() for item in pair]
    result = bot("users", "add", *flat, env=env)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Example:" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_error_is_one_line_without_traceback():
    result = bot("serve", env={"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"})
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: GENESYS_CLIENT_ID is missing")
    assert "Traceback" not in result.stderr


def test_migrate_is_idempotent(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    assert bot("migrate", env=env).returncode == 0
    second = bot("migrate", env=env)
    assert second.returncode == 0
    assert "head" in second.stdout
