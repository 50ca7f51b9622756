"""`python -m infra.local run|demo`: the embedded local stack."""

from __future__ import annotations

import signal
import sys
import threading

from infra.cli.client import DeskClient
from infra.cli.render import console
from infra.local.demo import run_demo
from infra.local.moto_patches import PatchMismatch
from infra.local.stack import LocalStack, StackConfig


def run() -> None:
    stack = LocalStack(StackConfig()).start()
    client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                        stack_name=stack.config.stack_name,
                        dev_data_dir=stack.config.data_dir)
    console.print(f"""[bold]Complaint desk running on the embedded local stack[/bold]
  HTTP API        {stack.config.api_url}
  AWS endpoints   {stack.config.aws_url}   (aws --endpoint-url {stack.config.aws_url} stepfunctions list-executions ...)
  state machine   {stack.state_machine_arn}
  demo portal     POST {stack.config.api_url}/v1/portals/demo-portal/complaints
  portal secret   demo-portal: {client.portal_secret("demo-portal")}  (all: {stack.config.data_dir}/portal-secrets.json)
  operator JWT    sup-zhao (supervisor, 1 h): {client.dev_token("sup-zhao")}
                  others: complaints dev-token --agent a-chen --role agent  (key in {stack.config.data_dir})
  outbox (SMS, staff messages)  {stack.outbox_path}
  CLI             complaints list --queue network_optimisation | complaints show ID | complaints history ID
Reminders tick every {min(stack.schedule_seconds.values(), default=60)} s; `complaints clock advance 3d` moves time.
Ctrl-C stops.""")
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    stack.stop()


def demo() -> int:
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
