"""Accuracy of the classifier over the labelled complaints in tests/data (see tests/data/README.md).

For every set, category and nature accuracy, in Chinese and in English apart,
of the phrase rules alone and of the rules voting with the profile's model.
The held-out sets are scored with the shipped model; the training sets, which
the model has learned, are scored by stratified 5-fold cross-validation (a
model trained on four fifths classifies the fifth; this needs scikit-learn).
Then, over the held-out sets, per-category precision and recall, the most
frequent confusions, the nature confusion table and the share of complaints
left to the triage desk; then how often a second annotator agrees with the
writers, and each held-out set against the categories the two settled on.
Run: `make eval` (`--no-cv` skips the cross-validation). `--extra NAME=FILE`
(with one `--profile`) scores one more labelled file of tests/data as a
held-out set, in the table of sets only and in none of the totals: a new
writer's set, before it joins `HELD_OUT` (which filters the training rows, so
that the models must be trained again when it does).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.train_classifier import HELD_OUT, TRAINING
from complaints.core.policy import Policy, load_policy
from complaints.core.values import Service
from complaints.triage.classifier import Decision, TextClassifier
from complaints.triage.linear_model import TrainedModels

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PROFILE_TRAINING = TRAINING  # per profile: its training sets by the name `make eval` prints
SETS = {**TRAINING["telecom"], **HELD_OUT["telecom"]}  # every telecom set, by name
SECOND_ANNOTATOR = "second_annotator.jsonl"  # a second, blind labelling of held-out complaints (tests/data/README.md)
NATURES = ["valid", "inquiry", "help_seeking", "venting"]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class Outcome:
    text: str
    category: str
    predicted_category: str
    nature: str
    predicted_nature: str
    needs_triage: bool = False
    confidence: float = 0.0

    @property
    def language(self) -> str:
        """Chinese when the text has any Chinese character (mixed-language text counts as Chinese)."""
        return "zh" if _CJK.search(self.text) else "en"


def load(name: str) -> list[dict[str, str | None]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _outcome(row: Mapping[str, str | None], decide: Callable[[str, Service | None], Decision]) -> Outcome:
    service = Service(str(row["service"])) if row.get("service") else None
    decision = decide(str(row["text"]), service)
    return Outcome(str(row["text"]), str(row["category"]), decision.category, str(row["nature"]),
                   decision.nature.value, decision.needs_triage, decision.confidence)


def evaluate(rows: list[dict[str, str | None]], classifier: TextClassifier | None = None) -> list[Outcome]:
    classifier = classifier or TextClassifier(load_policy("telecom"))
    return [_outcome(row, classifier.decide) for row in rows]


def rules_alone(policy: Policy) -> TextClassifier:
    return TextClassifier(policy.model_copy(update={"text_model": None}))


def cross_validated(files: Sequence[str], policy: Policy, shipped: TrainedModels) -> dict[str, list[Outcome]]:
    """Each training row classified by a model trained without its fold (the shipped vote weights); the rows
    left out of training for being close to a held-out complaint are left out here too."""
    from bench.train_classifier import borrowed_rows, fit_models, folds, training_rows  # needs scikit-learn

    rows, _ = training_rows(policy.profile)
    borrowed = borrowed_rows(policy.profile)
    outcomes: dict[int, Outcome] = {}
    for train, test in folds(rows):
        models = replace(fit_models([rows[i] for i in train], policy, dict(shipped.vote), shipped.nature_weighting,
                                    borrowed), rule_trust=shipped.rule_trust)
        classifier = TextClassifier(policy, models)
        for i in test:
            row = {"text": rows[i].text, "category": rows[i].category, "nature": rows[i].nature}
            outcomes[i] = _outcome(row, classifier.decide)
    return {name: [outcomes[i] for i, r in enumerate(rows) if r.source == name] for name in files}


def accuracy(outcomes: list[Outcome]) -> tuple[float, float]:
    if not outcomes:
        return 0.0, 0.0
    category = sum(o.category == o.predicted_category for o in outcomes) / len(outcomes)
    nature = sum(o.nature == o.predicted_nature for o in outcomes) / len(outcomes)
    return category, nature


def _cells(outcomes: list[Outcome]) -> str:
    cells = []
    for group in (outcomes, [o for o in outcomes if o.language == "zh"], [o for o in outcomes if o.language == "en"]):
        category, nature = accuracy(group)
        cells.append(f"{len(group):>5}{category:>8.1%}{nature:>8.1%}")
    return "".join(cells)


def summary(results: dict[str, dict[str, list[Outcome]]]) -> str:
    """One line per set and classifier: n, category and nature accuracy; all, Chinese, English."""
    lines = [f"{'set':<16}{'classifier':<17}" + "".join(f"{g:>5}{'categ.':>8}{'nature':>8}"
                                                      for g in ("all", "zh", "en"))]
    for name, by_classifier in results.items():
        for classifier, outcomes in by_classifier.items():
            lines.append(f"{name:<16}{classifier:<17}" + _cells(outcomes))
    return "\n".join(lines)


def confusion_table(outcomes: list[Outcome]) -> list[str]:
    """Every category against every other; a dot for none, so the mistakes stand out."""
    categories = sorted({o.category for o in outcomes} | {o.predicted_category for o in outcomes})
    counts = Counter((o.category, o.predicted_category) for o in outcomes)
    lines = [" " * 32 + "".join(f"{k + 1:>4}" for k in range(len(categories)))]
    for k, label in enumerate(categories):
        cells = "".join(f"{counts[(label, p)] or '.':>4}" for p in categories)
        lines.append(f"{k + 1:>2} {label:<29}{cells}")
    return lines


def details(outcomes: list[Outcome]) -> str:
    lines = [f"{'category':<30}{'n':>4}{'precision':>11}{'recall':>8}"]
    for category in sorted({o.category for o in outcomes}):
        predicted = [o for o in outcomes if o.predicted_category == category]
        actual = [o for o in outcomes if o.category == category]
        hits = sum(o.category == category for o in predicted)
        precision = hits / len(predicted) if predicted else 0.0
        recall = hits / len(actual) if actual else 0.0
        lines.append(f"{category:<30}{len(actual):>4}{precision:>11.2f}{recall:>8.2f}")
    lines += ["", "category confusion (rows labelled, columns predicted, numbered as the rows)"]
    lines += confusion_table(outcomes)
    natures = Counter((o.nature, o.predicted_nature) for o in outcomes)
    lines += ["", "nature confusion (rows labelled, columns predicted)",
              " " * 14 + "".join(f"{k:>14}" for k in NATURES)]
    lines.extend(f"{label:<14}" + "".join(f"{natures[(label, k)]:>14}" for k in NATURES) for label in NATURES)
    automatic = [o for o in outcomes if not o.needs_triage]
    automatic_accuracy, _ = accuracy(automatic)
    lines += ["", f"left to the triage desk: {1 - len(automatic) / len(outcomes):.1%}; "
                  f"category accuracy of the rest, classified automatically: {automatic_accuracy:.1%}"]
    return "\n".join(lines)


def report(outcomes_by_set: dict[str, list[Outcome]]) -> str:
    """The summary and details of the shipped classifier over some sets (the tests print this)."""
    everything = [o for outcomes in outcomes_by_set.values() for o in outcomes]
    return summary({name: {"rules+model": o} for name, o in outcomes_by_set.items()}) + "\n\n" + details(everything)


def second_labels(profile: str) -> dict[tuple[str, int], dict[str, str | None]]:
    """The second annotator's rows of a profile by (file, line) (SECOND_ANNOTATOR, tests/data/README.md)."""
    rows = (row for row in load(SECOND_ANNOTATOR) if row["profile"] == profile)
    return {(str(row["file"]), int(str(row["line"]))): row for row in rows}


