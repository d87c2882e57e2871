"""`bot serve` as production runs it: gunicorn in a child process."""

from __future__ import annotations

import json
import time
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

    deadline = time.monotonic() + 30
    while served.genesys.count("POST", CREATE_CALL) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
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
