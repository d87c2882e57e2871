"""Acknowledgement latency of `bot serve` while Genesys is slow.

Starts the stand-ins and `python -m bot serve` (gunicorn, as in production), makes
the Genesys stand-in take DELAY seconds to respond to each create-call request, sends
signed slash commands and prints how long Slack would wait for the HTTP 200 (the
acknowledgement): A, one command at a time; B, a burst while earlier calls still
wait on Genesys. Slack allows 3 s for the acknowledgement. The stand-ins run in
this process, so the numbers include their share of its interpreter lock.

Run: .venv/bin/python benchmarks/bench_ack.py [COMMANDS] [DELAY]
"""

from __future__ import annotations

import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.sandbox.genesys import Fault
from bot.sandbox.stack import SandboxStack

CREATE_CALL = "/api/v2/conversations/calls/user/"


def main() -> int:
    commands = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    folder = Path(tempfile.mkdtemp(prefix="callbot-bench-"))
    with SandboxStack(database_url=f"sqlite:///{folder / 'bench.db'}", extra_env={"GENESYS_READ_TIMEOUT": "30"}) as stack:
        stack.serve_subprocess(log_path=folder / "serve.log", access_log=True)
        # One call first, so the SDK import and token fetch are not measured.
        stack.slash("415 555 0100")
        stack.slack.wait_for(lambda m: m.thread_ts is not None, timeout=60)
        stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="delay", delay=delay, times=0))

        # A: one command at a time, each waiting for its thread reply (Genesys busy 2 s).
        single = []
        for index in range(5):
            stack.slack.reset()
            response = stack.slash(f"415 555 {2000 + index:04d}")
            single.append(response.seconds)
            stack.slack.wait_for(lambda m: m.thread_ts is not None, timeout=delay + 60)

        # B: a burst of commands back to back; earlier calls are still waiting on Genesys.
        stack.slack.reset()
        burst: list[float] = []
        for index in range(commands):
            response = stack.slash(f"415 555 {1000 + index:04d}")
            if response.status != 200:
                print(f"command {index}: HTTP {response.status}")
                return 1
            burst.append(response.seconds)
        started = time.perf_counter()
        last = f"{1000 + commands - 1:04d}"
        stack.slack.wait_for(lambda m: m.thread_ts is not None and last in str(m.raw), timeout=delay * commands + 60)
        tail = time.perf_counter() - started

    print(f"machine: {platform.machine()}, Python {platform.python_version()}, Genesys delay {delay:.1f} s per create-call")
    _report("A: one at a time", single)
    _report(f"B: {commands} back to back", burst)
    print(f"B: last thread reply arrived {tail:.1f} s after the last acknowledgement")
    server = [float(ms) / 1000 for ms in re.findall(r"access POST /slack/events 200 (\d+)ms", (folder / "serve.log").read_text())]
    _report("gunicorn's own time for all POST /slack/events", server)
    return 0


def _report(name: str, seconds: list[float]) -> None:
    ms = sorted(value * 1000 for value in seconds)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"{name}: ack latency ms median {statistics.median(ms):.1f}, p95 {p95:.1f}, max {ms[-1]:.1f} ({len(ms)} commands)")


if __name__ == "__main__":
    sys.exit(main())
