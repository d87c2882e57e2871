"""Settings validation: one line naming the variable, the value and a working example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import GENESYS, SETTINGS_HELP, SLACK_HTTP, ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_no_variables():
    settings = load_settings({})
    assert settings.database_url == "sqlite:///callbot.db"
    assert settings.default_country == "US"
    assert settings.genesys_api_host == "https://api.mypurecloud.com"
    assert settings.blocked_number_types == frozenset({"premium_rate"})
    assert settings.allowed_countries is None


@pytest.mark.parametrize("region", ["mypurecloud.ie", "eu_west_1", "eu-west-1", "https://api.mypurecloud.ie", "login.mypurecloud.ie"])
def test_region_accepts_name_or_domain(region):
    settings = load_settings({"GENESYS_REGION": region})
    assert settings.genesys_region == "eu_west_1"
    assert settings.genesys_api_host == "https://api.mypurecloud.ie"


def test_api_host_overrides_region():
    settings = load_settings({"GENESYS_REGION": "eu_west_1", "GENESYS_API_HOST": "http://127.0.0.1:8081/"})
    assert settings.genesys_api_host == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("environ", "variable", "fragment"),
    [
        ({"GENESYS_REGION": "mars_north_1"}, "GENESYS_REGION", "'mars_north_1'"),
        ({"PORT": "eighty"}, "PORT", "not an integer"),
        ({"PORT": "70000"}, "PORT", "out of range"),
        ({"DEFAULT_COUNTRY": "USA"}, "DEFAULT_COUNTRY", "'USA'"),
        ({"ALLOWED_COUNTRIES": "US,XX"}, "ALLOWED_COUNTRIES", "'XX'"),
        ({"BLOCKED_NUMBER_TYPES": "premium,voip"}, "BLOCKED_NUMBER_TYPES", "'premium'"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "'LOUD'"),
        ({"SLACK_API_URL": "slack.test/api"}, "SLACK_API_URL", "not an http(s) URL"),
        ({"GENESYS_READ_TIMEOUT": "-1"}, "GENESYS_READ_TIMEOUT", "out of range"),
    ],
)
def test_invalid_value_names_variable_and_example(environ, variable, fragment):
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    message = str(raised.value)
    assert message.startswith(variable)
    assert fragment in message
    assert f"Example: {variable}=" in message
    assert "\n" not in message


def test_missing_required_variable_is_named():
    with pytest.raises(ConfigError) as raised:
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, require=SLACK_HTTP + GENESYS)
    assert str(raised.value).startswith("SLACK_SIGNING_SECRET is missing")


def test_secret_values_never_echoed():
    with pytest.raises(ConfigError) as raised:
        load_settings({"SLACK_BOT_TOKEN": "not-a-token-SECRET123"})
    assert "SECRET123" not in str(raised.value)


def test_settings_repr_hides_secrets():
    settings = load_settings(
        {"GENESYS_CLIENT_SECRET": "hunter2", "DATABASE_URL": "postgresql://bot:pw123@db/callbot"}
    )
    assert "hunter2" not in repr(settings)
    assert "pw123" not in repr(settings)


def test_allowed_countries_star_means_all():
    assert load_settings({"ALLOWED_COUNTRIES": "*"}).allowed_countries is None
    assert load_settings({"ALLOWED_COUNTRIES": "us, ca"}).allowed_countries == frozenset({"US", "CA"})


def test_blocked_types_none_allows_all():
    assert load_settings({"BLOCKED_NUMBER_TYPES": "none"}).blocked_number_types == frozenset()


def test_env_example_documents_every_setting():
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", text, flags=re.MULTILINE))
    assert set(SETTINGS_HELP) <= documented


def test_readme_documents_every_setting():
    text = (ROOT / "README.md").read_text()
    for name in SETTINGS_HELP:
        assert f"`{name}`" in text, name


def test_allowed_countries_without_codes_is_invalid():
    with pytest.raises(ConfigError) as raised:
        load_settings({"ALLOWED_COUNTRIES": ","})
    assert str(raised.value).startswith("ALLOWED_COUNTRIES lists no country code")