def settled(writer: str, second: Mapping[str, str | None]) -> str:
    """The category a complaint is scored against once two people have labelled it: the one both gave, else the
    adjudicator's, who saw the text and the two categories by the guide, not who gave which."""
    if second["category"] == writer:
        return writer
    return str(second["adjudicated"])


def agreement(profile: str, classifier: TextClassifier) -> str:
    """How far two people agree on the labels, beside the classifier: a second annotator labelled held-out
    complaints from the guide alone, blind to the writer's labels, and an adjudicator settled each category
    the two gave differently."""
    second = second_labels(profile)
    if not second:
        return ""
    files = {file: load(file) for file in {file for file, _ in second}}  # each labelled file read once
    pairs = [(files[file][line - 1], row) for (file, line), row in second.items()]
    outcomes = evaluate([first for first, _ in pairs], classifier)
    same = [o for o, (first, other) in zip(outcomes, pairs, strict=True) if first["category"] == other["category"]]
    n = len(pairs)
    category = sum(first["category"] == other["category"] for first, other in pairs) / n
    nature = sum(first["nature"] == other["nature"] for first, other in pairs) / n
    model = sum(o.category == o.predicted_category for o in outcomes) / n
    agreed = sum(o.category == o.predicted_category for o in same) / len(same) if same else 0.0
    by_language = ", ".join(f"{name} {accuracy(group)[0]:.1%}" for name, group in
                            (("Chinese", [o for o in same if o.language == "zh"]),
                             ("English", [o for o in same if o.language == "en"])) if group)
    same_by_language = {lang: [a["category"] == b["category"] for (a, b), o in zip(pairs, outcomes, strict=True)
                               if o.language == lang] for lang in ("zh", "en")}
    people = ", ".join(f"{name} {sum(agrees) / len(agrees):.1%}" for name, agrees in
                       (("Chinese", same_by_language["zh"]), ("English", same_by_language["en"])) if agrees)
    split = [(str(first["category"]), str(other["category"]), str(other["adjudicated"]))
             for first, other in pairs if first["category"] != other["category"]]
    sides = (f"; of the {len(split)} they split on, the adjudicator gave the writer's category to "
             f"{sum(a == w for w, _, a in split)}, the second annotator's to {sum(a == s for _, s, a in split)} and "
             f"a third to {sum(a not in (w, s) for w, s, a in split)}") if split else ""
    return (f"\n{profile}: a second annotator on {n} held-out complaints agrees with the writer on {category:.1%} of "
            f"categories ({people}) and {nature:.1%} of natures; on the same complaints the classifier's category is "
            f"right on {model:.1%}, and on {agreed:.1%} of the {len(same)} whose category both annotators gave "
            f"({by_language}){sides}")


