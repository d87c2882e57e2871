"""`bot serve`: HTTP mode under gunicorn, a production WSGI server.

One worker process with several threads by default. Calls run in a thread pool
inside the worker after the acknowledgement, so the worker must outlive the request. More
processes can run side by side against one PostgreSQL database.
"""

from __future__ import annotations

import argparse
import logging
import os

from bot.cli import configure_logging
from bot import preflight
from bot.argtypes import port_number, positive_int
from bot.config import GENESYS, SLACK_HTTP, ConfigError, load_settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="0.0.0.0", help="Address to listen on (default 0.0.0.0)")
    parser.add_argument("--port", type=port_number, help="Port to listen on, 1 to 65535 (default: PORT, else 3000)")
    parser.add_argument("--workers", type=positive_int, help="Worker processes (default: WEB_CONCURRENCY, else 1)")
    parser.add_argument("--threads", type=positive_int, default=8, help="Threads per worker for requests (default 8)")
    parser.add_argument(
        "--access-log", action="store_true",
        help="Log one line per request to stderr, with the status and the time taken in milliseconds",
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings(require=SLACK_HTTP + GENESYS)
    configure_logging(settings.log_level)
    port = args.port or settings.port
    workers = args.workers or _web_concurrency()
    preflight.check_port_free(args.host, port)
    preflight.check_database(settings)
    preflight.check_slack_token(settings)
    preflight.check_genesys_credentials(settings)
    options = {
        "bind": f"{args.host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": 60,
        "graceful_timeout": 30,
        "accesslog": "-" if args.access_log else None,
        # Method, path, status and duration; no query string, since it can carry personal data.
        "access_log_format": 'access %(m)s %(U)s %(s)s %(M)sms',
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
    }
    # Imported only now: gunicorn reads WEB_CONCURRENCY when it is imported and
    # raises a bare ValueError for a value that is not a number.
    from bot.gunicorn_app import GunicornApplication

    log.info("serving POST /slack/events and GET /healthz on %s:%s", args.host, port)
    GunicornApplication(settings, options).run()
    return 0


def _web_concurrency() -> int:
    """Worker count from WEB_CONCURRENCY, the variable Heroku-like platforms set."""
    text = os.environ.get("WEB_CONCURRENCY", "1")
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise ConfigError(f"WEB_CONCURRENCY {text!r} is not a number of worker processes. Example: WEB_CONCURRENCY=2") from None
