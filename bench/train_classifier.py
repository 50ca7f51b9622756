"""Train a profile's classifier model from its labelled complaints and write the model file beside the profile.

scikit-learn's logistic regression learns one model for the category and one
for the nature over complaints.triage.features (and, for the nature, the
policy's cue lists); the weights are written to shared/policies/<profile>.
model.json, which the Lambda layer reads with no numpy or scikit-learn. The
weight of the phrase rules in the vote is chosen by stratified 5-fold
cross-validation over the training complaints the phrases were not written
from (the development set was, so the rules look better there than they are),
and so is whether that weight is scaled, category by category, by how often
the rules' favourite was right (their trust). The generic service.*
categories learn from every profile's complaints of them (borrowed_rows).
The held-out sets are read for one thing only: a training complaint that
shares more than 40% of its trigrams (of characters in Chinese, of words in
English) with a held-out complaint is left out of training, so a held-out
score is never a memory of a paraphrase. Run: `make model`.

The category model is a product of two experts folded into one set of weights:
the logistic regression's, plus NB_WEIGHT times a multinomial naive Bayes's
log-probabilities over the same features. Naive Bayes credits a word by how
much likelier it is in one category than in the others even when few
complaints carry it, which the regularised regression shrinks away; that is
what text by a new writer leans on. Since a softmax is unchanged by adding one
number to every class's score, each feature's weights are stored relative to
their median over the classes, so a feature that marks one category is
stored for that category alone and the file stays small. What naive Bayes
gives every feature a class never had (its smoothing, which differs by class)
is stored once per class (the model's per-feature weights).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from complaints.core.policy import POLICY_DIR, Policy, load_policy
from complaints.triage.classifier import combine, cue_features, rule_probabilities
from complaints.triage.features import FEATURES_VERSION, text_features
from complaints.triage.linear_model import LinearModel, TrainedModels
from complaints.triage.rules import PhraseRules, normalise

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
# Per profile: the files a model learns from, by the name `make eval` prints, and (RULES_WRITTEN_FROM) those of
# them the phrase rules were written from.
TRAINING: dict[str, dict[str, str]] = {
    "telecom": {"development": "complaints_dev.jsonl", "training": "complaints_train.jsonl",
                "extra training": "complaints_train_extra.jsonl", "more training": "complaints_train_more.jsonl",
                "training 4": "complaints_train4.jsonl", "training 5": "complaints_train5.jsonl",
                "training 6": "complaints_train6.jsonl", "training 7": "complaints_train7.jsonl",
                "training 8": "complaints_train8.jsonl", "training 9": "complaints_train9.jsonl",
                "training 10": "complaints_train10.jsonl", "training 11": "complaints_train11.jsonl",
                "training 12": "complaints_train12.jsonl", "training 13": "complaints_train13.jsonl",
                "training 14": "complaints_train14.jsonl", "training 15": "complaints_train15.jsonl",
                "training 16": "complaints_train16.jsonl", "training 17": "complaints_train17.jsonl",
                "training 18": "complaints_train18.jsonl", "training 19": "complaints_train19.jsonl",
                "training 20": "complaints_train20.jsonl"},
    "property": {"training": "property_train.jsonl", "more training": "property_train_more.jsonl",
                 "training 3": "property_train3.jsonl", "training 4": "property_train4.jsonl",
                 "training 5": "property_train5.jsonl", "training 6": "property_train6.jsonl",
                 "training 7": "property_train7.jsonl", "training 8": "property_train8.jsonl",
                 "training 9": "property_train9.jsonl", "training 10": "property_train10.jsonl",
                 "training 11": "property_train11.jsonl", "training 12": "property_train12.jsonl",
                 "training 13": "property_train13.jsonl", "training 14": "property_train14.jsonl",
                 "training 15": "property_train15.jsonl", "training 16": "property_train16.jsonl",
                 "training 17": "property_train17.jsonl", "training 18": "property_train18.jsonl",
                 "training 19": "property_train19.jsonl", "training 20": "property_train20.jsonl",
                 "training 21": "property_train21.jsonl"},
    "hospital": {"training": "hospital_train.jsonl", "more training": "hospital_train_more.jsonl",
                 "training 3": "hospital_train3.jsonl", "training 4": "hospital_train4.jsonl",
                 "training 5": "hospital_train5.jsonl", "training 6": "hospital_train6.jsonl",
                 "training 7": "hospital_train7.jsonl", "training 8": "hospital_train8.jsonl",
                 "training 9": "hospital_train9.jsonl", "training 10": "hospital_train10.jsonl",
                 "training 11": "hospital_train11.jsonl", "training 12": "hospital_train12.jsonl",
                 "training 13": "hospital_train13.jsonl", "training 14": "hospital_train14.jsonl",
                 "training 15": "hospital_train15.jsonl", "training 16": "hospital_train16.jsonl",
                 "training 17": "hospital_train17.jsonl", "training 18": "hospital_train18.jsonl",
                 "training 19": "hospital_train19.jsonl", "training 20": "hospital_train20.jsonl",
                 "training 21": "hospital_train21.jsonl", "training 22": "hospital_train22.jsonl",
                 "training 23": "hospital_train23.jsonl", "training 24": "hospital_train24.jsonl",
                 "training 25": "hospital_train25.jsonl", "training 26": "hospital_train26.jsonl",
                 "training 27": "hospital_train27.jsonl", "training 28": "hospital_train28.jsonl"}}
# The property and hospital phrase lists were first written from the categories' meanings alone, then extended
# after reading their first training sets' cross-validated errors; so the rules' weight in the vote is chosen on
# their second training sets alone (RULES_WRITTEN_FROM), which no phrase was written from.
# Per profile: the sets kept for reporting, by the name `make eval` prints; never learned from or tuned on.
HELD_OUT: dict[str, dict[str, str]] = {"telecom": {
    "held-out": "complaints_holdout.jsonl", "unseen": "complaints_unseen.jsonl",
    "independent": "complaints_independent.jsonl", "independent 2": "complaints_independent2.jsonl",
    "independent 3": "complaints_independent3.jsonl", "independent 4": "complaints_independent4.jsonl",
    "independent 5": "complaints_independent5.jsonl", "independent 6": "complaints_independent6.jsonl",
    "independent 7": "complaints_independent7.jsonl",
    "independent 8": "complaints_independent8.jsonl", "independent 9": "complaints_independent9.jsonl",
    "independent 10": "complaints_independent10.jsonl", "independent 11": "complaints_independent11.jsonl",
    "independent 12": "complaints_independent12.jsonl", "independent 13": "complaints_independent13.jsonl",
    "independent 14": "complaints_independent14.jsonl", "independent 15": "complaints_independent15.jsonl",
    "independent 16": "complaints_independent16.jsonl", "independent 17": "complaints_independent17.jsonl",
    "independent 18": "complaints_independent18.jsonl"},
    "property": {"held-out": "property_holdout.jsonl", "held-out 2": "property_holdout2.jsonl",
                 "held-out 3": "property_holdout3.jsonl", "held-out 4": "property_holdout4.jsonl",
                 "held-out 5": "property_holdout5.jsonl", "held-out 6": "property_holdout6.jsonl",
                 "held-out 7": "property_holdout7.jsonl", "held-out 8": "property_holdout8.jsonl",
                 "held-out 9": "property_holdout9.jsonl", "held-out 10": "property_holdout10.jsonl",
                 "held-out 11": "property_holdout11.jsonl", "held-out 12": "property_holdout12.jsonl",
                 "held-out 13": "property_holdout13.jsonl", "held-out 14": "property_holdout14.jsonl",
                 "held-out 15": "property_holdout15.jsonl", "held-out 16": "property_holdout16.jsonl",
                 "held-out 17": "property_holdout17.jsonl", "held-out 18": "property_holdout18.jsonl",
                 "held-out 19": "property_holdout19.jsonl", "held-out 20": "property_holdout20.jsonl",
                 "held-out 21": "property_holdout21.jsonl"},
    "hospital": {"held-out": "hospital_holdout.jsonl", "held-out 2": "hospital_holdout2.jsonl",
                 "held-out 3": "hospital_holdout3.jsonl", "held-out 4": "hospital_holdout4.jsonl",
                 "held-out 5": "hospital_holdout5.jsonl", "held-out 6": "hospital_holdout6.jsonl",
                 "held-out 7": "hospital_holdout7.jsonl", "held-out 8": "hospital_holdout8.jsonl",
                 "held-out 9": "hospital_holdout9.jsonl", "held-out 10": "hospital_holdout10.jsonl",
                 "held-out 11": "hospital_holdout11.jsonl", "held-out 12": "hospital_holdout12.jsonl",
                 "held-out 13": "hospital_holdout13.jsonl", "held-out 14": "hospital_holdout14.jsonl",
                 "held-out 15": "hospital_holdout15.jsonl", "held-out 16": "hospital_holdout16.jsonl",
                 "held-out 17": "hospital_holdout17.jsonl", "held-out 18": "hospital_holdout18.jsonl",
                 "held-out 19": "hospital_holdout19.jsonl", "held-out 20": "hospital_holdout20.jsonl",
                 "held-out 21": "hospital_holdout21.jsonl", "held-out 22": "hospital_holdout22.jsonl",
                 "held-out 23": "hospital_holdout23.jsonl", "held-out 24": "hospital_holdout24.jsonl",
                 "held-out 25": "hospital_holdout25.jsonl", "held-out 26": "hospital_holdout26.jsonl",
                 "held-out 27": "hospital_holdout27.jsonl", "held-out 28": "hospital_holdout28.jsonl"}}
CLOSE_SHARE = 0.4  # a training complaint sharing more of its trigrams than this with a held-out one is left out
RULES_WRITTEN_FROM: dict[str, set[str]] = {"telecom": {"complaints_dev.jsonl"}, "property": {"property_train.jsonl"},
                                           "hospital": {"hospital_train.jsonl"}}
C_CATEGORY = 3.0
C_NATURE = 3.0
MIN_DOCUMENTS = 2  # a feature seen in one complaint only is noise, and would only grow the file
PRUNE_BELOW = 0.03  # weights smaller than this change no answer; leaving them out keeps the file small
DECIMALS = 2  # a weight's third decimal changed no cross-validated answer, and took 7% of the file
RULE_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
RULE_TEMPERATURES = (0.5, 1.0, 2.0)
NATURE_WEIGHTINGS: tuple[str | None, ...] = (None, "balanced")
FOLDS = 5
SEED = 7
GENERIC_PREFIX = "service."  # the categories every profile has, learned from every profile's complaints
# How much a borrowed complaint counts against one of the profile's own in the category model. With 1,800
# borrowed rows beside 2,400 of their own, the property and hospital models leaned to service.*: in 5-fold
# cross-validation (the model and the rules voted at 0.3) 0.3 gave 82.3% and 78.5% against 81.4% and 77.7% at 1
# and 81.2% and 77.6% with none; telecom's 86.9% against 86.7% at 1. C 1 and 10 did worse than 3 (hospital).
BORROWED_WEIGHT = 0.3
# The naive Bayes expert of the category model (see the module's docstring): its weight beside the regression,
# and its smoothing. Chosen by leaving one writer's training set out at a time and training on the others' (a
# new writer is what a held-out set is), with the rules voting at 0.3: category accuracy, telecom 86.7% without
# it, 89.8% with it; property 82.8% and 84.0%; hospital 78.8% and 83.0%. Weights 0.1 to 0.3 and smoothing 0.05
# to 0.1 were within a point of that; smoothing 1 did worse than no naive Bayes at all.
NB_WEIGHT = 0.2
NB_ALPHA = 0.1
# The product of two experts is surer than it is right; its scores are divided by the temperature among these
# that gives the cross-validated probabilities the lowest log-loss, so "less than 30% sure"
# (text_model.min_probability) still sends the unsure complaints to the triage desk.
MODEL_TEMPERATURES = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)
# The nature model has a naive Bayes expert too, at 0.1 (over the text's features and the cue lists), cooled the
# same way. Leaving one writer out at a time, nature accuracy went from 87.0% to 90.1% (telecom), 91.1% to 92.7%
# (property) and 88.7% to 90.3% (hospital); 0.2 and 0.3 did less well than 0.1.
NATURE_NB_WEIGHT = 0.1


@dataclass(frozen=True)
class Row:
    text: str
    category: str
    nature: str
    source: str


def load_rows(files: Sequence[str]) -> list[Row]:
    rows = []
    for name in files:
        with (DATA / name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    item = json.loads(line)
                    rows.append(Row(str(item["text"]), str(item["category"]), str(item["nature"]), name))
    return rows


_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+(?:'[a-z]+)?")


def trigrams(text: str) -> set[tuple[str, ...]]:
    """Trigrams of a complaint's tokens: Chinese characters one by one, English words whole."""
    tokens = _TOKEN.findall(normalise(text))
    return {tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)}