def adjudicated(profile: str, held_out: Mapping[str, list[Outcome]]) -> dict[str, dict[str, list[Outcome]]]:
    """Each held-out set that two people labelled in full, scored against the writer's categories and against the
    settled ones (`settled`); natures stay the writer's."""
    second = second_labels(profile)
    results: dict[str, dict[str, list[Outcome]]] = {}
    for name, outcomes in held_out.items():
        file = HELD_OUT[profile][name]
        if all((file, line) in second for line in range(1, len(outcomes) + 1)):
            results[name] = {"writer's labels": outcomes,
                             "settled labels": [replace(o, category=settled(o.category, second[(file, line)]))
                                                for line, o in enumerate(outcomes, 1)]}
    if results:
        results["all of them"] = {kind: [o for name in list(results) for o in results[name][kind]]
                                  for kind in ("writer's labels", "settled labels")}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation of the training sets")
    parser.add_argument("--profile", action="append", choices=sorted(PROFILE_TRAINING),
                        help="the profile to evaluate (repeatable; default: every profile)")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=FILE", type=_extra_set,
                        help="also score this file of tests/data as a held-out set (repeatable)")
    args = parser.parse_args()
    if args.extra and len(args.profile or []) != 1:
        parser.error("--extra needs one --profile: the file is labelled with that profile's categories")
    taken = [name for name, _ in args.extra
             if name in HELD_OUT[args.profile[0]] or name in PROFILE_TRAINING[args.profile[0]]]
    if taken:
        parser.error(f"--extra {taken[0]!r}: a set of that name is already scored")
    for profile in args.profile or list(PROFILE_TRAINING):
        print(f"\n=== {profile} ===")
        evaluate_profile(profile, cross_validate=not args.no_cv, extra=dict(args.extra))


