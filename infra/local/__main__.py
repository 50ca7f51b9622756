"""`python -m infra.local run|demo`: the embedded local stack."""

from __future__ import annotations

import signal
import sys
import threading
import warnings

from infra.cli.client import DeskClient
from infra.cli.render import console
from infra.local.demo import run_demo
from infra.local.moto_patches import PatchMismatch
from infra.local.stack import LocalStack, StackConfig


def _quiet_shared_metrics() -> None:
    """Leave out warnings nobody can act on: every function shares one Metrics object here.

    On Lambda each invocation has its own; in one process, a function that published
    nothing (or a dimension another function added) warns on every request.
    """
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
    warnings.filterwarnings("ignore", message="Dimension .* has already been added", category=UserWarning)


def run() -> None:
    _quiet_shared_metrics()
    stack = LocalStack(StackConfig()).start()
    client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                        stack_name=stack.config.stack_name,
                        dev_data_dir=stack.config.data_dir)
    config, token = stack.config, client.dev_token("sup-zhao")
    ports = (f"LOCAL_API_PORT={config.api_port} LOCAL_AWS_PORT={config.aws_port} "
             if (config.api_port, config.aws_port) != (8080, 4566) else "")
    lines = [
        "[bold]Complaint desk running on the embedded local stack[/bold]",
        f"  HTTP API        {config.api_url}",
        f"  AWS endpoints   {config.aws_url}   (aws --endpoint-url {config.aws_url} stepfunctions list-executions ...)",
        f"  state machine   {stack.state_machine_arn}",
        f"  demo portal     POST {config.api_url}/v1/portals/demo-portal/complaints",
        f"  portal secret   demo-portal: {client.portal_secret('demo-portal')}",
        f"                  all portals: {config.data_dir}/portal-secrets.json",
        f"  outbox          {stack.outbox_path}   (SMS and staff messages)",
        f"  console         {config.api_url}/console   (local sign-in: development only, no password)",
        "  operator JWT    sup-zhao (supervisor, 1 h), on the next line; others: complaints dev-token --agent a-wang",
        token,
        f"  CLI (in another terminal: . .venv/bin/activate{'; export ' + ports.strip() if ports else ''})",
        "                  complaints config",
        f"                  {ports}complaints submit examples/coverage.json",
        f"                  {ports}complaints --agent sup-sun list --queue network_optimisation",
        f"Reminders tick every {min(stack.schedule_seconds.values(), default=60)} s; "
        "`complaints clock advance 3d` or `complaints clock set 2027-09-30T17:00+08:00` moves time. Ctrl-C stops.",
    ]
    for line in lines:
        # soft_wrap: a long line (the token) is printed whole, so it can be copied in one piece.
        console.print(line, soft_wrap=True, highlight=False)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    stack.stop()


def demo() -> int:
    _quiet_shared_metrics()
    with LocalStack(StackConfig(tick_schedule=False, log_level="WARNING", start_local="09:00")) as stack:
        return 0 if run_demo(stack) else 1


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    try:
        if command == "run":
            run()
        elif command == "demo":
            sys.exit(demo())
        else:
            sys.exit(f"usage: python -m infra.local [run|demo], not {command!r}")
    except PatchMismatch as exc:
        sys.exit(str(exc))
