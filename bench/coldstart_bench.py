"""Cold start: each function's import time in a fresh interpreter, as a ratio to importing boto3 alone.

Every function module is imported the way Lambda's init phase imports it
(the layer's `complaints` package and the function's directory on the path),
in a new interpreter each time, alternating with a baseline interpreter that
imports boto3 alone, so both see the same machine. Goal: ratio ≤ 1.5.
Run: `make bench` (or `python -m bench.coldstart_bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
# What Lambda's environment gives the functions; nothing is called at import.
ENVIRONMENT = {
    "TABLE_NAME": "complaints", "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:c",
    "NOTIFY_ADAPTER": "aws", "SIGNING_SECRET_NAME": "s", "PORTAL_SECRETS_NAME": "p",
    "IDEMPOTENCY_TABLE_NAME": "idempotency", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "complaints", "POWERTOOLS_METRICS_NAMESPACE": "ComplaintDesk",
}
_TIMER = """
import sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""


def _once(statement: str, paths: list[str], tracing: bool = True) -> float:
    env = {**os.environ, **ENVIRONMENT}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    if not tracing:  # Powertools' Tracer then never loads the X-Ray SDK
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    output = subprocess.run([sys.executable, "-c", _TIMER.format(paths=paths, statement=statement)],
                            capture_output=True, text=True, env=env, check=True, cwd=ROOT)
    return float(output.stdout.strip().splitlines()[-1])


def run(rounds: int) -> dict[str, Any]:
    baseline: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in FUNCTIONS}
    untraced: dict[str, list[float]] = {name: [] for name in FUNCTIONS}
    for _ in range(rounds):
        for name in FUNCTIONS:
            paths = [str(ROOT / "functions" / name), str(ROOT / "shared")]
            baseline.append(_once("import boto3", []))
            times[name].append(_once("import app", paths))
            untraced[name].append(_once("import app", paths, tracing=False))
    base = statistics.median(baseline)
    return {"boto3_ms": base * 1000,
            "functions": {name: {"ms": statistics.median(t) * 1000, "ratio": statistics.median(t) / base,
                                 "untraced_ratio": statistics.median(untraced[name]) / base}
                          for name, t in times.items()}}


def print_table(outcome: dict[str, Any]) -> None:
    print(f"import in a fresh interpreter (median); boto3 alone: {outcome['boto3_ms']:.0f} ms")
    print(f"{'function':<12}{'import ms':>10}{'÷ boto3':>9}{'÷ boto3, no X-Ray SDK':>23}")
    for name, row in outcome["functions"].items():
        print(f"{name:<12}{row['ms']:>10.0f}{row['ratio']:>9.2f}{row['untraced_ratio']:>23.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    outcome = run(args.rounds)
    print_table(outcome)
    if args.json:
        args.json.write_text(json.dumps(outcome))


if __name__ == "__main__":
    main()
