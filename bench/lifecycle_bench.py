"""What one complaint's lifecycle costs on AWS, metered on the local stack, and how fast the stack runs them.

Each path (happy, reopen, tracking, low score) is played by several complaints
one after another with the meter on: state transitions come from the
execution's history, Lambda invocations and their durations from the local
runtime, DynamoDB capacity units from each request's item sizes, HTTP API
requests and messages from the stack. Priced with bench/prices.yaml into
dollars per 1,000 complaints. Then complaints go from webhook to closed
concurrently, with the clock driven, for throughput.
Run: `make bench` (or `python -m bench.lifecycle_bench`).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bench import metering
from bench.metering import Meter
from infra.cli.client import DeskClient
from infra.local import durable, scenarios
from infra.local.stack import LocalStack, StackConfig

PRICES = Path(__file__).with_name("prices.yaml")
BUDGET = Path(__file__).with_name("budget.json")
RESOLUTION = scenarios.RESOLVED
CHECKER = "mgr-qian"  # passes the quality checks the policy asks for (a reopened complaint's report, say)
HOUR = 3600


@dataclass
class Lifecycle:
    path: str
    transitions: float
    invocations: float
    lambda_gb_seconds: float  # billed: each invocation's duration rounded up to 1 ms, at its MemorySize
    lambda_ms: float
    dynamodb_requests: float
    rru: float
    wru: float
    api_requests: float
    sms: float
    staff_messages: float  # e-mails (SES) on AWS
    sqs_requests: float = 0.0
    sms_parts: float = 0.0  # what the carrier bills: a long or non-Latin message is several parts
    other_requests: float = 0.0  # billed requests to the other services the functions call (none on these paths)

    def costs(self, prices: dict[str, float]) -> dict[str, float]:
        """Each service's share of this lifecycle's cost, $ (SMS apart: the carrier's price per destination)."""
        return {
            "Step Functions": self.transitions * prices["step_functions_per_transition"],
            "Lambda": (self.invocations * prices["lambda_per_request"]
                       + self.lambda_gb_seconds * prices["lambda_arm_per_gb_second"]),
            "DynamoDB": self.rru * prices["dynamodb_per_rru"] + self.wru * prices["dynamodb_per_wru"],
            "API Gateway": self.api_requests * prices["http_api_per_request"],
            "SQS": self.sqs_requests * prices["sqs_per_request"],
            "SES": self.staff_messages * prices["ses_per_email"],
        }

    def dollars(self, prices: dict[str, float]) -> float:
        """Infrastructure cost of this lifecycle (messages to phones are the carrier's: counted, priced apart)."""
        return sum(self.costs(prices).values())


def sms_parts(text: str) -> int:
    """The parts a text is sent in: 160 GSM characters (153 each when split), or 70 UCS-2 (67 each when split)."""
    latin = all(" " <= ch <= "~" or ch in "\n\r" for ch in text)
    single, each = (160, 153) if latin else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / each)


PRICE_SHEET: dict[str, Any] = yaml.safe_load(PRICES.read_text(encoding="utf-8"))
# The figure docs/performance.md estimated for the happy path before it was metered whole, by service.
PREVIOUS_ESTIMATE: dict[str, Any] = json.loads(Path(__file__).with_name("previous.json").read_text(
    encoding="utf-8"))["happy_estimate_per_1000"]


def load_prices() -> dict[str, float]:
    return {k: float(v) for k, v in PRICE_SHEET["prices"].items()}


def _body(n: int, tag: str) -> dict[str, Any]:
    return {"channel": "app", "external_id": f"BENCH-{tag}-{n}", "service": "mobile_voice",
            "customer": {"name": "基准测试", "phone": f"1370000{n:04d}"},
            "text": "小区里信号弱，经常掉话，已经持续两周了。",
            "location": {"area": f"bench-{tag}", "cell_id": f"CELL-{tag}-{n}"}}


