"""Settings: read once from the environment (and ``.env``), validated, passed in.

A missing or malformed setting raises :class:`ConfigError` with one line that names
the variable, the value found and an example that works. Which settings are required
depends on the command: ``bot number`` needs none, ``bot serve`` needs Slack and
Genesys credentials.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from bot.genesys.regions import resolve_region

DEFAULT_SQLITE_PATH = "callbot.db"
NUMBER_TYPES = ("premium_rate", "shared_cost", "personal_number", "uan", "voip", "pager", "toll_free")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the admin."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    genesys_client_id: str | None = None
    genesys_client_secret: str | None = field(default=None, repr=False)
    genesys_region: str = "us_east_1"
    genesys_api_host: str = "https://api.mypurecloud.com"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    port: int = 3000
    default_country: str = "US"
    log_level: str = "INFO"
    # Destination policy.
    allowed_countries: frozenset[str] | None = None
    blocked_number_types: frozenset[str] = frozenset({"premium_rate"})
    # Genesys HTTP behaviour.
    genesys_requests_per_minute: int = 300
    genesys_connect_timeout: float = 3.0
    genesys_read_timeout: float = 10.0
    genesys_max_retry_after: float = 30.0
    call_deadline: float = 60.0

    def __repr__(self) -> str:  # never print secrets, even in a traceback
        return f"Settings(database_url={mask_database_url(self.database_url)!r}, genesys_api_host={self.genesys_api_host!r})"


# name -> (example value, one-line description). Drives validation messages,
# `.env.example` and the README table; tests check that all three agree.
SETTINGS_HELP: dict[str, tuple[str, str]] = {
    "SLACK_BOT_TOKEN": ("xoxb-1234-5678-abcdef", "Bot token from the Slack app's OAuth page"),
    "SLACK_SIGNING_SECRET": ("8f742231b10e8888abcd99yyyzzz85a5", "Signing secret from the Slack app's Basic Information page"),
    "SLACK_APP_TOKEN": ("xapp-1-A0123-4567-abcdef", "App-level token with connections:write; Socket Mode only"),
    "SLACK_API_URL": ("https://slack.com/api/", "Base URL of the Slack Web API; the sandbox and tests point it at a stand-in"),
    "GENESYS_CLIENT_ID": ("7de3af06-c0b3-4f9b-af45-72f4a1403797", "OAuth client ID (grant type: client credentials)"),
    "GENESYS_CLIENT_SECRET": ("s3cr3t-from-genesys-admin", "OAuth client secret"),
    "GENESYS_REGION": ("mypurecloud.ie", "Region name (eu_west_1) or login domain (mypurecloud.ie); default us_east_1"),
    "GENESYS_API_HOST": ("http://127.0.0.1:8081", "Full API base URL; overrides GENESYS_REGION (the sandbox uses it)"),
    "DATABASE_URL": ("postgresql://user:pass@db.example.com:5432/callbot", f"SQLAlchemy URL; default sqlite:///{DEFAULT_SQLITE_PATH}"),
    "PORT": ("3000", "Port for `bot serve`; default 3000"),
    "DEFAULT_COUNTRY": ("US", "ISO 3166 country for numbers typed without a country code; default US"),
    "LOG_LEVEL": ("INFO", "DEBUG, INFO, WARNING or ERROR; default INFO"),
    "ALLOWED_COUNTRIES": ("US,CA", "Destination countries that may be dialed (ISO codes, comma-separated); default all"),
    "BLOCKED_NUMBER_TYPES": ("premium_rate,shared_cost", "Number types never dialed; default premium_rate; 'none' allows all. Choices: " + ", ".join(NUMBER_TYPES)),
    "GENESYS_REQUESTS_PER_MINUTE": ("300", "Request budget of this process towards Genesys; default 300"),
    "GENESYS_CONNECT_TIMEOUT": ("3", "Seconds to open a connection to Genesys; default 3"),
    "GENESYS_READ_TIMEOUT": ("10", "Seconds to wait for a Genesys response; default 10"),
    "GENESYS_MAX_RETRY_AFTER": ("30", "Longest Retry-After wait, in seconds, the bot accepts before giving up; default 30"),
    "CALL_DEADLINE": ("60", "Seconds from command to final answer, retries included; default 60"),
}

# Variables read elsewhere (gunicorn's worker count) or by the test suite.
OTHER_KNOWN_VARIABLES = frozenset({"WEB_CONCURRENCY", "CALLBOT_TEST_POSTGRES_URL", "CALLBOT_REQUIRE_POSTGRES"})

SLACK_HTTP = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
SLACK_SOCKET = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
GENESYS = ("GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET")


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require: tuple[str, ...] = (),
    dotenv_path: str | Path | None = ".env",
) -> Settings:
    """Read and validate settings; raise ConfigError naming the first bad variable.

    environ: variables to read; defaults to ``os.environ`` after loading ``.env``.
    require: variable names that must be set for the command being run.
    dotenv_path: file loaded into ``os.environ`` when environ is None; existing
        variables win over the file.
    """
    if environ is None:
        if dotenv_path is not None and Path(dotenv_path).is_file():
            from dotenv import dotenv_values, load_dotenv

            load_dotenv(dotenv_path, override=False)
            _warn_unknown_names(dotenv_values(dotenv_path), source=str(dotenv_path))
        environ = os.environ
    env = {key: value.strip() for key, value in environ.items() if key in SETTINGS_HELP and value.strip()}

    for name in require:
        if name not in env:
            raise ConfigError(_message(name, None, "is missing"))

    values: dict[str, object] = {}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET"):
        if name in env:
            values[name.lower()] = env[name]
    _check_prefix(env, "SLACK_BOT_TOKEN", "xoxb-")
    _check_prefix(env, "SLACK_APP_TOKEN", "xapp-")

    if "SLACK_API_URL" in env:
        values["slack_api_url"] = _url(env, "SLACK_API_URL").rstrip("/") + "/"

    if "GENESYS_API_HOST" in env:
        values["genesys_api_host"] = _url(env, "GENESYS_API_HOST").rstrip("/")
        values["genesys_region"] = "custom"
        if "GENESYS_REGION" in env and resolve_region(env["GENESYS_REGION"]):
            values["genesys_region"] = resolve_region(env["GENESYS_REGION"])[0]
    if "GENESYS_REGION" in env:
        region = resolve_region(env["GENESYS_REGION"])
        if region is None:
            raise ConfigError(_message("GENESYS_REGION", env["GENESYS_REGION"], "is not a Genesys Cloud region", "or eu_west_1"))
        if "GENESYS_API_HOST" not in env:
            values["genesys_region"], values["genesys_api_host"] = region

    if "DATABASE_URL" in env:
        if "://" not in env["DATABASE_URL"]:
            raise ConfigError(_message("DATABASE_URL", mask_database_url(env["DATABASE_URL"]), "is not a database URL", "or sqlite:///callbot.db"))
        values["database_url"] = env["DATABASE_URL"]

    values["port"] = _number(env, "PORT", int, low=1, high=65535, default=3000)
    values["default_country"] = _country(env, "DEFAULT_COUNTRY", env.get("DEFAULT_COUNTRY", "US"))

    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(_message("LOG_LEVEL", env["LOG_LEVEL"], "is not a log level"))
    values["log_level"] = level

    if "ALLOWED_COUNTRIES" in env and env["ALLOWED_COUNTRIES"] not in ("*", "all"):
        codes = [part.strip() for part in env["ALLOWED_COUNTRIES"].split(",") if part.strip()]
        if not codes:
            raise ConfigError(_message("ALLOWED_COUNTRIES", env["ALLOWED_COUNTRIES"], "lists no country code", "(or * for every country)"))
        values["allowed_countries"] = frozenset(_country(env, "ALLOWED_COUNTRIES", code) for code in codes)

    if "BLOCKED_NUMBER_TYPES" in env:
        raw = env["BLOCKED_NUMBER_TYPES"].lower()
        types = [] if raw == "none" else [part.strip() for part in raw.split(",") if part.strip()]
        for kind in types:
            if kind not in NUMBER_TYPES:
                raise ConfigError(_message("BLOCKED_NUMBER_TYPES", env["BLOCKED_NUMBER_TYPES"], f"contains unknown type {kind!r}"))
        values["blocked_number_types"] = frozenset(types)

    values["genesys_requests_per_minute"] = _number(env, "GENESYS_REQUESTS_PER_MINUTE", int, low=1, high=100_000, default=300)
    values["genesys_connect_timeout"] = _number(env, "GENESYS_CONNECT_TIMEOUT", float, low=0.1, high=120, default=3.0)
    values["genesys_read_timeout"] = _number(env, "GENESYS_READ_TIMEOUT", float, low=0.1, high=300, default=10.0)
    values["genesys_max_retry_after"] = _number(env, "GENESYS_MAX_RETRY_AFTER", float, low=0, high=3600, default=30.0)
    values["call_deadline"] = _number(env, "CALL_DEADLINE", float, low=1, high=3600, default=60.0)
    return Settings(**values)  # type: ignore[arg-type]


def _warn_unknown_names(values: Mapping[str, str | None], *, source: str) -> None:
    """Print one line per variable in ``source`` that no setting reads (a misspelling, most likely)."""
    import difflib
    import sys

    for name in values:
        if name in SETTINGS_HELP or name in OTHER_KNOWN_VARIABLES:
            continue
        close = difflib.get_close_matches(name, list(SETTINGS_HELP), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        print(f"warning: {source} sets {name}, which callbot does not read{hint}", file=sys.stderr)


def _message(name: str, value: str | None, problem: str, extra_example: str = "") -> str:
    example, description = SETTINGS_HELP[name]
    shown = "" if value is None else f" (got {value!r})"
    if name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "GENESYS_CLIENT_SECRET"):
        shown = ""  # never echo a secret back
    also = f" {extra_example}" if extra_example else ""
    return f"{name} {problem}{shown}: {description}. Example: {name}={example}{also}"


def _check_prefix(env: Mapping[str, str], name: str, prefix: str) -> None:
    if name in env and not env[name].startswith(prefix):
        raise ConfigError(_message(name, None, f"does not start with {prefix!r}"))


def _url(env: Mapping[str, str], name: str) -> str:
    value = env[name]
    if not value.startswith(("http://", "https://")):
        raise ConfigError(_message(name, value, "is not an http(s) URL"))
    return value


def _number(env: Mapping[str, str], name: str, kind: type, *, low: float, high: float, default: float):
    if name not in env:
        return default
    try:
        value = kind(env[name])
    except ValueError:
        raise ConfigError(_message(name, env[name], f"is not {'an integer' if kind is int else 'a number'}")) from None
    if not low <= value <= high:
        raise ConfigError(_message(name, env[name], f"is out of range {low:g} to {high:g}"))
    return value


def _country(env: Mapping[str, str], name: str, code: str) -> str:
    from bot.phone import is_country_code

    code = code.strip().upper()
    if not is_country_code(code):
        raise ConfigError(_message(name, env.get(name, code), f"contains {code!r}, which is not a two-letter ISO 3166 country code"))
    return code


def mask_database_url(url: str) -> str:
    """Hide the password in a database URL."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
