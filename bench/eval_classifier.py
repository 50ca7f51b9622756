"""Accuracy of the classifier over the labelled complaints in tests/data.

Prints top-1 category and nature accuracy for the development set (the one
the policy's phrases were tuned against), the held-out set and both, then
per-category precision and recall and the most frequent confusions.
Run: `make eval`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from complaints.core.enums import Channel, Service
from complaints.core.policy import load_policy
from complaints.triage.classifier import classify

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = {"development": "complaints_dev.jsonl", "held-out": "complaints_holdout.jsonl"}


@dataclass
class Outcome:
    text: str
    category: str
    predicted_category: str
    nature: str
    predicted_nature: str


def load(name: str) -> list[dict[str, str | None]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(rows: list[dict[str, str | None]]) -> list[Outcome]:
    policy = load_policy("telecom")
    outcomes = []
    for row in rows:
        service = Service(str(row["service"])) if row.get("service") else None
        result = classify(str(row["text"]), service=service, channel=Channel.HOTLINE, vip=False, policy=policy)
        outcomes.append(Outcome(str(row["text"]), str(row["category"]), result.category,
                                str(row["nature"]), result.nature.value))
    return outcomes


def accuracy(outcomes: list[Outcome]) -> tuple[float, float]:
    category = sum(o.category == o.predicted_category for o in outcomes) / len(outcomes)
    nature = sum(o.nature == o.predicted_nature for o in outcomes) / len(outcomes)
    return category, nature


def report(outcomes_by_set: dict[str, list[Outcome]]) -> str:
    lines = [f"{'set':<12}{'complaints':>11}{'category':>10}{'nature':>9}"]
    everything = [o for outcomes in outcomes_by_set.values() for o in outcomes]
    for name, outcomes in [*outcomes_by_set.items(), ("all", everything)]:
        category_share, nature_share = accuracy(outcomes)
        lines.append(f"{name:<12}{len(outcomes):>11}{category_share:>10.1%}{nature_share:>9.1%}")
    lines.append("")
    lines.append(f"{'category':<30}{'n':>4}{'precision':>11}{'recall':>8}")
    for category in sorted({o.category for o in everything}):
        predicted = [o for o in everything if o.predicted_category == category]
        actual = [o for o in everything if o.category == category]
        hits = sum(o.category == category for o in predicted)
        precision = hits / len(predicted) if predicted else 0.0
        recall = hits / len(actual) if actual else 0.0
        lines.append(f"{category:<30}{len(actual):>4}{precision:>11.2f}{recall:>8.2f}")
    confusions = Counter((o.category, o.predicted_category) for o in everything if o.category != o.predicted_category)
    lines.append("")
    lines.append("confusions (labelled → predicted: count)")
    lines.extend(f"  {a} → {b}: {n}" for (a, b), n in confusions.most_common(15))
    natures = Counter((o.nature, o.predicted_nature) for o in everything)
    lines.append("")
    lines.append("nature confusion (rows labelled, columns predicted)")
    kinds = ["valid", "inquiry", "help_seeking", "venting"]
    lines.append(" " * 14 + "".join(f"{k:>14}" for k in kinds))
    for label in kinds:
        lines.append(f"{label:<14}" + "".join(f"{natures[(label, k)]:>14}" for k in kinds))
    return "\n".join(lines)


def main() -> None:
    outcomes = {name: evaluate(load(file)) for name, file in SETS.items()}
    print(report(outcomes))


if __name__ == "__main__":
    main()