def far_from(rows: list[Row], held_out: Sequence[str]) -> tuple[list[Row], list[Row]]:
    """The rows that are no paraphrase of any held-out complaint, and those that are."""
    held = [trigrams(r.text) for r in load_rows(held_out)]
    index: dict[tuple[str, ...], list[int]] = {}
    for k, grams in enumerate(held):
        for gram in grams:
            index.setdefault(gram, []).append(k)
    kept: list[Row] = []
    dropped: list[Row] = []
    for row in rows:
        grams = trigrams(row.text)
        shared = Counter(k for gram in grams for k in index.get(gram, ()))
        close = bool(grams) and any(n / len(grams) > CLOSE_SHARE for n in shared.values())
        (dropped if close else kept).append(row)
    return kept, dropped


def training_files(profile: str) -> list[str]:
    return list(TRAINING[profile].values())


def training_rows(profile: str) -> tuple[list[Row], list[Row]]:
    """A profile's training complaints, and those left out for being close to a held-out complaint."""
    return far_from(load_rows(training_files(profile)), list(HELD_OUT[profile].values()))


def borrowed_rows(profile: str) -> list[Row]:
    """The other desks' training complaints of the generic categories this profile shares with them: how staff
    treat people, slow answers, passing around and needless procedure read alike at a hospital and a phone shop,
    and this profile's own rows of them are few. Its category model learns from them too (its nature model does
    not: borrowing every desk's natures cross-validated worse). Close paraphrases of this profile's held-out
    complaints are left out, as for its own rows."""
    shared = {c for c in load_policy(profile).categories if c.startswith(GENERIC_PREFIX)}
    rows = [row for other in TRAINING if other != profile for row in load_rows(training_files(other))
            if row.category in shared]
    return far_from(rows, list(HELD_OUT[profile].values()))[0]


