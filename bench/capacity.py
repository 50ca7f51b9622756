"""The capacity model: 10,000, 100,000 and 1,000,000 complaints a day, from the measured per-complaint figures.

Reads the last `make bench` figures (.local/bench-results/lifecycle.json and
sweep.json) and prints the tables of docs/capacity.md: the load on each AWS
quota that could bind, and the monthly cost. `python -m bench.capacity`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.lifecycle_bench import Lifecycle, load_prices
from complaints.adapters.dynamodb.keys import REPORT_SHARDS

RESULTS = Path(".local/bench-results")
VOLUMES = (10_000, 100_000, 1_000_000)
MIX = {"happy": 0.80, "reopen": 0.10, "tracking": 0.05, "low_score": 0.05}  # share of complaints by path
PEAK = 5.0  # busiest hour against the day's average (complaints follow outages and office hours)
OPEN_DAYS = 12.0  # mean days an execution stays open: resolution, confirmation, survey wait (tracking longer)
TRACKING_DAYS = 120.0
ITEM_KB = 12.0  # a closed complaint: aggregate, timeline events, customer and area index copies
# Default quotas (us-east-1 where regions differ); each can be raised on request except where noted.
QUOTAS = {
    "StartExecution (per s, refill)": 300,
    "State transitions (per s, refill)": 5000,
    "Open Standard executions": 1_000_000,
    "SendTaskSuccess (per s, refill)": 500,
    "Lambda concurrency": 1000,
    "DynamoDB partition write units (per s)": 1000,  # the hottest key: a day's counter shard
    "HTTP API requests (per s)": 10_000,
    "SNS SMS (per s)": 20,
}


def mixed(lifecycles: dict[str, Lifecycle]) -> Lifecycle:
    fields = [f for f in Lifecycle.__dataclass_fields__ if f != "path"]
    return Lifecycle(path="mix", **{f: sum(MIX[p] * getattr(lifecycles[p], f) for p in MIX) for f in fields})


def model(lifecycles: dict[str, Lifecycle], prices: dict[str, float], latency: dict[str, Any],
          sweep: dict[str, Any]) -> dict[str, Any]:
    mix = mixed(lifecycles)
    open_days = OPEN_DAYS * (1 - MIX["tracking"]) + TRACKING_DAYS * MIX["tracking"]
    mean_ms = (sum(r["median_ms"] * r["calls"] for r in latency.values()) / sum(r["calls"] for r in latency.values()))
    sweep_ms_per_due = sweep["median_ms"][str(sweep["sizes"][1])] / 100
    rows = {}
    for per_day in VOLUMES:
        per_s = per_day / 86400
        peak = per_s * PEAK
        # The day's report counters take a write from most changes of a complaint (received,
        # classified, each promise's end, close, survey): about one per workflow step.
        counter_writes = mix.transitions * peak
        rows[per_day] = {
            "StartExecution (per s, refill)": peak,
            "State transitions (per s, refill)": mix.transitions * peak,
            "Open Standard executions": per_day * open_days,
            "SendTaskSuccess (per s, refill)": mix.api_requests * 0.5 * peak,  # about half the API calls decide
            "Lambda concurrency": mix.invocations * peak * mean_ms / 1000,
            # The day's counters: one of REPORT_SHARDS items per complaint, written transactionally.
            "DynamoDB partition write units (per s)": counter_writes * 2 / REPORT_SHARDS,
            "HTTP API requests (per s)": mix.api_requests * peak,
            "SNS SMS (per s)": mix.sms * peak,
            "sweep seconds per minute": per_day * 6 / 1440 * sweep_ms_per_due / 1000,  # ~6 timers per complaint
            "monthly $ (per complaint)": per_day * 30 * mix.dollars(prices),
            "monthly $ (storage added)": per_day * 30 * ITEM_KB / 1024 / 1024 * prices["dynamodb_per_gb_month"],
        }
    return {"mix": mix, "rows": rows, "open_days": open_days, "mean_ms": mean_ms}


def print_tables(outcome: dict[str, Any], prices: dict[str, float]) -> None:
    mix: Lifecycle = outcome["mix"]
    print(f"mixed complaint ({', '.join(f'{p} {s:.0%}' for p, s in MIX.items())}): {mix.transitions:.1f} transitions, "
          f"{mix.invocations:.1f} invocations, {mix.dynamodb_requests:.0f} DynamoDB requests, {mix.wru:.0f} WRU, "
          f"{mix.rru:.0f} RRU, {mix.api_requests:.1f} API requests, {mix.sms:.1f} SMS; "
          f"${1000 * mix.dollars(prices):.3f} per 1,000")
    print()
    volumes = " | ".join(f"{v:,}/day" for v in VOLUMES)
    print(f"| at the busiest hour (×{PEAK:.0f} the day's mean) | quota | {volumes} |")
    print("|---|---:|" + "---:|" * len(VOLUMES))
    for name, quota in QUOTAS.items():
        cells = []
        for per_day in VOLUMES:
            load = outcome["rows"][per_day][name]
            mark = " **over**" if load > quota else (" near" if load > 0.5 * quota else "")
            cells.append(f"{load:,.0f}{mark}")
        print(f"| {name} | {quota:,} | " + " | ".join(cells) + " |")
    cells = [f"{outcome['rows'][v]['sweep seconds per minute']:.1f} s" for v in VOLUMES]
    print("| reminders sweep, seconds of work each minute | 60 | " + " | ".join(cells) + " |")
    print()
    print("| monthly cost | " + " | ".join(f"{v:,}/day" for v in VOLUMES) + " |")
    print("|---|" + "---:|" * len(VOLUMES))
    for name in ("monthly $ (per complaint)", "monthly $ (storage added)"):
        print(f"| {name} | " + " | ".join(f"${outcome['rows'][v][name]:,.0f}" for v in VOLUMES) + " |")


def main() -> None:
    life = json.loads((RESULTS / "lifecycle.json").read_text())
    sweep = json.loads((RESULTS / "sweep.json").read_text())
    prices = load_prices()
    lifecycles = {name: Lifecycle(**data) for name, data in life["lifecycles"].items()}
    print_tables(model(lifecycles, prices, life["latency"], sweep), prices)


if __name__ == "__main__":
    main()
