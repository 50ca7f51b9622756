"""Classification latency per complaint (median and p99), over the labelled set.

Run: `make bench` (or `python -m bench.classify_bench`). Also prints the cost
of compiling the taxonomy and loading the model file once per process (a Lambda
cold start pays it).
"""

from __future__ import annotations

import statistics
import time

from bench.eval_classifier import SETS, load
from complaints.core.policy import load_policy
from complaints.core.values import Service
from complaints.triage.classifier import TextClassifier


def main(rounds: int = 20) -> None:
    policy = load_policy("telecom")
    started = time.perf_counter()
    classifier = TextClassifier(policy)
    compile_ms = (time.perf_counter() - started) * 1000
    rows = [row for name in SETS.values() for row in load(name)]
    timings = []
    for _ in range(rounds):
        for row in rows:
            service = Service(str(row["service"])) if row.get("service") else None
            started = time.perf_counter()
            classifier.classify(str(row["text"]), service=service, channel="hotline", vip=False)
            timings.append(time.perf_counter() - started)
    timings.sort()
    p99 = timings[int(0.99 * len(timings))]
    print(f"classification: {len(rows)} complaints x {rounds} rounds; "
          f"taxonomy compiled and model loaded in {compile_ms:.1f} ms")
    print(f"{'median µs':>10}{'p99 µs':>10}{'max µs':>10}")
    print(f"{statistics.median(timings) * 1e6:>10.0f}{p99 * 1e6:>10.0f}{timings[-1] * 1e6:>10.0f}")


if __name__ == "__main__":
    main()