def _fit(samples: list[list[str]], labels: list[str], c: float, class_weight: str | None = None,
         sample_weight: Sequence[float] | None = None, nb_weight: float = 0.0) -> LinearModel:
    """A logistic regression over the features present, plus nb_weight times a naive Bayes over them (the
    product of the two experts, in one linear model)."""
    # scikit-learn is imported where it is used: the data lists and digests are read by tests without it.
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    present = [set(features) for features in samples]  # a feature counts once, as at run time
    documents = Counter(feature for features in present for feature in features)
    kept = [{f: 1.0 for f in features if documents[f] >= MIN_DOCUMENTS} for features in present]
    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform(kept)
    weights = None if sample_weight is None else list(sample_weight)
    model = LogisticRegression(C=c, max_iter=5000, class_weight=class_weight).fit(matrix, labels,
                                                                                  sample_weight=weights)
    classes = [str(c) for c in model.classes_]
    coefficients = model.coef_.T  # features x classes
    intercepts = model.intercept_
    per_feature = None
    if nb_weight:
        bayes = MultinomialNB(alpha=NB_ALPHA).fit(matrix, labels, sample_weight=weights)
        if [str(c) for c in bayes.classes_] != classes:
            raise AssertionError("the two experts ordered the classes differently")
        # log P(f | c) = log(count + alpha) - log(class total + alpha * features): the first part is nothing for
        # a feature the class never had (log alpha, taken into the second), the second is the class's alone
        counts = bayes.feature_count_.T  # features x classes
        coefficients = coefficients + nb_weight * (np.log(counts + NB_ALPHA) - np.log(NB_ALPHA))
        smoothing = nb_weight * (np.log(NB_ALPHA) - np.log(counts.sum(axis=0) + NB_ALPHA * counts.shape[0]))
        per_feature = tuple(round(float(v), 4) for v in smoothing - smoothing.mean())
        intercepts = intercepts + nb_weight * bayes.class_log_prior_
    # a feature adds the same to every class's score through its median, which the softmax ignores
    coefficients = coefficients - np.median(coefficients, axis=1, keepdims=True)
    intercepts = intercepts - intercepts.mean()
    weights_out: dict[str, list[Any]] = {}
    for feature, row in zip(vectoriser.get_feature_names_out(), coefficients, strict=True):
        pairs: list[Any] = []
        for i, w in enumerate(row):
            if abs(w) >= PRUNE_BELOW:
                pairs += [i, round(float(w), DECIMALS)]
        if pairs or per_feature is not None:  # a known feature counts for the per-feature weights
            weights_out[str(feature)] = pairs
    return LinearModel(tuple(classes), tuple(round(float(b), 4) for b in intercepts), weights_out, per_feature)


