"""``python -m bot sandbox genesys|slack``: run a stand-in in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import textwrap
import threading

from bot.argtypes import port_number_or_zero, positive_int, positive_seconds
from bot.sandbox.genesys_control import CONTROL_ENDPOINTS as GENESYS_CONTROL
from bot.sandbox.genesys_faults import FAULT_ACTIONS, Fault
from bot.sandbox.server import check_loopback
from bot.sandbox.slack_control import CONTROL_ENDPOINTS as SLACK_CONTROL

log = logging.getLogger(__name__)

# Runs of 7 or more digits, optionally split by spaces, dots or dashes: long enough
# to be a phone number. Masked in logged paths although paths normally carry none.
_PHONE_LIKE = re.compile(r"(?<![0-9A-Za-z-])\+?\d(?:[\s.-]?\d){6,}(?![0-9A-Za-z])")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    services = parser.add_subparsers(dest="service", metavar="SERVICE", required=True)

    genesys = services.add_parser(
        "genesys",
        help="Genesys Cloud login service and Platform API (default port 8081).",
        description=_wrap(
            "Serve /oauth/token and /api/v2/... on one loopback port, as the Genesys Cloud SDK expects "
            "for an API host given as an IP address: client-credentials tokens, "
            "POST /api/v2/conversations/calls/user/{userId}, GET and PATCH "
            "/api/v2/conversations/calls/{conversationId}, GET /api/v2/users/{userId}. "
            "Point the bot at it with GENESYS_API_HOST=http://127.0.0.1:PORT."
        ),
        epilog=_genesys_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_address_arguments(genesys, default_port=8081)
    genesys.add_argument("--client-id", default="sandbox-client",
                         help="OAuth client ID that /oauth/token accepts (default: sandbox-client)")
    genesys.add_argument("--client-secret", default="sandbox-secret",
                         help="OAuth client secret that /oauth/token accepts (default: sandbox-secret)")
    genesys.add_argument("--token-ttl", type=float, default=86400, metavar="SECONDS",
                         help="lifetime of issued tokens in seconds; older tokens get 401 credentials.expired "
                              "(default: 86400)")
    genesys.add_argument("--user", action="append", default=[], metavar="ID[=NAME]",
                         help="add a known Genesys user ID, optionally with a display name; repeatable. "
                              "The demo user is always known.")
    genesys.add_argument("--fault", action="append", default=[], type=_parse_fault, metavar="JSON",
                         help="add a fault, as a JSON object with the fields listed below; repeatable")
    genesys.add_argument("--rate-limit", type=positive_int, default=None, metavar="N",
                         help="requests to /api/v2/ that one access token may make in any 60 s (or "
                              "--rate-limit-window) span; beyond it the sandbox answers 429 "
                              "too.many.requests.retry.after with Retry-After in seconds, as Genesys Cloud does "
                              "(Genesys' default is 300). Default: no limit")
    genesys.add_argument("--rate-limit-window", type=positive_seconds, default=60.0, metavar="SECONDS",
                         help="length of the --rate-limit window in seconds (default: 60, as Genesys Cloud)")

    slack = services.add_parser(
        "slack",
        help="Slack Web API and response URLs (default port 8082).",
        description=_wrap(
            "Serve chat.postMessage, chat.update, chat.postEphemeral and auth.test under /api/, and "
            "slash-command response URLs under /response/. Point the bot at it with "
            "SLACK_API_URL=http://127.0.0.1:PORT/api/. Channel C0SANDBOX exists with the bot as a member."
        ),
        epilog=_control_epilog(SLACK_CONTROL),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_address_arguments(slack, default_port=8082)
    slack.add_argument("--bot-token", default="xoxb-sandbox-token",
                       help="bot token that the Web API accepts (default: xoxb-sandbox-token)")
    slack.add_argument("--team-id", default="T0SANDBOX", help="team ID that auth.test returns (default: T0SANDBOX)")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=getattr(logging, os.environ.get("LOG_LEVEL", "INFO").upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        check_loopback(args.host)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    if args.service == "genesys":
        from bot.sandbox.genesys import GenesysSandbox

        sandbox = GenesysSandbox(
            host=args.host, port=args.port, client_id=args.client_id,
            client_secret=args.client_secret, token_ttl=args.token_ttl,
            requests_per_minute=args.rate_limit, rate_limit_window=args.rate_limit_window,
        )
        for entry in args.user:
            user_id, _, name = entry.partition("=")
            sandbox.add_user(user_id, name or "Sandbox User")
        for fault in args.fault:
            sandbox.add_fault(fault)
        limit = (f"rate limit {args.rate_limit} requests per {args.rate_limit_window:g} s per token"
                 if args.rate_limit is not None else "no rate limit")
        details = f"client ID {args.client_id}, {len(args.fault)} fault(s), {limit}"
    else:
        from bot.sandbox.slack import SlackSandbox

        sandbox = SlackSandbox(host=args.host, port=args.port, bot_token=args.bot_token, team_id=args.team_id)
        details = f"team {args.team_id}"

    sandbox.on_response = _log_response
    try:
        sandbox.start()
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error}; pick another --port", file=sys.stderr)
        return 1
    log.info("%s sandbox listening on %s (%s); press Ctrl-C to stop", args.service, sandbox.url, details)

    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        log.info("%s sandbox stopped", args.service)
    return 0


def _add_address_arguments(parser: argparse.ArgumentParser, *, default_port: int) -> None:
    parser.add_argument("--port", type=port_number_or_zero, default=default_port,
                        help=f"TCP port to listen on; 0 picks a free port (default: {default_port})")
    parser.add_argument("--host", default="127.0.0.1",
                        help="loopback address to bind, such as 127.0.0.1 or ::1; other addresses are "
                             "rejected (default: 127.0.0.1)")


def _parse_fault(text: str) -> Fault:
    try:
        return Fault.from_dict(json.loads(text))
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"invalid JSON in --fault {text!r}: {error}") from None
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid --fault {text!r}: {error}") from None


def _genesys_epilog() -> str:
    actions = "\n".join(
        textwrap.fill(description, width=79, initial_indent=f"  {name:<9}", subsequent_indent=" " * 11)
        for name, description in FAULT_ACTIONS.items()
    )
    return (
        "faults:\n"
        "  A fault applies to requests whose method and path match, in arrival order. Fields:\n"
        "  method (null: any), path_prefix (\"\": any), times (default 1; 0 or null: every request),\n"
        "  action (default respond), status, body, headers, delay (seconds), hang_seconds (default 30).\n"
        "  Faulted requests are recorded and counted like the others. A request answered by a\n"
        "  respond, drop or hang fault does not count towards --rate-limit.\n"
        "\n"
        "fault actions:\n"
        f"{actions}\n"
        "\n"
        "examples:\n"
        "  --fault '{\"path_prefix\": \"/api/v2/conversations/calls/user/\", \"status\": 429}'\n"
        "  --fault '{\"method\": \"POST\", \"action\": \"drop\", \"times\": 0}'\n"
        "  --rate-limit 60\n"
        "\n"
        + _control_epilog(GENESYS_CONTROL)
    )


def _control_epilog(endpoints: dict[str, str]) -> str:
    lines = "\n".join(f"  {route}\n      {description}" for route, description in endpoints.items())
    return f"control endpoints (JSON; not recorded as requests):\n{lines}"


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=79)


def _log_response(method: str, path: str, status: int | None, detail: str) -> None:
    """Log one request without tokens, and with phone numbers cut to their last four digits."""
    outcome = str(status) if status is not None else "no response"
    suffix = f" ({detail})" if detail else ""
    log.info("%s %s -> %s%s", method, _mask_phone_numbers(path), outcome, suffix)


def _mask_phone_numbers(text: str) -> str:
    return _PHONE_LIKE.sub(lambda match: "***" + re.sub(r"\D", "", match.group())[-4:], text)
