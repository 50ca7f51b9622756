"""Choose a profile's encoder weight and consult_below on writers neither model has read.

The encoder's scores join the linear model's at ``text_model.encoder.weight``, and it is asked only of an English
complaint whose vote is under ``consult_below``. Both are chosen here, never on a held-out set: the profile's last
``--writers`` training sets are set aside, an encoder (``bench.train_encoder``) and a linear model
(``bench.train_classifier``) are trained on the rest, and every pair of the grid is scored on the set-aside
writers' English complaints. The pair chosen is the one that asks the encoder of fewest complaints among those
within one standard error of the most right, as a smaller difference on these rows is noise and every complaint
asked costs milliseconds; among those asking as few, the most right. The vote's own parameters (the
rules' weight, temperature and trust) are the shipped model's.

The encoder trained here is written under ``--work`` (``build/encoder/<profile>-without-<n>``), never to
shared/policies; a second run reuses it while the complaints it learned from are unchanged. Training it takes as
long as ``make encoder``'s.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import train_classifier as tc
from bench import train_encoder as te
from complaints.core.policy import POLICY_DIR, load_policy
from complaints.triage.classifier import combine, rule_probabilities, shipped_models
from complaints.triage.encoder import Encoder, blended
from complaints.triage.features import text_features
from complaints.triage.rules import PhraseRules, normalise

WRITERS = 8
WEIGHTS = (0.5, 0.7, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0)
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: every English complaint is asked


@dataclass(frozen=True)
class Voted:
    """One set-aside complaint: the linear model's and the rules' probabilities, and the encoder's scores."""

    category: str
    model: dict[str, float]
    rules: dict[str, float]
    encoded: dict[str, float]


def split(profile: str, writers: int) -> tuple[list[tc.Row], list[tc.Row], list[str]]:
    """The profile's training rows learned from, its last `writers` training sets' English rows set aside, and
    those sets' names."""
    files = tc.training_files(profile)
    if not 0 < writers < len(files):
        raise SystemExit(f"--writers must be between 1 and {len(files) - 1} for {profile}, which has "
                         f"{len(files)} training sets")
    aside = files[-writers:]
    rows, _ = tc.training_rows(profile)
    learn = [r for r in rows if r.source not in aside]
    tune = [r for r in rows if r.source in aside and Encoder.reads(r.text)]  # English, as the classifier asks
    return learn, tune, aside


def trained_encoder(profile: str, learn: list[tc.Row], aside: list[str], classes: list[str], work: Path) -> Encoder:
    """The encoder trained on the learned rows (and the borrowed English ones, as `make encoder`'s), reused when an
    earlier run wrote it from the same files (the held-out sets filter what is learned, as for `make encoder`)."""
    description = work / "encoder.json"
    inputs = tc.digest([name for name in tc.inputs(profile) if name not in aside])
    if description.is_file() and json.loads(description.read_text()).get("inputs") != inputs:
        print(f"{profile}: the encoder in {work} was trained on other complaints; training it again", flush=True)
        description.unlink()
    if not description.is_file():
        examples = te.training_examples(profile, learn)
        print(f"{profile}: training an encoder on {len(examples)} English complaints", flush=True)
        te.fine_tune(examples, classes, work, te.EPOCHS)
        te.export(work, work / "encoder.onnx")
        shutil.copyfile(work / "model" / "tokenizer.json", work / "tokenizer.json")
        description.write_text(json.dumps({"weights": "encoder.onnx", "tokenizer": "tokenizer.json",
                                           "categories": classes, "max_tokens": te.MAX_TOKENS,
                                           "inputs": inputs}) + "\n")
    return Encoder(description)


def voted(profile: str, learn: list[tc.Row], tune: list[tc.Row], encoder: Encoder) -> list[Voted]:
    policy = load_policy(profile)
    if policy.text_model is None:
        raise SystemExit(f"the {profile} profile names no text_model file")
    shipped = shipped_models(POLICY_DIR / policy.text_model.model)
    models = tc.fit_models(learn, policy, dict(shipped.vote), shipped.nature_weighting, tc.borrowed_rows(profile))
    rules = PhraseRules(policy)
    categories = list(policy.categories)
    out = []
    for row in tune:
        model = models.category.probabilities(text_features(normalise(row.text)))
        ruled = rule_probabilities(rules.scores(row.text, None)[0], categories, policy.triage.min_score,
                                   shipped.vote["rule_temperature"])
        out.append(Voted(row.category, model, ruled, encoder.scores(row.text)))
    return out