def cooled(model: LinearModel, temperature: float) -> LinearModel:
    """The model with its scores divided by the temperature (its probabilities softer, its choices the same)."""
    return replace(model, temperature=temperature)


def calibrated(probabilities: dict[str, float], temperature: float) -> dict[str, float]:
    """Probabilities as the model divided by the temperature gives them (softmax(log p / t) = softmax(s / t))."""
    logs = {c: math.log(max(p, 1e-12)) / temperature for c, p in probabilities.items()}
    top = max(logs.values())
    exps = {c: math.exp(v - top) for c, v in logs.items()}
    whole = sum(exps.values())
    return {c: e / whole for c, e in exps.items()}


def choose_temperature(predicted: Sequence[tuple[dict[str, float], str]]) -> float:
    """The temperature whose cross-validated probabilities give the right categories the lowest log-loss."""
    def loss(t: float) -> float:
        return -sum(math.log(max(calibrated(p, t).get(label, 0.0), 1e-12)) for p, label in predicted)
    return min(MODEL_TEMPERATURES, key=loss)


def fit_models(rows: list[Row], policy: Policy, vote: dict[str, float], nature_weighting: str | None = None,
               borrowed: Sequence[Row] = ()) -> TrainedModels:
    """The category model learns from the rows and the borrowed ones (borrowed_rows), the nature model from the
    rows alone; the category model's scores are divided by the vote's model_temperature."""
    rules = PhraseRules(policy)
    normals = [normalise(r.text) for r in rows]
    texts = [text_features(n) for n in normals]
    extra = [text_features(normalise(r.text)) for r in borrowed]
    category = _fit(texts + extra, [r.category for r in rows] + [r.category for r in borrowed], C_CATEGORY,
                    sample_weight=[1.0] * len(rows) + [BORROWED_WEIGHT] * len(borrowed), nb_weight=NB_WEIGHT)
    category = cooled(category, vote.get("model_temperature", 1.0))
    nature = _fit([t + cue_features(rules, n) for t, n in zip(texts, normals, strict=True)],
                  [r.nature for r in rows], C_NATURE, nature_weighting, nb_weight=NATURE_NB_WEIGHT)
    nature = cooled(nature, vote.get("nature_temperature", 1.0))
    return TrainedModels(category, nature, vote, {})


