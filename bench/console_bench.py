"""What each console view costs: DynamoDB requests and read units per view, and how fast it answers.

A department's open work is built on the local stack (coverage complaints
received over several days, some customers calling more than once), then
each view is asked for several times by the people who use it, with the
meter on: DynamoDB requests and read units from the console function's own
calls, its handler time from the local runtime, and the round trip as the
browser sees it. Run at two sizes, the figures show which views grow with
the department's open work (the queue and the board read it; the API's
list beside them is the same read without a page drawn) and which do not
(a complaint, reports and trends read fixed items; search reads one
customer's partition of the customer index).
Run: `python -m bench.console_bench [--complaints 40] [--rounds 10]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from bench import metering
from infra.cli.client import DeskClient
from infra.local import durable, scenarios
from infra.local.stack import LocalStack, StackConfig

SUPERVISOR = "sup-sun"  # network optimisation's supervisor: the coverage complaints' department
COVERAGE = "小区里信号弱，经常掉话，已经持续两周了。"
ZONE = ZoneInfo("Asia/Shanghai")  # the telecom profile's: the desk's days
CALLERS = 5  # each of the first few customers calls back about their complaint


@dataclass
class ViewCost:
    view: str
    agent: str
    dynamodb_requests: float
    rru: float
    handler_ms: float
    round_trip_ms: float
    bytes: int


def _body(n: int) -> dict[str, Any]:
    return {"channel": "hotline", "external_id": f"CB-{n:05d}", "service": "mobile_voice",
            "customer": {"name": "基准", "phone": f"1390013{n % max(1, CALLERS * 4):04d}"}, "text": COVERAGE,
            "location": {"area": "bench-area", "cell_id": f"CELL-CB{n}"}}


def _fill(client: DeskClient, complaints: int, days: int) -> tuple[str, str]:
    """Open complaints of one department received over the days; an owned one's id and its owner."""
    ids = []
    for n in range(complaints):
        ids.append(client.submit("demo-portal", _body(n))["complaint_id"])
        if days > 1 and n % max(1, complaints // days) == 0 and n:
            client.advance_clock(86400)
    owned = []
    for cid in ids:  # past the agents' capacity a complaint waits for a supervisor: the board's unassigned
        found = client.wait_for(cid, scenarios.MANAGER, awaiting=("acceptance", "assignment"))
        if found.get("owner_id"):
            owned.append((cid, str(found["owner_id"])))
    return owned[-1]


def _views(cid: str, owner: str, today: date) -> list[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(name, agent, method, path, JSON body) of each view, as the console asks for it."""
    return [
        ("queue (own)", owner, "GET", "/console/views/queue?lang=zh-CN", None),
        ("queue (department)", SUPERVISOR, "GET", "/console/views/queue?scope=network_optimisation&lang=zh-CN",
         None),
        ("API list (department)", SUPERVISOR, "GET", "/v1/complaints?queue=network_optimisation&limit=100", None),
        ("complaint", SUPERVISOR, "GET", f"/console/views/complaints/{cid}?lang=zh-CN", None),
        ("board", SUPERVISOR, "GET", "/console/views/board?lang=zh-CN", None),
        ("reports (30 days)", SUPERVISOR, "GET", "/console/views/reports?lang=zh-CN", None),
        ("trends JSON (30 days)", SUPERVISOR, "GET",
         f"/v1/reports/trends?from={today - timedelta(days=29)}&to={today}", None),
        ("search by id", SUPERVISOR, "POST", "/console/views/search?lang=zh-CN", {"q": cid}),
        ("search by phone", SUPERVISOR, "POST", "/console/views/search?lang=zh-CN", {"q": "139 0013 0001"}),
    ]


def measure(stack: LocalStack, client: DeskClient, meter: metering.Meter, cid: str, owner: str,
            rounds: int) -> list[ViewCost]:
    costs = []
    session = requests.Session()
    today = client.now().astimezone(ZONE).date()
    for name, agent, method, path, body in _views(cid, owner, today):
        headers = {"Authorization": f"Bearer {client.dev_token(agent)}", "Accept-Language": "zh-CN"}
        url = f"{stack.config.api_url}{path}"
        session.request(method, url, headers=headers, json=body, timeout=60).raise_for_status()  # warm
        trips, size = [], 0
        meter.reset()
        meter.on = True
        for _ in range(rounds):
            started = time.perf_counter()
            answer = session.request(method, url, headers=headers, json=body, timeout=60)
            trips.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            size = len(answer.content)
        meter.on = False
        handler = [ms for durations in meter.durations_ms.values() for ms in durations]
        costs.append(ViewCost(view=name, agent=agent, dynamodb_requests=sum(meter.dynamodb_requests.values()) / rounds,
                              rru=meter.rru / rounds, handler_ms=statistics.median(handler),
                              round_trip_ms=statistics.median(trips), bytes=size))
    return costs


def run(complaints: int, days: int, rounds: int) -> dict[str, Any]:
    meter = metering.meter()
    config = StackConfig(tick_schedule=False, log_level="ERROR", api_port=8189, aws_port=4603,
                         data_dir=durable.emptied(Path(".local/bench-console")), start_local="09:00",
                         policy_changes={"quality_check": {"sample_rate": 0.0}})
    with LocalStack(config) as stack:
        client = DeskClient(api_url=config.api_url, aws_url=config.aws_url, stack_name=config.stack_name,
                            dev_data_dir=config.data_dir, timeout=60, unmetered_reads=True)
        cid, owner = _fill(client, complaints, days)
        costs = measure(stack, client, meter, cid, owner, rounds)
    return {"complaints": complaints, "days": days, "rounds": rounds, "views": [asdict(c) for c in costs]}


def print_table(outcome: dict[str, Any]) -> None:
    print(f"console views over {outcome['complaints']} open complaints of one department received over "
          f"{outcome['days']} days; per view, {outcome['rounds']} requests each (medians of the times)")
    print(f"{'view':<24}{'agent':<9}{'DDB reqs':>9}{'RRU':>7}{'handler ms':>12}{'round trip ms':>15}{'KB':>7}")
    for row in outcome["views"]:
        print(f"{row['view']:<24}{row['agent']:<9}{row['dynamodb_requests']:>9.1f}{row['rru']:>7.1f}"
              f"{row['handler_ms']:>12.1f}{row['round_trip_ms']:>15.1f}{row['bytes'] / 1024:>7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=40, help="open complaints of the department")
    parser.add_argument("--days", type=int, default=5, help="days the complaints are received over")
    parser.add_argument("--rounds", type=int, default=10, help="requests per view")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    outcome = run(args.complaints, args.days, args.rounds)
    print_table(outcome)
    if args.json:
        args.json.write_text(json.dumps(outcome, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