class Paths:
    """The lifecycles measured, each played through the shared scenario steps; reports always checked pass."""

    def __init__(self, stack: LocalStack, client: DeskClient) -> None:
        self.stack, self.client = stack, client

    def _to_confirmation(self, cid: str) -> str:
        return scenarios.to_confirmation(self.client, cid, RESOLUTION, checked_by=CHECKER)

    def _fixed_and_rated(self, cid: str, owner: str, score: int, **ratings: str) -> None:
        # Other threads' complaints move the shared clock on (the throughput run): the callback is made by day,
        # as the desk refuses to call a customer in quiet hours.
        self.client.to_daytime()
        scenarios.close_and_rate(self.stack, self.client, cid, owner, score, **ratings)

    def happy(self, cid: str) -> None:
        self._fixed_and_rated(cid, self._to_confirmation(cid), 9)

    def reopen(self, cid: str) -> None:
        c = self.client
        owner = self._to_confirmation(cid)
        c.act(cid, "callbacks", owner, {"outcome": "not_fixed"})
        c.wait_for(cid, owner, awaiting="resolution")
        scenarios.resolve(c, cid, owner, RESOLUTION, checked_by=CHECKER)
        self._fixed_and_rated(cid, owner, 8)

    def tracking(self, cid: str) -> None:
        c = self.client
        owner = scenarios.accept(c, cid)
        expected = (c.now() + timedelta(days=40)).date().isoformat()
        c.act(cid, "resolve", owner, {"outcome": "deferred", "root_cause": "coverage_gap",
                                      "actions": "drive test: no usable signal", "plan": "new base station",
                                      "expected_by": expected})
        scenarios.pass_quality_check(c, cid, owner, CHECKER)
        c.wait_for(cid, owner, awaiting="tracking", status="tracking")
        c.act(cid, "follow-ups", owner, {"note": "site acquired; equipment ordered"})
        scenarios.resolve(c, cid, owner, {"outcome": "resolved", "root_cause": "coverage_gap",
                                          "actions": "new base station on air"}, checked_by=CHECKER)
        self._fixed_and_rated(cid, owner, 10)

    def low_score(self, cid: str) -> None:
        c = self.client
        self._fixed_and_rated(cid, self._to_confirmation(cid), 3, speed="unsatisfied")
        c.wait_for(cid, "mgr-qian", awaiting="review")
        c.act(cid, "review", "sup-sun", {"cause": "slow first reply", "action": "called the customer, apologised"})


def _transitions(client: DeskClient, cid: str) -> int:
    """State transitions as Step Functions bills them: each state entered, in every execution of the complaint
    (the first ends at the close or at a tracking ticket; a landed fix or a reopening review starts another)."""
    total = 0
    for run in client.executions(cid, "mgr-qian") or [{"name": cid}]:
        name = str(run["name"])
        for _ in range(200):
            if client.execution(name)["status"] != "RUNNING":
                break
            time.sleep(0.02)
        total += sum(1 for e in client.history(name) if e["type"].endswith("StateEntered"))
    return total


LATENCIES: dict[str, list[float]] = {}  # every measured invocation's duration, by function
# Every AWS request the functions made while metered, by path: "service Operation" → count.
REQUESTS: dict[str, Counter[str]] = {}
# Requests billed per request by services not priced above (Secrets Manager, KMS); Step Functions' task
# callbacks, SNS's and SES's sends and DynamoDB's are priced by what they bill instead.
BILLED_ELSEWHERE = {"secrets-manager", "kms", "ssm"}


def measure(stack: LocalStack, client: DeskClient, meter: Meter, path: str, play: Callable[[str], None],
            count: int) -> list[Lifecycle]:
    found = []
    for n in range(count):
        meter.reset()
        meter.on = True
        before = len(stack.outbox())
        cid = client.submit("demo-portal", _body(n, path))["complaint_id"]
        play(cid)
        client.ended(cid)  # its last step's work is the lifecycle's
        meter.on = False
        transitions = _transitions(client, cid)  # reading the complaint's executions is not the work
        sent = stack.outbox()[before:]
        messages = [m for m in sent if m["complaint_id"] == cid]
        # Staff digests gather lines of many complaints; those sent while one complaint is played are its share.
        digests = sum(1 for m in sent if m["template"] == "digest")
        for function, durations in meter.durations_ms.items():
            LATENCIES.setdefault(function, []).extend(durations)
        texts = [str(m.get("text", "")) for m in messages if m["channel"] == "sms"]
        REQUESTS.setdefault(path, Counter()).update(meter.aws_requests)
        found.append(Lifecycle(
            path=path, transitions=transitions, invocations=sum(meter.invocations.values()),
            lambda_gb_seconds=meter.lambda_gb_seconds, lambda_ms=sum(sum(ms) for ms in meter.durations_ms.values()),
            dynamodb_requests=sum(meter.dynamodb_requests.values()), rru=meter.rru, wru=meter.wru,
            api_requests=meter.api_requests, sms=len(texts), sms_parts=sum(sms_parts(t) for t in texts),
            staff_messages=sum(1 for m in messages if m["channel"] != "sms") + digests, sqs_requests=meter.sqs_requests,
            other_requests=sum(n for name, n in meter.aws_requests.items() if name.split()[0] in BILLED_ELSEWHERE)))
    return found


def throughput(stack: LocalStack, client: DeskClient, complaints: int, threads: int) -> float:
    """Complaints per second from webhook to closed (survey answered), several at once, the clock driven."""
    paths = Paths(stack, client)  # each path brings the clock out of quiet hours before its callback
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda n: paths.happy(client.submit("demo-portal", _body(n, "tput"))["complaint_id"]),
                      range(complaints)))
    return complaints / (time.perf_counter() - started)


def _mean(values: list[Lifecycle]) -> Lifecycle:
    fields = [f for f in Lifecycle.__dataclass_fields__ if f != "path"]
    return Lifecycle(path=values[0].path, **{f: statistics.fmean(getattr(v, f) for v in values) for f in fields})


