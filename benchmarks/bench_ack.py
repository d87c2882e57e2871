"""Acknowledgement latency of `bot serve` while Genesys is slow.

Starts the stand-ins and `python -m bot serve` (gunicorn, as in production), makes
the Genesys stand-in take DELAY seconds to answer each create-call request, sends
signed slash commands one after another and prints how long Slack would wait for
the HTTP 200 (the acknowledgement), and how long until the thread reply arrived.
Slack allows 3 s for the acknowledgement.

Run: .venv/bin/python benchmarks/bench_ack.py [COMMANDS] [DELAY]
"""

from __future__ import annotations

import platform
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
        stack.serve_subprocess(log_path=folder / "serve.log")
        # One call first, so the SDK import and token fetch are not measured.
        stack.slash("415 555 0100")
        stack.slack.wait_for(lambda m: m.thread_ts is not None, timeout=60)

        stack.genesys.add_fault(Fault(method="POST", path_prefix=CREATE_CALL, action="delay", delay=delay, times=0))
        acks: list[float] = []
        for index in range(commands):
            response = stack.slash(f"415 555 {1000 + index:04d}")
            if response.status != 200:
                print(f"command {index}: HTTP {response.status}")
                return 1
            acks.append(response.seconds)
        started = time.perf_counter()
        stack.slack.wait_for(lambda m: m.thread_ts is not None and f"{1000 + commands - 1:04d}" in str(m.raw), timeout=delay * commands + 60)
        tail = time.perf_counter() - started

    acks_ms = sorted(seconds * 1000 for seconds in acks)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {commands} commands, Genesys delay {delay:.1f} s")
    print(f"ack latency ms: median {statistics.median(acks_ms):.1f}, p95 {acks_ms[int(0.95 * (len(acks_ms) - 1))]:.1f}, max {acks_ms[-1]:.1f}")
    print(f"last thread reply arrived {tail:.1f} s after the last acknowledgement")
    return 0


if __name__ == "__main__":
    sys.exit(main())
