"""`make bench`: every benchmark, each in its own process, then one table of the headline figures.

Each part prints its own section as it runs and leaves its figures in
.local/bench-results/; the last table puts them side by side with their goals.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.capacity import simulate_month
from bench.lifecycle_bench import Lifecycle, load_prices
from bench.stack_overhead import BEFORE as OVERHEAD_BEFORE
from bench.stack_overhead import ROWS as OVERHEAD_ROWS

RESULTS = Path(".local/bench-results")
# The previous figures (docs/performance.md's last run, before executions ended at the close), printed beside
# the new ones.
PREVIOUS: dict[str, Any] = json.loads((Path(__file__).with_name("previous.json")).read_text(encoding="utf-8"))
PARTS = [
    ("classification", ["bench.classify_bench"], False),
    ("intake", ["bench.intake_bench", "--requests", "100"], True),
    ("stress", ["bench.stress", "--deliveries", "500"], True),
    ("sweep", ["bench.sweep_bench"], True),
    ("durability", ["bench.durability_bench", "--rounds", "2", "--requests", "40", "--happy", "2"], True),
    ("coldstart", ["bench.coldstart_bench", "--rounds", "3"], True),
    ("lifecycle", ["bench.lifecycle_bench", "--count", "2", "--complaints", "12"], True),
    ("overhead", ["bench.stack_overhead", "--requests", "40", "--complaints", "8"], True),
    ("console", ["bench.console_bench", "--complaints", "40", "--rounds", "5"], True),
    ("push", ["bench.push_bench"], True),
]


def _run(name: str, argv: list[str], writes_json: bool) -> dict[str, Any] | None:
    print(f"\n=== {name} ===", flush=True)
    target = RESULTS / f"{name}.json"
    command = [sys.executable, "-W", "ignore", "-m", *argv] + (["--json", str(target)] if writes_json else [])
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    return json.loads(target.read_text()) if writes_json else None


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    found = {name: _run(name, argv, writes) for name, argv, writes in PARTS}
    prices = load_prices()
    life: dict[str, Any] = found["lifecycle"] or {}
    happy = Lifecycle(**life["lifecycles"]["happy"])
    rows: list[tuple[str, str, str]] = []
    before = PREVIOUS["lifecycles"]
    for path, data in life["lifecycles"].items():
        lifecycle = Lifecycle(**data)
        old = before.get(path, {})
        rows.append((f"{path}: state transitions (was {old.get('transitions', 0):.0f})",
                     f"{lifecycle.transitions:.0f}", "≤ 10"))
        rows.append((f"{path}: write units (was {old.get('wru', 0):.0f})", f"{lifecycle.wru:.0f}", ""))
        rows.append((f"{path}: $ per 1,000 complaints (SMS apart; was {old.get('dollars_per_1000', 0):.3f})",
                     f"{1000 * lifecycle.dollars(prices):.3f}", "≤ 0.30" if path == "happy" else ""))
    estimate = PREVIOUS["happy_estimate_per_1000"]
    for service, dollars in happy.costs(prices).items():
        was = estimate["services"].get(service)
        rows.append((f"happy: {service} $ per 1,000 (estimated {'—' if was is None else f'{was:.3f}'})",
                     f"{1000 * dollars:.3f}", ""))
    rows.append((f"happy: $ per 1,000, metered (estimated {estimate['total']:.2f})",
                 f"{1000 * happy.dollars(prices):.3f}", "≤ 0.30"))
    rows.append(("happy: SMS and their parts per complaint (the carrier's price, apart)",
                 f"{happy.sms:.1f} / {happy.sms_parts:.1f}", ""))
    rows.append(("happy: DynamoDB requests / RRU / WRU",
                 f"{happy.dynamodb_requests:.0f} / {happy.rru:.1f} / {happy.wru:.0f}", "budget: bench/budget.json"))
    cold: dict[str, Any] = found["coldstart"] or {}
    worst = max(cold["functions"].items(), key=lambda kv: kv[1]["ratio"])
    best = min(cold["functions"].items(), key=lambda kv: kv[1]["ratio"])
    rows.append(("cold import ÷ boto3 (best / worst)",
                 f"{best[1]['ratio']:.2f} {best[0]} / {worst[1]['ratio']:.2f} {worst[0]}", "≤ 1.5"))
    first = max(cold["functions"].items(), key=lambda kv: kv[1]["first_ratio"])
    rows.append(("cold import and first invocation ÷ boto3 (worst)", f"{first[1]['first_ratio']:.2f} {first[0]}",
                 ""))
    traced = max(row["traced_ratio"] for row in cold["functions"].values())
    rows.append(("cold import ÷ boto3, SdkTracing=on (worst)", f"{traced:.2f}", ""))
    for name, row in cold["functions"].items():
        was = PREVIOUS["coldstart_untraced"].get(name)
        rows.append((f"cold import ÷ boto3: {name} (was {was:.2f})" if was else f"cold import ÷ boto3: {name} (new)",
                     f"{row['ratio']:.2f}", "≤ 1.5"))
    latency = life["latency"]
    for function in ("IntakeFunction", "OperatorFunction", "ClassifyFunction", "ParkFunction"):
        if function in latency:
            rows.append((f"{function} warm median / p99 ms",
                         f"{latency[function]['median_ms']:.0f} / {latency[function]['p99_ms']:.0f}", ""))
    rows.append(("end to end, webhook to closed", f"{life['throughput']:.2f} complaints/s", ""))
    overhead: dict[str, Any] = found["overhead"] or {}
    for label, key, fmt, goal in OVERHEAD_ROWS:
        before = " / ".join(fmt.format(OVERHEAD_BEFORE[c][key]) if OVERHEAD_BEFORE[c].get(key) else "—"
                            for c in OVERHEAD_BEFORE)
        rows.append((f"{label} (before, performance.md / earlier code: {before})",
                     fmt.format(overhead["figures"][key]), goal))
    intake: dict[str, Any] = found["intake"] or {}
    for mode, row in intake["rounds"].items():
        rows.append((f"signed deliveries through assignment, {mode}", f"{row['through_per_second']:.1f}/s",
                     f"peer {intake['peer'][mode]:.0f}/s"))
        rows.append((f"server CPU per complaint, {mode}", f"{row['cpu_ms_per_complaint']:.0f} ms",
                     f"peer {intake['peer']['cpu_ms']:.0f} ms"))
    rows.append(("verifying a signature ÷ parsing the body",
                 f"{intake['verification']['verify_us'] / intake['verification']['parse_us']:.1f}", ""))
    stress: dict[str, Any] = found["stress"] or {}
    rows.append((f"stress: {stress['deliveries']} deliveries, 8 threads: problems / failed workflows",
                 f"{stress['problems']} / {stress['failed_workflows']}", "0 / 0"))
    sweep: dict[str, Any] = found["sweep"] or {}
    small, large = (str(s) for s in sweep["sizes"])
    rows.append((f"reminders sweep {int(large):,} ÷ {int(small):,} open (same 100 due)", f"{sweep['ratio']:.2f}",
                 "≤ 1.2"))
    reads = sweep["items_read"]
    rows.append(("sweep items read at each size", f"{reads[small]:.0f} / {reads[large]:.0f}", "equal"))
    for due, row in sweep.get("due", {}).items():
        whole = f"{row['one_s']:.1f} s" if row.get("one_s") is not None else "—"
        rows.append((f"reminders sweep, {int(due):,} due: one sweep / longest of {sweep['groups']} groups",
                     f"{whole} / {max(row['groups_s']):.1f} s", "≤ 45 s of the minute"))
        rows.append((f"reminders sweep, {int(due):,} due: ms per item / groups a minute needs",
                     f"{row['ms_per_due']:.1f} / {row['groups_needed']}", f"{sweep['groups']} groups deployed"))
    month = simulate_month()
    rows.append(("open executions per 1,000 complaints a day (simulated month, peak)",
                 f"{month['now']['peak']:,.0f}", f"before: {month['before']['peak']:,.0f}"))
    durable: dict[str, Any] = found["durability"] or {}
    rows.append(("durable ÷ in memory: intake / happy path speed",
                 f"{durable['intake_ratio']:.2f} / {durable['happy_ratio']:.2f}", "≥ 0.8"))
    console: dict[str, Any] = found["console"] or {}
    for view in console["views"]:
        rows.append((f"console {view['view']}, {console['complaints']} open: DynamoDB requests / handler ms",
                     f"{view['dynamodb_requests']:.0f} / {view['handler_ms']:.0f}", ""))
    push: dict[str, Any] = found["push"] or {}
    rows.append((f"status pushes, one portal {push['slow_seconds']:.0f} s slow: queued / serial deliveries/s",
                 f"{push['queued']['per_second']:.1f} / {push['serial']['per_second']:.1f}", "queued > serial"))
    rows.append(("  the fast portal's events all in: queued / serial",
                 f"{push['queued']['fast_portal_done_s']:.1f} / {push['serial']['fast_portal_done_s']:.1f} s", ""))
    width = max(len(r[0]) for r in rows) + 2
    print("\n=== the figures, side by side (prices: bench/prices.yaml) ===")
    print(f"{'figure':<{width}}{'measured':>26}  goal")
    for figure, value, goal in rows:
        print(f"{figure:<{width}}{value:>26}  {goal}")
    print(f"make bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
