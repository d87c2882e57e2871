"""`bot serve` as production runs it: gunicorn in a child process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from bot.sandbox.genesys import Fault
from bot.sandbox.render import message_text
from bot.sandbox.stack import SandboxStack

pytestmark = pytest.mark.e2e

CREATE_CALL = "/api/v2/conversations/calls/user/"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    with SandboxStack(database_url=f"sqlite:///{folder / 'callbot.db'}") as stack:
        stack.serve_subprocess(log_path=folder / "serve.log")
        yield stack


def test_healthz_reports_database(served):
    url = served.events_url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "ok"}


def test_serve_acks_before_genesys_answers(served):
    served.genesys.reset()
    served.slack.reset()
    served.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="hold"))
    response = served.slash("415 555 0134")
    assert response.status == 200

    served.genesys.wait_for_count(1, method="POST", path_prefix=CREATE_CALL, timeout=30)
    assert served.genesys.count("POST", CREATE_CALL) == 1  # held: no response yet
    served.genesys.release()

    root = served.slack.wait_for(lambda m: m.api == "chat.postMessage" and not m.thread_ts, timeout=30)
    reply = served.slack.wait_for(lambda m: m.thread_ts == root.ts, timeout=30)
    assert "Conversation ID" in message_text(reply)


def test_serve_rejects_bad_signature(served):
    served.genesys.reset()
    response = served.slash("415 555 0134", signing_secret="wrong")
    assert response.status == 401
    assert served.genesys.count("POST", CREATE_CALL) == 0


def serve_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "GENESYS_", "DATABASE_URL"))}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", *args],
        capture_output=True, text=True, env=environ, timeout=120,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def stack_env(tmp_path):
    with SandboxStack(database_url=f"sqlite:///{tmp_path / 'callbot.db'}") as stack:
        yield stack, stack.env


def test_serve_refuses_unmigrated_database(stack_env, tmp_path):
    _, env = stack_env
    result = serve_command({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, "--port", str(free_port()))
    assert result.returncode == 2
    assert "run `python -m bot migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_rejected_slack_token(stack_env):
    _, env = stack_env
    result = serve_command({**env, "SLACK_BOT_TOKEN": "xoxb-wrong"}, "--port", str(free_port()))
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN was rejected" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_rejected_genesys_secret(stack_env):
    _, env = stack_env
    result = serve_command({**env, "GENESYS_CLIENT_SECRET": "replace-with-the-client-secret"}, "--port", str(free_port()))
    assert result.returncode == 2
    assert "GENESYS_CLIENT_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_port_in_use(stack_env):
    _, env = stack_env
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve_command(env, "--port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.parametrize("port", ["70000", "http", "0x"])
def test_serve_rejects_bad_port_argument(port):
    result = serve_command({}, "--port", port)
    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_rejects_bad_web_concurrency(stack_env):
    _, env = stack_env
    result = serve_command({**env, "WEB_CONCURRENCY": "two"}, "--port", str(free_port()))
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: WEB_CONCURRENCY 'two'")
    assert "Traceback" not in result.stderr


def test_other_commands_ignore_bad_web_concurrency():
    result = serve_command({"WEB_CONCURRENCY": "two"}, "--help")
    assert result.returncode == 0