def score(rows: Sequence[Voted], rule_weight: float, trust: dict[str, float], weight: float | None,
          threshold: float) -> tuple[int, int]:
    """How many rows the vote gets right, and of how many it asked the encoder (weight None: never asked)."""
    right = asked = 0
    for row in rows:
        votes = combine(row.model, row.rules, rule_weight, trust)
        category = max(votes, key=lambda c: votes[c])
        if weight is not None and votes[category] < threshold:
            asked += 1
            votes = combine(blended(row.model, row.encoded, weight), row.rules, rule_weight, trust)
            category = max(votes, key=lambda c: votes[c])
        right += category == row.category
    return right, asked


def choose(rows: Sequence[Voted], rule_weight: float, trust: dict[str, float]
           ) -> tuple[tuple[float, float], dict[tuple[float, float], tuple[int, int]]]:
    """The pair that asks the encoder least among those as right as the best, give or take one standard error of
    the best's accuracy (a smaller difference on these rows is noise, and each complaint asked costs milliseconds);
    among equals, the most right, then the lighter weight and the lower threshold."""
    grid = {(w, t): score(rows, rule_weight, trust, w, t) for w in WEIGHTS for t in THRESHOLDS}
    most = max(right for right, _ in grid.values())
    share = most / len(rows) if rows else 0.0
    enough = most - math.sqrt(share * (1 - share) * len(rows))  # one standard error, in rows
    near = [pair for pair in grid if grid[pair][0] >= enough]
    best = min(near, key=lambda pair: (grid[pair][1], -grid[pair][0], pair))
    return best, grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", required=True, choices=sorted(tc.TRAINING))
    parser.add_argument("--writers", type=int, default=WRITERS, help="the last training sets set aside")
    parser.add_argument("--work", type=Path, default=Path("build") / "encoder")
    args = parser.parse_args()
    started = time.monotonic()
    policy = load_policy(args.profile)
    learn, tune, aside = split(args.profile, args.writers)
    print(f"{args.profile}: learning from {len(learn)} training complaints; choosing on the {len(tune)} English "
          f"ones of {', '.join(aside)}", flush=True)
    encoder = trained_encoder(args.profile, learn, aside, list(policy.categories),
                              args.work / f"{args.profile}-without-{args.writers}")
    rows = voted(args.profile, learn, tune, encoder)
    shipped = shipped_models(POLICY_DIR / policy.text_model.model) if policy.text_model else None
    rule_weight = shipped.vote["rule_weight"] if shipped else 0.0
    trust = dict(shipped.rule_trust) if shipped else {}
    alone, _ = score(rows, rule_weight, trust, None, 0.0)
    best, grid = choose(rows, rule_weight, trust)
    print(f"\nwithout the encoder: {alone / len(rows):.1%} of {len(rows)}")
    print("weight  " + "".join(f"{'<' + str(t) if t <= 1 else 'all':>14}" for t in THRESHOLDS))
    for w in WEIGHTS:
        print(f"{w:<8}" + "".join(f"{grid[(w, t)][0] / len(rows):>8.1%} ({grid[(w, t)][1] / len(rows):>3.0%})"
                                  for t in THRESHOLDS))
    most = max(grid, key=lambda pair: (grid[pair][0], -grid[pair][1], -pair[0]))
    print(f"most right: weight {most[0]}, consult_below {most[1]}: {grid[most][0] / len(rows):.1%}, asked of "
          f"{grid[most][1] / len(rows):.0%}")
    right, asked = grid[best]
    current = policy.text_model.encoder if policy.text_model else None
    if current is not None and (current.weight, current.consult_below) in grid:
        now, now_asked = grid[(current.weight, current.consult_below)]
        print(f"as shipped (weight {current.weight}, consult_below {current.consult_below}): "
              f"{now / len(rows):.1%}, asked of {now_asked / len(rows):.0%}")
    print(f"chosen, the least asked within a standard error of it: weight {best[0]}, consult_below {best[1]}: "
          f"{right / len(rows):.1%}, asked of "
          f"{asked / len(rows):.0%} ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
