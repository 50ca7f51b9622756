"""The capacity model: 10,000, 100,000 and 1,000,000 complaints a day, from the measured per-complaint figures.

Reads the last `make bench` figures (.local/bench-results/lifecycle.json and
sweep.json) and prints the tables of docs/capacity.md: the load on each AWS
quota that could bind, and the monthly cost. `python -m bench.capacity`.
"""

from __future__ import annotations

import bisect
import json
import random
import statistics
from pathlib import Path
from typing import Any

from bench.lifecycle_bench import Lifecycle, load_prices
from complaints.adapters.dynamodb.keys import REPORT_SHARDS

RESULTS = Path(".local/bench-results")
VOLUMES = (10_000, 100_000, 1_000_000)
MIX = {"happy": 0.80, "reopen": 0.10, "tracking": 0.05, "low_score": 0.05}  # share of complaints by path
PEAK = 5.0  # busiest hour against the day's average (complaints follow outages and office hours)
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


# The simulated month: how long each part of a complaint's life takes, in days (uniform between the bounds),
# drawn per complaint. The handling fits the policies' promises (acceptance within a day, a solution within 7
# working days, the confirmation callbacks over up to 2 days); the rest is the customer's and the desk's time.
ACCEPT = (0.02, 1.0)
RESOLVE = (0.3, 7.0)
CONFIRM = (0.05, 2.0)
SURVEY = (0.1, 3.1)  # sent 2 hours after the close, 3 days to answer (unanswered ones run the whole 3 days)
REVIEW = (0.2, 3.0)  # a low score's recovery: 2 working days promised
TRACKING = (20.0, 180.0)  # a tracking ticket's planned fix
REVIEW_REOPENS = 0.3  # of the low scores' reviews
APPEALS = 0.01  # of closed complaints, some days after the close
APPEAL_AFTER = (1.0, 15.0)
WARM_DAYS, MONTH_DAYS = 200, 30  # arrivals from day 0; the month measured is the last, in steady state


def _span(rng: random.Random, bounds: tuple[float, float]) -> float:
    return rng.uniform(*bounds)


