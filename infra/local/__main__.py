"""`python -m infra.local run|demo [--data-dir DIR]`: the embedded local stack."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from complaints.core.enums import Role
from complaints.core.policy import load_policy
from infra.cli.client import DeskClient
from infra.cli.render import console
from infra.local import durable
from infra.local.demo import run_demo
from infra.local.demo_desks import run_desk_demo
from infra.local.moto_patches import PatchMismatch
from infra.local.stack import LocalStack, StackConfig


def _quiet_shared_metrics() -> None:
    """Leave out warnings nobody can act on: every function shares one Metrics object here.

    On Lambda each invocation has its own; in one process, a function that published
    nothing (or a dimension another function added) warns on every request.
    """
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
    warnings.filterwarnings("ignore", message="Dimension .* has already been added", category=UserWarning)


def _kept(stack: LocalStack) -> str:
    found = stack.restored
    if not found.get("items") and not found.get("executions"):
        return "new: nothing kept yet"
    text = f"kept: {found['items']} items, {found['executions']} executions"
    if found.get("redriven"):
        text += f"; {len(found['redriven'])} complaints cut off by the stop went on in new executions"
    if found.get("dropped_bytes"):
        text += f"; a torn last record ({found['dropped_bytes']} bytes) from a crash was dropped"
    return text


def run(data_dir: Path, profile: str = "telecom") -> None:
    _quiet_shared_metrics()
    stack = LocalStack(StackConfig(data_dir=data_dir, profile=profile)).start()
    client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                        stack_name=stack.config.stack_name, policy_profile=profile,
                        dev_data_dir=stack.config.data_dir)
    supervisor = next(a.id for a in load_policy(profile).agents if a.role is Role.SUPERVISOR)
    config, token = stack.config, client.dev_token(supervisor)
    ports = (f"LOCAL_API_PORT={config.api_port} LOCAL_AWS_PORT={config.aws_port} "
             if (config.api_port, config.aws_port) != (8080, 4566) else "")
    lines = [
        "[bold]Complaint desk running on the embedded local stack[/bold]",
        f"  HTTP API        {config.api_url}",
        f"  AWS endpoints   {config.aws_url}   (aws --endpoint-url {config.aws_url} stepfunctions list-executions ...)",
        f"  state machine   {stack.state_machine_arn}",
        f"  data            {config.data_dir}   ({_kept(stack)}; `complaints backup FILE`, "
        "`complaints reset --yes` once stopped)",
        f"  demo portal     POST {config.api_url}/v1/portals/demo-portal/complaints",
        f"  portal secret   demo-portal: {client.portal_secret('demo-portal')}",
        f"                  all portals: {config.data_dir}/portal-secrets.json",
        f"  outbox          {stack.outbox_path}   (SMS and staff messages)",
        f"  console         {config.api_url}/console   (local sign-in: development only, no password)",
        f"  profile         {profile}   (shared/policies/{profile}.yaml)",
        f"  operator JWT    {supervisor} (supervisor, 1 h), on the next line; others: complaints dev-token --agent ID",
        token,
        f"  CLI (in another terminal: . .venv/bin/activate{'; export ' + ports.strip() if ports else ''})",
        "                  complaints config",
        *([f"                  {ports}complaints submit examples/coverage.json",
           f"                  {ports}complaints --agent sup-sun list --queue network_optimisation"]
          if profile == "telecom"
          else [f"                  {ports}complaints --profile {profile} --agent {supervisor} list"]),
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


def demo(data_dir: Path | None, profile: str = "telecom") -> int:
    """The demo of the profile's desk, in a fresh temporary data directory unless one is given."""
    _quiet_shared_metrics()
    with tempfile.TemporaryDirectory(prefix="complaints-demo-") as scratch:
        config = StackConfig(tick_schedule=False, log_level="WARNING", start_local="09:00",
                             data_dir=data_dir or Path(scratch), profile=profile)
        with LocalStack(config) as stack:
            return 0 if (run_demo(stack) if profile == "telecom" else run_desk_demo(stack)) else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local", description="The embedded local stack.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "demo"],
                        help="run: serve until Ctrl-C, keeping everything in the data directory; "
                             "demo: the scripted lifecycle, in a temporary directory")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the desk's data lives (run: default $COMPLAINTS_DATA_DIR or .local)")
    parser.add_argument("--profile", default="telecom", choices=["telecom", "property", "hospital"],
                        help="whose desk it is (a telecom operator's, a property office's, a hospital's); "
                             "demo: whose stories it plays")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            run((args.data_dir or durable.default_data_dir()).resolve(), args.profile)
            return 0
        return demo(args.data_dir.resolve() if args.data_dir else None, args.profile)
    except PatchMismatch as exc:
        sys.exit(str(exc))
    except durable.DataDirInUse as exc:
        sys.exit(f"{exc}: stop that stack first, or give another --data-dir")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