def _extra_set(value: str) -> tuple[str, str]:
    name, _, file = value.partition("=")
    if not name or not file:
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, got {value!r}")
    if not (DATA / file).is_file():
        raise argparse.ArgumentTypeError(f"no labelled file {file!r} in {DATA}")
    return name, file


def evaluate_profile(profile: str, *, cross_validate: bool, extra: Mapping[str, str] | None = None) -> None:
    """The profile's held-out sets with the shipped classifier, and its training sets in cross-validation;
    `extra` names more held-out sets, by name and file."""
    training_sets, held_out_sets = PROFILE_TRAINING[profile], {**HELD_OUT[profile], **(extra or {})}
    policy = load_policy(profile)
    shipped, alone = TextClassifier(policy), rules_alone(policy)
    results: dict[str, dict[str, list[Outcome]]] = {}
    # The shipped models without the encoder, where the profile has one: what the encoder adds, side by side.
    linear = TextClassifier(policy, shipped.models) if shipped.encoder is not None else None
    held_rows: list[dict[str, str | None]] = []
    for name, file in held_out_sets.items():
        rows = load(file)
        if name in HELD_OUT[profile]:
            held_rows += rows
        results[name] = {"rules alone": evaluate(rows, alone)}
        if linear is not None:
            results[name]["no encoder"] = evaluate(rows, linear)
        results[name]["rules+model"] = evaluate(rows, shipped)
    if cross_validate:
        assert isinstance(shipped.models, TrainedModels)
        validated = cross_validated(list(training_sets.values()), policy, shipped.models)
        for name, file in training_sets.items():
            rows = [{"text": o.text, "category": o.category, "nature": o.nature} for o in validated[file]]
            results[name] = {"rules alone": evaluate(rows, alone), "rules+model, CV": validated[file]}
        results["all training"] = {kind: [o for name in training_sets for o in results[name][kind]]
                                   for kind in ("rules alone", "rules+model, CV")}
    print(summary(results))
    print("(rules+model, CV: each training complaint classified by a model trained on the other four fifths)")
    if linear is not None:
        held_english = [row for row in held_rows if not _CJK.search(str(row["text"]))]
        consulted = sum(shipped.decide(str(row["text"]), Service(str(row["service"])) if row.get("service") else None
                                       ).encoder is not None for row in held_english)
        print(f"(no encoder: the rules and the linear model alone; rules+model asks the encoder of an English "
              f"complaint whose vote is under {shipped.consult_below}: {consulted / len(held_english):.0%} of the "
              f"held-out English ones. The training sets' cross-validation is without it: it learnt from them all)")
    independent = [o for name in HELD_OUT[profile] if name.startswith("independent")
                   for o in results[name]["rules+model"]]
    if independent:
        print(f"\nthe independent writer's held-out sets together, rules+model ({len(independent)} complaints)\n"
              + details(independent))
    held = [o for name in HELD_OUT[profile] for o in results[name]["rules+model"]]
    print(f"\n{profile}: all held-out sets together, rules+model ({len(held)} complaints)\n" + details(held))
    print(agreement(profile, shipped))
    settled_sets = adjudicated(profile, {name: results[name]["rules+model"] for name in HELD_OUT[profile]})
    if settled_sets:
        print("\nthe held-out sets two people labelled, rules+model, against the writer's categories and the settled "
              "ones\n" + summary(settled_sets))
    if cross_validate:
        trained = results["all training"]["rules+model, CV"]
        print(f"\nall training complaints, rules+model in 5-fold cross-validation ({len(trained)} complaints)\n"
              + details(trained))


if __name__ == "__main__":
    main()
