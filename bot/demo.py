"""`bot demo`: the whole /call flow on loopback, with no accounts and no network.

Starts the Genesys Cloud and Slack stand-ins, a SQLite database in a temporary
folder and the real app under gunicorn, maps a demo user, then sends signed slash
commands exactly as Slack does and prints what Slack would show. Exits 0 when the
placed call, the refusal and the diagnosed failure all came out as expected.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import textwrap
from pathlib import Path

from bot.sandbox.render import message_text

MESSY_TEXT = "Jane Doe (415)\u00a0555\u20130134 x204"  # no-break space, en dash, extension
REFUSED_TEXT = "911"
FAILING_TEXT = "+44 20 7946 0958"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--in-process", action="store_true",
        help="Serve the app from this process instead of `python -m bot serve` (starts faster)",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder with the database and server log")


def run(args: argparse.Namespace) -> int:
    from bot.db.engine import make_engine, make_session_factory
    from bot.db.models import CallAttempt
    from bot.sandbox.genesys import DEMO_USER_ID, Fault
    from bot.sandbox.stack import DEMO_SLACK_USER, SandboxStack

    folder = Path(tempfile.mkdtemp(prefix="callbot-demo-"))
    database_url = f"sqlite:///{folder / 'demo.db'}"
    problems: list[str] = []

    with SandboxStack(database_url=database_url) as stack:
        _say(f"Genesys Cloud stand-in: {stack.genesys.url}")
        _say(f"Slack Web API stand-in:  {stack.slack.url}/api/")
        _say(f"Database:                {database_url}")
        if args.in_process:
            _log_to(folder / "bot.log")
            events_url = stack.serve_in_process()
        else:
            _say("Starting `python -m bot serve` (gunicorn)...")
            events_url = stack.serve_subprocess(log_path=folder / "serve.log")
        _say(f"Bot:                     {events_url}")
        _say(f"Demo user {DEMO_SLACK_USER} is mapped to Genesys user {DEMO_USER_ID}.\n")

        # 1. A messily typed number is placed, and the result is posted in the thread.
        _heading(f"/call {MESSY_TEXT}")
        response = stack.slash(MESSY_TEXT)
        _say(f"Slack got HTTP {response.status} in {response.seconds * 1000:.0f} ms (the acknowledgement).")
        root = stack.slack.wait_for(lambda message: message.api == "chat.postMessage" and not message.thread_ts, timeout=60)
        reply = stack.slack.wait_for(lambda message: message.thread_ts == root.ts, timeout=60)
        _show("Channel message", root)
        _show("Thread reply", reply)
        conversation_id = _conversation_id(reply)
        if response.status != 200:
            problems.append(f"acknowledgement status {response.status}")
        if conversation_id is None or conversation_id not in stack.genesys.calls:
            problems.append("the thread reply carries no conversation ID known to the Genesys stand-in")

        # 2. A number no bot should dial is refused before Genesys hears of it.
        _heading(f"/call {REFUSED_TEXT}")
        before = stack.genesys.count("POST", "/api/v2/conversations/calls")
        refused_url = stack.slack.new_response_url()
        stack.slash(REFUSED_TEXT, response_url=refused_url)
        refusal = stack.slack.wait_for(lambda message: message.api == "response_url" and message.url == refused_url, timeout=30)
        _show("Only visible to you", refusal)
        if stack.genesys.count("POST", "/api/v2/conversations/calls") != before:
            problems.append("a refused number reached Genesys")

        # 3. Genesys refuses the call; the thread explains why and what to do.
        _heading(f"/call {FAILING_TEXT}   (the Genesys stand-in now answers 403: missing permission)")
        stack.genesys.add_fault(
            Fault(
                method="POST",
                path_prefix="/api/v2/conversations/calls/user/",
                status=403,
                body={
                    "message": "Unable to perform the requested action. You are missing the following permission(s): "
                    "[conversation:call:add, conversation:agentlessCall:add]",
                    "code": "missing.any.permissions",
                    "status": 403,
                    "messageWithParams": "Unable to perform the requested action. You are missing the following permission(s): {permissions}",
                    "messageParams": {"permissions": "[conversation:call:add, conversation:agentlessCall:add]"},
                },
            )
        )
        stack.slash(FAILING_TEXT)
        root2 = stack.slack.wait_for(lambda message: message.api == "chat.postMessage" and not message.thread_ts and message.ts != root.ts, timeout=60)
        failure = stack.slack.wait_for(lambda message: message.thread_ts == root2.ts, timeout=60)
        _show("Channel message", root2)
        _show("Thread reply", failure)
        if "conversation:call:add" not in message_text(failure):
            problems.append("the diagnosis does not name the missing permission")

        # The audit trail has every attempt.
        _heading("Audit trail (call_attempts)")
        sessions = make_session_factory(make_engine(database_url))
        with sessions() as session:
            rows = session.query(CallAttempt).order_by(CallAttempt.id).all()
            for row in rows:
                _say(f"  #{row.id} {row.outcome:8} {row.reason or '':22} {row.e164 or '-':14} conversation={row.conversation_id or '-'} requests={row.requests_sent}")
            outcomes = [row.outcome for row in rows]
        if outcomes != ["placed", "rejected", "failed"]:
            problems.append(f"audit outcomes are {outcomes}, expected placed, rejected, failed")

    if args.keep or problems:
        _say(f"\nFiles kept in {folder}")
    if problems:
        _say("\nDEMO FAILED: " + "; ".join(problems))
        return 1
    _say("\nDemo finished: one call placed, one number refused, one failure diagnosed.")
    return 0


def _conversation_id(message) -> str | None:
    found = re.search(r"Conversation ID: `?([0-9a-f-]{36})", message_text(message))
    return found.group(1) if found else None


def _show(title: str, message) -> None:
    _say(f"  [{title}]")
    plain = message_text(message).replace("*", "").replace("`", "")
    for line in plain.splitlines():
        _say(textwrap.indent(textwrap.fill(line, 100, subsequent_indent="  "), "    "))


def _log_to(path: Path) -> None:
    """Send the in-process bot's log to a file so it does not mix with the demo output."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _heading(text: str) -> None:
    _say(f"\n=== {text}")


def _say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(run(argparse.Namespace(in_process=False, keep=False)))