def choose_nature_weighting(rows: list[Row], policy: Policy) -> tuple[str | None, float, dict[str, float]]:
    """Whether the nature model weighs each nature alike ("balanced": the communicative natures are fewer in
    the training data than at a desk) or by its share of the rows, whichever cross-validates better; and the
    temperature its cross-validated probabilities are best read at (choose_temperature)."""
    rules = PhraseRules(policy)
    normals = [normalise(r.text) for r in rows]
    samples = [text_features(n) + cue_features(rules, n) for n in normals]
    grid: dict[str, float] = {}
    predicted: dict[str, list[tuple[dict[str, float], str]]] = {}
    for weighting in NATURE_WEIGHTINGS:
        predicted[str(weighting)] = []
        for train, test in folds(rows):
            model = _fit([samples[i] for i in train], [rows[i].nature for i in train], C_NATURE, weighting,
                         nb_weight=NATURE_NB_WEIGHT)
            predicted[str(weighting)] += [(model.probabilities(samples[i]), rows[i].nature) for i in test]
        right = sum(max(natures, key=lambda n: natures[n]) == label for natures, label in predicted[str(weighting)])
        grid[str(weighting)] = round(right / len(rows), 4)
    best = max(NATURE_WEIGHTINGS, key=lambda w: grid[str(w)])
    return best, choose_temperature(predicted[str(best)]), grid