def _lives(rng: random.Random, start: float, path: str) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(start, end) of each execution of one complaint: as the executions ended at the survey's end before,
    and as they end at the close (or at a tracking ticket) now."""
    handled = start + _span(rng, ACCEPT) + _span(rng, RESOLVE)
    if path == "reopen":  # not fixed at the first callback: handled again in the same execution
        handled += _span(rng, CONFIRM) + _span(rng, RESOLVE)
    if path == "tracking":  # the ticket holds until the planned fix lands, then the confirmation
        landed = handled + _span(rng, TRACKING)
        closed = landed + _span(rng, CONFIRM)
        now = [(start, handled), (landed, closed)]
    else:
        closed = handled + _span(rng, CONFIRM)
        now = [(start, closed)]
    surveyed = closed + _span(rng, SURVEY)
    before = [(start, surveyed)]
    if path == "low_score":
        reviewed = surveyed + _span(rng, REVIEW)
        before = [(start, reviewed)]
        if rng.random() < REVIEW_REOPENS:  # reopened: handled again, then closed (no second survey)
            again = reviewed + _span(rng, RESOLVE) + _span(rng, CONFIRM)
            before, now = [(start, again)], [*now, (reviewed, again)]
    if rng.random() < APPEALS:  # a second handling: an execution of its own in both designs
        appealed = closed + _span(rng, APPEAL_AFTER)
        second = (appealed, appealed + _span(rng, ACCEPT) + _span(rng, RESOLVE) + _span(rng, CONFIRM))
        before, now = [*before, second], [*now, second]
    return before, now


def simulate_month(per_day: int = 1000, seed: int = 24) -> dict[str, dict[str, float]]:
    """Open Standard executions per `per_day` complaints a day, sampled hourly over a month in steady state.

    Complaints arrive through each day (weighted to office hours, as PEAK assumes), take a path by MIX and
    the spans above; both designs see the same complaints.
    """
    rng = random.Random(seed)
    hours = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 10, 8, 7, 9, 10, 10, 9, 8, 7, 6, 5, 4, 2, 1]
    spans: dict[str, tuple[list[float], list[float]]] = {"before": ([], []), "now": ([], [])}
    paths, shares = list(MIX), list(MIX.values())
    for day in range(WARM_DAYS + MONTH_DAYS):
        for _ in range(per_day):
            start = day + (rng.choices(range(24), hours)[0] + rng.random()) / 24
            before, now = _lives(rng, start, rng.choices(paths, shares)[0])
            for design, lives in (("before", before), ("now", now)):
                spans[design][0].extend(s for s, _ in lives)
                spans[design][1].extend(e for _, e in lives)
    found = {}
    for design, (starts, ends) in spans.items():
        starts.sort()
        ends.sort()
        samples = [WARM_DAYS + h / 24 for h in range(MONTH_DAYS * 24)]
        open_ = [bisect.bisect_right(starts, t) - bisect.bisect_right(ends, t) for t in samples]
        found[design] = {"mean": statistics.mean(open_), "peak": max(open_),
                         "executions_per_complaint": len(starts) / ((WARM_DAYS + MONTH_DAYS) * per_day)}
    return found


def mixed(lifecycles: dict[str, Lifecycle]) -> Lifecycle:
    fields = [f for f in Lifecycle.__dataclass_fields__ if f != "path"]
    return Lifecycle(path="mix", **{f: sum(MIX[p] * getattr(lifecycles[p], f) for p in MIX) for f in fields})


def model(lifecycles: dict[str, Lifecycle], prices: dict[str, float], latency: dict[str, Any],
          sweep: dict[str, Any], month: dict[str, dict[str, float]]) -> dict[str, Any]:
    mix = mixed(lifecycles)
    open_per_complaint_a_day = month["now"]["peak"] / 1000  # open executions per complaint a day
    mean_ms = (sum(r["median_ms"] * r["calls"] for r in latency.values()) / sum(r["calls"] for r in latency.values()))
    largest = max(sweep["due"], key=int) if sweep.get("due") else None
    if largest is not None:  # the largest due set measured, swept by its shard groups side by side
        sweep_ms_per_due = max(sweep["due"][largest]["groups_s"]) * 1000 / int(largest)
    else:
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
            "Open Standard executions": per_day * open_per_complaint_a_day,
            "SendTaskSuccess (per s, refill)": mix.api_requests * 0.5 * peak,  # about half the API calls decide
            "Lambda concurrency": mix.invocations * peak * mean_ms / 1000,
            # The day's counters: one of REPORT_SHARDS items per complaint, written transactionally.
            "DynamoDB partition write units (per s)": counter_writes * 2 / REPORT_SHARDS,
            "HTTP API requests (per s)": mix.api_requests * peak,
            "SNS SMS (per s)": mix.sms * peak,
            # ~6 timers fall due per complaint; the shard groups' sweeps share them, so the minute holds the
            # longest group's (measured: the longest group's time per item of the whole due set).
            "sweep seconds per minute": per_day * 6 / 1440 * sweep_ms_per_due / 1000,
            "monthly $ (per complaint)": per_day * 30 * mix.dollars(prices),
            "monthly $ (storage added)": per_day * 30 * ITEM_KB / 1024 / 1024 * prices["dynamodb_per_gb_month"],
        }
    # Where each quota is reached: the daily volume whose busiest hour (or open count) meets it.
    reached = {name: quota * 1_000_000 / rows[1_000_000][name] for name, quota in QUOTAS.items()
               if rows[1_000_000][name] > 0}
    reached["reminders sweep"] = 60 * 1_000_000 / rows[1_000_000]["sweep seconds per minute"]
    return {"mix": mix, "rows": rows, "month": month, "mean_ms": mean_ms, "reached": reached}


def print_month(month: dict[str, dict[str, float]]) -> None:
    print(f"open Standard executions per 1,000 complaints a day, a simulated month in steady state "
          f"({WARM_DAYS} days' arrivals before it):")
    print(f"{'design':<44}{'mean':>8}{'peak':>8}{'executions per complaint':>27}")
    for design, label in (("before", "open through the survey, review and tickets"),
                          ("now", "ended at the close and at a ticket")):
        found = month[design]
        print(f"{label:<44}{found['mean']:>8,.0f}{found['peak']:>8,.0f}{found['executions_per_complaint']:>27.3f}")
    print()


def print_tables(outcome: dict[str, Any], prices: dict[str, float]) -> None:
    mix: Lifecycle = outcome["mix"]
    print_month(outcome["month"])
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
    print("| quota | reached at (complaints a day) |")
    print("|---|---:|")
    for name, volume in sorted(outcome["reached"].items(), key=lambda kv: kv[1]):
        print(f"| {name} | {volume:,.0f} |")
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
    print_tables(model(lifecycles, prices, life["latency"], sweep, simulate_month()), prices)


if __name__ == "__main__":
    main()
