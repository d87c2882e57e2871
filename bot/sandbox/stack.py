"""The whole bot on loopback: both stand-ins, a migrated database, a demo user, the app.

The demo runs it, and so do the end-to-end tests. The app is served either in
this process (fast, for tests) or as ``python -m bot serve`` under gunicorn in a
child process (exactly what production runs).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.config import Settings, load_settings
from bot.db import mappings
from bot.db.engine import make_engine, make_session_factory, upgrade
from bot.sandbox.genesys import DEMO_USER_ID, GenesysSandbox
from bot.sandbox.slack import SlackSandbox
from bot.sandbox.slash_command import SlashResponse, send_slash_command

DEMO_SLACK_USER = "U0DEMO"
DEMO_CALLER_ID = "+14155550100"
DEMO_CALLER_NAME = "Demo Support"


class SandboxStack:
    """Starts the stand-ins and prepares a database; serve the app with serve_*()."""

    def __init__(self, *, database_url: str, extra_env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.signing_secret = secrets.token_hex(16)
        self.genesys = GenesysSandbox()
        self.slack = SlackSandbox()
        self.extra_env = dict(extra_env or {})
        self.events_url: str | None = None
        self._exit = ExitStack()
        self.runtime = None
        self.server_log: Path | None = None

    # -- life cycle -------------------------------------------------------------

    def __enter__(self) -> "SandboxStack":
        self._exit.enter_context(self.genesys.start())
        self._exit.enter_context(self.slack.start())
        upgrade(make_engine(self.database_url))
        self.add_mapping(DEMO_SLACK_USER)
        return self

    def __exit__(self, *exc_info) -> None:
        self._exit.close()

    @property
    def env(self) -> dict[str, str]:
        """The settings the bot runs with, as environment variables."""
        env = {
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_API_URL": self.slack.url + "/api/",
            "GENESYS_CLIENT_ID": self.genesys.client_id,
            "GENESYS_CLIENT_SECRET": self.genesys.client_secret,
            "GENESYS_API_HOST": self.genesys.url,
            "DATABASE_URL": self.database_url,
            "DEFAULT_COUNTRY": "US",
        }
        env.update(self.extra_env)
        return env

    def settings(self) -> Settings:
        return load_settings(self.env)

    def add_mapping(self, slack_user: str, *, genesys_user: str = DEMO_USER_ID, country: str | None = None) -> None:
        sessions = make_session_factory(make_engine(self.database_url))
        with sessions.begin() as session:
            mappings.save_mapping(
                session,
                team_id=mappings.ANY_TEAM,
                user_id=slack_user,
                genesys_user_id=genesys_user,
                caller_id=DEMO_CALLER_ID,
                caller_name=DEMO_CALLER_NAME,
                country=country,
            )

    # -- serving the app ----------------------------------------------------------

    def serve_in_process(self) -> str:
        """Serve the real Bolt app over HTTP from a thread; return the events URL."""
        from bot.runtime import build_runtime
        from bot.wsgi import make_wsgi_app

        self.runtime = build_runtime(self.settings())
        server = make_server("127.0.0.1", 0, make_wsgi_app(self.runtime), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, name="wsgi", daemon=True)
        thread.start()
        self._exit.callback(server.server_close)
        self._exit.callback(server.shutdown)
        self.events_url = f"http://127.0.0.1:{server.server_port}/slack/events"
        return self.events_url

    def serve_subprocess(self, *, log_path: Path, startup_timeout: float = 60.0, access_log: bool = False) -> str:
        """Run ``python -m bot serve`` in a child process; return the events URL.

        access_log: add gunicorn's per-request lines (status, milliseconds) to the log.
        """
        port = _free_port()
        env = {**os.environ, **self.env, "LOG_LEVEL": "INFO"}
        self.server_log = log_path
        log_file = open(log_path, "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)] + (["--access-log"] if access_log else []),
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
        self._exit.callback(log_file.close)
        self._exit.callback(_stop, process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"`python -m bot serve` exited with status {process.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        self.events_url = base + "/slack/events"
                        return self.events_url
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"`python -m bot serve` did not respond to /healthz within {startup_timeout:.0f} s; see {log_path}")

    # -- acting as Slack ------------------------------------------------------------

    def slash(self, text: str, *, user_id: str = DEMO_SLACK_USER, channel_id: str = "C0SANDBOX", **kwargs) -> SlashResponse:
        """Send `/call <text>` signed with the app's signing secret."""
        assert self.events_url, "serve the app first"
        return send_slash_command(
            self.events_url,
            signing_secret=kwargs.pop("signing_secret", self.signing_secret),
            text=text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=kwargs.pop("response_url", None) or self.slack.new_response_url(),
            **kwargs,
        )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 resets connections in a burst of commands


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # access log is noise in tests
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