def folds(rows: list[Row]) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    return [(list(a), list(b)) for a, b in splitter.split([r.text for r in rows], [r.category for r in rows])]


def choose_vote(rows: list[Row], policy: Policy, honest: set[str], borrowed: Sequence[Row] = ()
                ) -> tuple[dict[str, float], dict[str, float], dict[str, Any]]:
    """The category model's temperature (choose_temperature), then the rules' weight and temperature that classify
    best in cross-validation, on rows the rules never saw, and whether scaling the weight by the rules'
    per-category precision (their trust) does better. Each fold's rows are voted on with the trust measured on the
    other folds; the shipped trust is measured on all of them."""
    categories = list(policy.categories)
    rules = PhraseRules(policy)
    held: list[tuple[int, Row, dict[str, float], dict[str, float]]] = []
    for fold, (train, test) in enumerate(folds(rows)):
        models = fit_models([rows[i] for i in train], policy, {"rule_weight": 0.0, "rule_temperature": 1.0},
                            borrowed=borrowed)
        for i in test:
            if rows[i].source in honest:
                normal = normalise(rows[i].text)
                held.append((fold, rows[i], models.category.probabilities(text_features(normal)),
                             rules.scores(rows[i].text, None)[0]))
    cooling = choose_temperature([(model, row.category) for _, row, model, _ in held])
    held = [(fold, row, calibrated(model, cooling), scores) for fold, row, model, scores in held]
    grid: dict[str, Any] = {}
    best: tuple[float, dict[str, float], bool] = (-1.0, {"rule_weight": 0.0, "rule_temperature": 1.0}, False)
    for temperature in RULE_TEMPERATURES:
        ruled = [rule_probabilities(scores, categories, policy.triage.min_score, temperature)
                 for _, _, _, scores in held]
        trusts = {fold: rule_trust([(r, row) for (f, row, _, _), r in zip(held, ruled, strict=True) if f != fold])
                  for fold in range(FOLDS)}
        for weight in RULE_WEIGHTS:
            for trusted in (False, True):
                right = 0
                for (fold, row, model, _), rp in zip(held, ruled, strict=True):
                    votes = combine(model, rp, weight, trusts[fold] if trusted else {})
                    right += max(votes, key=lambda c: votes[c]) == row.category
                share = right / len(held)
                grid[f"{weight}/{temperature}{'/trust' if trusted else ''}"] = round(share, 4)
                if share > best[0] + 1e-9:
                    best = (share, {"rule_weight": weight, "rule_temperature": temperature}, trusted)
    _, vote, trusted = best
    vote = {**vote, "model_temperature": cooling}
    trust = {}
    if trusted:
        trust = rule_trust([(rule_probabilities(scores, categories, policy.triage.min_score,
                                                vote["rule_temperature"]), row) for _, row, _, scores in held])
    return vote, trust, grid


