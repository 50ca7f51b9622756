"""Classification latency per complaint (median and p99), over the labelled set.

Run: `make bench` (or `python -m bench.classify_bench`). Also prints the cost
of compiling the taxonomy and loading the model file once per process (a Lambda
cold start pays it). A profile with an English encoder is measured as well,
over its own labelled complaints: how many the encoder was asked of, the
latency with it and, side by side in the same rounds, without it, and what its
first use cost (loading its run time and weights).
"""

from __future__ import annotations

import statistics
import sys
import time

from bench.eval_classifier import PROFILE_TRAINING, SETS, load
from bench.train_classifier import HELD_OUT
from complaints.core.policy import load_policy
from complaints.core.values import Service
from complaints.triage.classifier import TextClassifier
from complaints.triage.encoder import Encoder


def _timed(classifier: TextClassifier, rows: list[dict[str, str | None]], timings: list[float]) -> None:
    for row in rows:
        service = Service(str(row["service"])) if row.get("service") else None
        started = time.perf_counter()
        classifier.classify(str(row["text"]), service=service, channel="hotline", vip=False)
        timings.append(time.perf_counter() - started)


def _line(label: str, timings: list[float]) -> str:
    timings.sort()
    p99 = timings[int(0.99 * len(timings))]
    return (f"{label:<22}{statistics.median(timings) * 1e6:>10.0f}{p99 * 1e6:>10.0f}{timings[-1] * 1e6:>10.0f}")


def _first_use(encoder: Encoder, rows: list[dict[str, str | None]]) -> str:
    """What the encoder's first complaint cost: the run time imported (once a process) and the weights read."""
    if encoder.loaded:
        return "its first use was measured above"
    imported = "onnxruntime" in sys.modules
    started = time.perf_counter()
    encoder.scores(next(str(row["text"]) for row in rows if encoder.reads(str(row["text"]))))
    took = (time.perf_counter() - started) * 1000
    what = "weights and tokenizer read; its run time was imported above" if imported else \
        "run time imported, weights and tokenizer read"
    return f"its first use ({what}) took {took:.0f} ms"


def main(rounds: int = 20) -> None:
    policy = load_policy("telecom")
    started = time.perf_counter()
    classifier = TextClassifier(policy)
    compile_ms = (time.perf_counter() - started) * 1000
    rows = [row for name in SETS.values() for row in load(name)]
    first_use = f"; the English encoder: {_first_use(classifier.encoder, rows)}" if classifier.encoder else ""
    timings: list[float] = []
    for _ in range(rounds):
        _timed(classifier, rows, timings)
    print(f"classification: {len(rows)} complaints x {rounds} rounds; "
          f"taxonomy compiled and model loaded in {compile_ms:.1f} ms{first_use}")
    print(f"{'':<22}{'median µs':>10}{'p99 µs':>10}{'max µs':>10}")
    print(_line("telecom", timings))
    for profile in PROFILE_TRAINING:
        encoded(profile, max(1, rounds // 10))


def encoded(profile: str, rounds: int) -> None:
    """The profile's classifier with its encoder and without, alternating round by round."""
    policy = load_policy(profile)
    shipped = TextClassifier(policy)
    if shipped.encoder is None:
        return
    linear = TextClassifier(policy, shipped.models)
    rows = [row for name in [*PROFILE_TRAINING[profile].values(), *HELD_OUT[profile].values()] for row in load(name)]
    first_use = _first_use(shipped.encoder, rows)
    with_encoder: list[float] = []
    without: list[float] = []
    for _ in range(rounds):
        _timed(shipped, rows, with_encoder)
        _timed(linear, rows, without)
    asked = sum(shipped.decide(str(row["text"]), Service(str(row["service"])) if row.get("service") else None
                               ).encoder is not None for row in rows)
    print(f"\n{profile}: {len(rows)} complaints x {rounds} rounds, the encoder asked of {asked} "
          f"({asked / len(rows):.0%}); {first_use}")
    print(f"{'':<22}{'median µs':>10}{'p99 µs':>10}{'max µs':>10}")
    print(_line(f"{profile}, encoder", with_encoder))
    print(_line(f"{profile}, no encoder", without))


if __name__ == "__main__":
    main()
