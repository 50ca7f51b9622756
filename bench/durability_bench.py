"""What keeping everything on disk costs: the local stack with its data directory durable, and without.

Each round starts a stack on a fresh temporary directory, durable (journal,
fsync before each answer) or not (memory only), alternating so both see the
same machine: signed deliveries from 4 client threads through classification
and assignment (complaints per second), then whole happy paths one after
another (webhook to closed and surveyed, seconds each). The ratios divide the
durable figures by the in-memory ones, speed over speed; the goal is ≥ 0.8.

Run: `python -m bench.durability_bench --rounds 2 --requests 60 --happy 3`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.intake_bench import round_of
from bench.stress import make_room
from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack, StackConfig

COMPLAINT = json.loads((Path(__file__).resolve().parents[1] / "examples" / "coverage.json").read_text())


def _happy_path(stack: LocalStack, client: DeskClient, n: int, tag: str) -> float:
    """Seconds from the webhook to the survey's answer, for one complaint."""
    started = time.perf_counter()
    body = dict(COMPLAINT, external_id=f"HAPPY-{tag}-{n}")
    complaint_id = client.submit("demo-portal", body)["complaint_id"]
    owner = scenarios.to_confirmation(client, complaint_id, daytime=True)
    scenarios.confirm_fixed(client, complaint_id, owner)
    scenarios.answer_survey(stack, client, complaint_id, 9)
    client.ended(complaint_id, timeout=120.0)
    return time.perf_counter() - started


def one_round(durable: bool, requests: int, happy: int, tag: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="durability-bench-") as scratch:
        config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8183, aws_port=4597,
                             data_dir=Path(scratch), start_local="09:00", durable=durable,
                             policy_changes={"quality_check": {"sample_rate": 0.0}})
        with LocalStack(config) as stack:
            client = DeskClient(api_url=config.api_url, aws_url=config.aws_url, stack_name=config.stack_name,
                                dev_data_dir=config.data_dir)
            make_room(stack, client, requests + happy + 8)  # every complaint gets an owner at once
            round_of(stack, client, 8, 4, f"warm-{tag}")
            intake = round_of(stack, client, requests, 4, f"in-{tag}")
            paths = [_happy_path(stack, client, n, tag) for n in range(happy)]
            syncs = stack.store.journal.syncs if stack.store else 0
            appends = stack.store.journal.appends if stack.store else 0
            size = stack.store.journal.written if stack.store else 0
    return {"durable": durable, "through_per_second": intake["through_per_second"],
            "p50_ms": intake["p50_ms"], "happy_seconds": statistics.median(paths),
            "journal_records": appends, "fsyncs": syncs, "journal_bytes": size}


def run(rounds: int, requests: int, happy: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for n in range(rounds):
        for durable in ((True, False) if n % 2 == 0 else (False, True)):
            results.append(one_round(durable, requests, happy, f"{n}{'d' if durable else 'm'}"))
            row = results[-1]
            print(f"round {n + 1} {'durable ' if durable else 'in memory'}: {row['through_per_second']:.2f}/s "
                  f"through assignment, p50 {row['p50_ms']:.0f} ms, happy path {row['happy_seconds']:.1f} s, "
                  f"{row['journal_records']} records / {row['fsyncs']} fsyncs", flush=True)

    def median(durable: bool, key: str) -> float:
        return statistics.median(r[key] for r in results if r["durable"] is durable)

    return {"rounds": results,
            "intake_ratio": median(True, "through_per_second") / median(False, "through_per_second"),
            "happy_ratio": median(False, "happy_seconds") / median(True, "happy_seconds")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each mode, alternating")
    parser.add_argument("--requests", type=int, default=60, help="deliveries per intake round")
    parser.add_argument("--happy", type=int, default=3, help="happy paths per round")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.rounds, args.requests, args.happy)
    print(f"durable ÷ in memory, speed over speed (goal ≥ 0.8): intake through assignment "
          f"{result['intake_ratio']:.2f}, happy path {result['happy_ratio']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
