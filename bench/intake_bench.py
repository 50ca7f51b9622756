"""Intake throughput and latency on the local stack: signed deliveries beside an unsigned baseline.

The baseline is the same stack, the same HTTP path and the same handler with
the signature check replaced by a pass-through for the duration of its
rounds, so the ratio is the cost of verification (secret lookup, HMAC,
timestamp check). Rounds alternate between the two so machine noise falls on
both alike. Run: `make bench` (or `python -m bench.intake_bench --requests 300`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from complaints.intake import portals
from infra.cli.client import DeskClient
from infra.local.stack import LocalStack, StackConfig

PORTAL = "demo-portal"


def _body(n: int, tag: str) -> bytes:
    return json.dumps({
        "channel": "app", "external_id": f"BENCH-{tag}-{n:06d}", "service": "mobile_data",
        "customer": {"name": "测试用户", "phone": f"138{n:08d}"},
        "text": "手机上网很慢，经常上不了网，晚上尤其严重。",
        "location": {"area": f"bench-area-{n}"},  # distinct areas: no outage clustering in an intake benchmark
    }, ensure_ascii=False).encode()


class Intake:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                                 stack_name=stack.config.stack_name,
                                 dev_data_dir=stack.config.data_dir)
        self.session = requests.Session()
        self.module: Any = portals
        self.verify = portals.verify_delivery

    def unsigned(self, enabled: bool) -> None:
        """Swap the signature check for a pass-through (baseline rounds only)."""
        if not enabled:
            self.module.verify_delivery = self.verify
            return
        def passthrough(policy: Any, portal_id: str, headers: Any, raw: bytes, **_: Any) -> Any:
            from complaints.intake.portals import Delivery

            found = policy.portal(portal_id)
            return Delivery(found, {k.lower(): v for k, v in headers.items()}["webhook-id"])

        self.module.verify_delivery = passthrough

    def send(self, n: int, tag: str, signed: bool) -> float:
        body = _body(n, tag)
        path = f"{self.stack.config.api_url}/v1/portals/{PORTAL}/complaints"
        if signed:
            started = time.perf_counter()
            response = self.client.signed(PORTAL, "POST", f"/v1/portals/{PORTAL}/complaints", body)
        else:
            headers = {"webhook-id": f"msg_{tag}_{n}", "content-type": "application/json"}
            started = time.perf_counter()
            response = self.session.post(path, data=body, headers=headers, timeout=30)
        elapsed = time.perf_counter() - started
        if response.status_code != 202:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        return elapsed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(requests_per_variant: int, rounds: int, threads: int) -> dict[str, dict[str, float]]:
    config = StackConfig(tick_schedule=False, log_level="ERROR",
                         api_port=8181, aws_port=4599, data_dir=Path(".local/bench"))
    results: dict[str, dict[str, list[float]]] = {v: {"latency": [], "wall": [], "count": []}
                                                   for v in ("signed", "unsigned")}
    with LocalStack(config) as stack:
        intake = Intake(stack)
        for n in range(20):  # warm caches, imports and the secret cache
            intake.send(n, "warm", signed=True)
        per_round = max(1, requests_per_variant // rounds)
        counter = 0
        for r in range(rounds):
            for variant in (("signed", "unsigned") if r % 2 == 0 else ("unsigned", "signed")):
                intake.unsigned(variant == "unsigned")
                numbers = range(counter, counter + per_round)
                counter += per_round
                started = time.perf_counter()
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    latencies = list(pool.map(lambda n, v=variant: intake.send(n, v, v == "signed"), numbers))
                results[variant]["wall"].append(time.perf_counter() - started)
                results[variant]["count"].append(len(latencies))
                results[variant]["latency"].extend(latencies)
        intake.unsigned(False)
    summary = {}
    for variant, data in results.items():
        summary[variant] = {
            "requests": sum(data["count"]),
            "per_second": sum(data["count"]) / sum(data["wall"]),
            "p50_ms": statistics.median(data["latency"]) * 1000,
            "p95_ms": _percentile(data["latency"], 0.95) * 1000,
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="deliveries per variant")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    summary = run(args.requests, args.rounds, args.threads)
    print(f"intake on the local stack: {args.threads} client threads, {args.rounds} alternating rounds")
    print(f"{'variant':<10}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    for variant, row in summary.items():
        print(f"{variant:<10}{row['requests']:>10}{row['per_second']:>10.1f}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}")
    signed, unsigned = summary["signed"], summary["unsigned"]
    ratios = {key: signed[key] / unsigned[key] for key in ("per_second", "p50_ms", "p95_ms")}
    print(f"signed/unsigned: throughput {ratios['per_second']:.2f}x, p50 latency {ratios['p50_ms']:.2f}x, "
          f"p95 latency {ratios['p95_ms']:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "ratios": ratios}))


if __name__ == "__main__":
    main()
