"""A local stack in a process of its own, for a test to kill: `python -m tests.integration.stack_process DIR`.

It binds free ports itself and prints one JSON line when it serves (those ports and
what start-up found in the data directory), then serves until SIGTERM; SIGKILL is
the crash under test.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

from infra.local.stack import LocalStack, StackConfig


def main(data_dir: str) -> None:
    config = StackConfig(aws_port=0, api_port=0, tick_schedule=False,
                         data_dir=Path(data_dir), log_level="WARNING", start_local="09:00",
                         policy_changes={"quality_check": {"sample_rate": 0.0},
                                         # a test's portal receiver listens on loopback over plain http
                                         "status_push": {"allow_http_hosts": ["127.0.0.1"]}})
    stack = LocalStack(config).start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(json.dumps({"api_port": config.api_port, "aws_port": config.aws_port, "restored": stack.restored}),
          flush=True)
    stopped.wait()
    stack.stop()


if __name__ == "__main__":
    main(sys.argv[1])