def run(count: int, complaints: int, threads: int, enforce_iam: bool = True) -> dict[str, Any]:
    meter = metering.meter()
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8187, aws_port=4601,
                         data_dir=durable.emptied(Path(".local/bench-lifecycle")), start_local="09:00",
                         enforce_iam=enforce_iam,
                         # a sampled quality check is a path of its own; keep each path the same
                         policy_changes={"quality_check": {"sample_rate": 0.0}})
    prices = load_prices()
    with LocalStack(config) as stack:
        client = DeskClient(api_url=config.api_url, aws_url=config.aws_url, stack_name=config.stack_name,
                            dev_data_dir=config.data_dir, timeout=30, unmetered_reads=True)
        paths = Paths(stack, client)
        Paths.happy(paths, client.submit("demo-portal", _body(999, "warm"))["complaint_id"])  # warm containers
        results = {name: _mean(measure(stack, client, meter, name, getattr(paths, name), count))
                   for name in ("happy", "reopen", "tracking", "low_score")}
        per_second = throughput(stack, client, complaints, threads)
    latency = {f: {"calls": len(d), "median_ms": statistics.median(d), "p99_ms": _percentile(d, 0.99)}
               for f, d in sorted(LATENCIES.items())}
    requests = {path: {name: n / count for name, n in sorted(found.items())} for path, found in REQUESTS.items()
                if path in results}
    return {"lifecycles": results, "prices": prices, "requests": requests, "throughput": per_second, "threads": threads,
            "complaints": complaints, "latency": latency}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_table(outcome: dict[str, Any]) -> None:
    prices = outcome["prices"]
    header = (f"{'path':<10}{'transitions':>12}{'λ calls':>9}{'λ GB-s':>9}{'DDB reqs':>10}{'RRU':>7}{'WRU':>7}"
              f"{'API':>5}{'SQS':>5}{'SMS (parts)':>12}{'e-mail':>7}{'$ / 1,000':>11}")
    print(header)
    for name, row in outcome["lifecycles"].items():
        print(f"{name:<10}{row.transitions:>12.1f}{row.invocations:>9.1f}{row.lambda_gb_seconds:>9.3f}"
              f"{row.dynamodb_requests:>10.1f}{row.rru:>7.1f}{row.wru:>7.1f}{row.api_requests:>5.1f}"
              f"{row.sqs_requests:>5.1f}{f'{row.sms:.1f} ({row.sms_parts:.1f})':>12}{row.staff_messages:>7.1f}"
              f"{1000 * row.dollars(prices):>11.3f}")
    happy = outcome["lifecycles"]["happy"]
    print(f"happy path: {happy.transitions:.0f} state transitions (goal ≤ 10), "
          f"${1000 * happy.dollars(prices):.3f} per 1,000 complaints (goal ≤ $0.30), SMS priced apart")
    print_costs(outcome)


def print_costs(outcome: dict[str, Any]) -> None:
    """$ per 1,000 complaints by service and path, metered, beside the estimate docs/performance.md made."""
    prices, lifecycles = outcome["prices"], outcome["lifecycles"]
    estimate = PREVIOUS_ESTIMATE["services"]
    print(f"$ per 1,000 complaints by service, metered (prices: bench/prices.yaml, {PRICE_SHEET['region']}, "
          f"{PRICE_SHEET['date']})")
    print(f"{'service':<16}{'happy, estimated':>17}" + "".join(f"{name:>11}" for name in lifecycles))
    costs = {name: row.costs(prices) for name, row in lifecycles.items()}
    for service in costs["happy"]:
        was = estimate.get(service)
        print(f"{service:<16}{'—' if was is None else f'{was:.3f}':>17}"
              + "".join(f"{1000 * costs[name][service]:>11.3f}" for name in lifecycles))
    print(f"{'total':<16}{PREVIOUS_ESTIMATE['total']:>17.3f}"
          + "".join(f"{1000 * sum(costs[name].values()):>11.3f}" for name in lifecycles))
    print(f"{'SMS parts':<16}{'':>17}" + "".join(f"{1000 * row.sms_parts:>11,.0f}" for row in lifecycles.values())
          + "   (the carrier's price per part and destination, apart)")
    for path, found in outcome.get("requests", {}).items():
        print(f"  {path}: " + ", ".join(f"{name} {n:g}" for name, n in found.items()))
    print("warm handler latency on the local stack (each invocation of the lifecycles above)")
    print(f"{'function':<20}{'calls':>7}{'median ms':>11}{'p99 ms':>9}")
    for function, row in outcome["latency"].items():
        print(f"{function:<20}{row['calls']:>7}{row['median_ms']:>11.1f}{row['p99_ms']:>9.1f}")
    print(f"throughput: {outcome['throughput']:.2f} complaints/s webhook to closed "
          f"({outcome['complaints']} complaints, {outcome['threads']} client threads, clock driven)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3, help="complaints per path")
    parser.add_argument("--complaints", type=int, default=24, help="complaints for the throughput run")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--no-iam", action="store_true", help="without the local IAM check (to measure its cost)")
    args = parser.parse_args()
    outcome = run(args.count, args.complaints, args.threads, enforce_iam=not args.no_iam)
    print_table(outcome)
    if args.json:
        args.json.write_text(json.dumps({k: (v if k != "lifecycles" else {n: r.__dict__ for n, r in v.items()})
                                         for k, v in outcome.items()}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