def rule_trust(voted: Sequence[tuple[dict[str, float], Row]]) -> dict[str, float]:
    """Per category, how often the rules' favourite was right when it was that category (one right and one
    wrong guess added to each, so a category the rules seldom favour is trusted by half)."""
    favoured = Counter(max(ruled, key=lambda c: ruled[c]) for ruled, _ in voted)
    right = Counter(row.category for ruled, row in voted if max(ruled, key=lambda c: ruled[c]) == row.category)
    return {c: round((right[c] + 1) / (n + 2), 3) for c, n in favoured.items()}


def digest(files: Sequence[str]) -> dict[str, str]:
    return {name: hashlib.sha256((DATA / name).read_bytes()).hexdigest() for name in files}


def inputs(profile: str) -> list[str]:
    """The files a profile's model depends on: what it learns from, and the held-out sets that filter it."""
    return training_files(profile) + list(HELD_OUT[profile].values())


def train(profile: str) -> tuple[dict[str, Any], dict[str, Any]]:
    policy = load_policy(profile)
    files = training_files(profile)
    rows, dropped = training_rows(profile)
    honest = set(files) - RULES_WRITTEN_FROM.get(profile, set())
    borrowed = borrowed_rows(profile)
    vote, trust, grid = choose_vote(rows, policy, honest, borrowed)
    weighting, nature_temperature, nature_grid = choose_nature_weighting(rows, policy)
    vote = {**vote, "nature_temperature": nature_temperature}
    models = fit_models(rows, policy, vote, weighting, borrowed)
    document = {"features_version": FEATURES_VERSION, "profile": profile, "trained_on": digest(inputs(profile)),
                "vote": vote, "rule_trust": trust, "nature_weighting": weighting,
                "category": models.category.to_dict(DECIMALS), "nature": models.nature.to_dict(DECIMALS)}
    return document, {"rows": len(rows), "dropped": len(dropped), "borrowed": len(borrowed), "vote": vote,
                      "trust": trust, "grid": grid,
                      "nature_weighting": weighting, "nature_grid": nature_grid,
                      "category_weights": len(models.category.weights), "nature_weights": len(models.nature.weights)}


def model_path(policy: Policy) -> Path:
    if policy.text_model is None:
        raise SystemExit(f"the {policy.profile} profile names no text_model file")
    return POLICY_DIR / policy.text_model.model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="telecom", choices=sorted(TRAINING))
    args = parser.parse_args()
    document, summary = train(args.profile)
    path = model_path(load_policy(args.profile))
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    grid = summary["grid"]
    plain = max((k for k in grid if not k.endswith("/trust")), key=lambda k: grid[k])
    trusted = max((k for k in grid if k.endswith("/trust")), key=lambda k: grid[k])
    print(f"{args.profile}: {summary['rows']} complaints ({summary['dropped']} left out, close to a held-out one), "
          f"{summary['borrowed']} borrowed from the other profiles; rules' weight {summary['vote']['rule_weight']}, "
          f"temperature {summary['vote']['rule_temperature']}, the model's temperature "
          f"{summary['vote']['model_temperature']}, {'scaled by' if summary['trust'] else 'without'} "
          f"the rules' per-category trust (best cross-validated category accuracy by weight/temperature: "
          f"{plain} {grid[plain]:.1%}, {trusted} {grid[trusted]:.1%})")
    if summary["trust"]:
        print(f"rules' trust by category: {summary['trust']}")
    print(f"nature classes weighted {summary['nature_weighting'] or 'by their share'}, temperature "
          f"{summary['vote']['nature_temperature']} (cross-validated nature "
          f"accuracy by weighting: {summary['nature_grid']})")
    print(f"wrote {path.name}: {path.stat().st_size / 1024:.0f} KB, {summary['category_weights']} category and "
          f"{summary['nature_weights']} nature features")


if __name__ == "__main__":
    main()
