"""A trained linear classifier read from a small JSON file, scored in pure Python.

The file is written by bench/train_classifier.py (scikit-learn's logistic
regression over complaints.triage.features) and shipped with the policy
profile, so a Lambda function loads it without numpy or scikit-learn. A
feature counts once however often it occurs, as in training; a class's score
is its intercept plus the weights of the features present (and, in a model
with per-feature weights, that class's per-feature weight once for every
feature present that the model knows), and the scores become probabilities
through the softmax, after being divided by the model's temperature (chosen
at training so the probabilities are as sure as the model is right; it
changes no choice, only how sure each is). A feature the model knows with no
weight left is kept with an empty list, so it is still counted. Weights too
small to change an answer were left out of the file when it was written.
In a model made in code (training's, the tests'), a feature's weights become
a row with one weight per class the first time a complaint has it, kept for the next (at most one row per feature of the
model): a score is the column sums of the rows of the features present, which
Python adds up in C, where adding pair by pair took twice as long. The sums
are exact before their one rounding (math.fsum), so a score comes out the
same on every Python version (sum() compensates from 3.12 on); a feature's
push towards a class, rounded to three decimals for the agent, is its weight
against the weights' mean added up in the file's order, as it always was.

The file packs its weights, and a model read from one scores them as integer sums:
complaints.triage.packed_weights.
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaints.triage.features import FEATURES_VERSION
from complaints.triage.packed_weights import BIAS, FIELD, MASK, ModelFileError, PackedWeights, SummedRows


@dataclass(frozen=True)
class LinearModel:
    classes: tuple[str, ...]
    intercepts: tuple[float, ...]
    # feature -> [class index, weight, class index, weight, ...]: PackedWeights when read from a file, so loading
    # builds no list or number per feature (a cold start pays for every object made here)
    weights: Mapping[str, list[Any]]
    # per class, what every feature the model knows adds to its score (a naive Bayes expert's smoothing, which
    # differs by class): stored once instead of beside every feature; none in a plain regression
    per_feature: tuple[float, ...] | None = None
    # the scores are divided by it before the softmax: kept apart from the weights so that they are rounded at the
    # scale they were learnt at
    temperature: float = 1.0
    # feature -> its weight for every class, made the first time a complaint has the feature, so that a cold start
    # still builds nothing per feature
    _rows: dict[str, tuple[float, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)
    # feature -> its weights added up in the file's order, as `contributions` has always added them
    _totals: dict[str, float] = field(default_factory=dict, init=False, repr=False, compare=False)
    # a model read from a file: feature -> its row as one integer (SummedRows), what scores() adds up
    _summed: SummedRows | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.weights, PackedWeights):
            object.__setattr__(self, "_summed", SummedRows(self.weights, len(self.classes)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearModel:
        classes = tuple(str(c) for c in data["classes"])
        intercepts = tuple(float(v) for v in data["intercepts"])
        if len(intercepts) != len(classes):
            raise ModelFileError("a model needs one intercept per class")
        packed = data.get("packed")
        if not isinstance(packed, dict):
            raise ModelFileError("a model's weights are packed (a file from before they were: run `make model`)")
        weights = PackedWeights(packed, len(classes))
        per_feature = data.get("per_feature")
        if per_feature is not None and len(per_feature) != len(classes):
            raise ModelFileError("a model's per-feature weights need one value per class")
        temperature = float(data.get("temperature", 1.0))
        if not temperature > 0:
            raise ModelFileError("a model's temperature must be above zero")
        return cls(classes, intercepts, weights,
                   None if per_feature is None else tuple(float(v) for v in per_feature), temperature)

    def to_dict(self, decimals: int = 2) -> dict[str, Any]:
        """The file's form; the weights must have at most `decimals` decimals (training rounds them to 2)."""
        data = {"classes": list(self.classes), "intercepts": list(self.intercepts),
                "packed": PackedWeights.pack(self.weights, decimals)}
        if self.per_feature is not None:
            data["per_feature"] = list(self.per_feature)
        if self.temperature != 1.0:
            data["temperature"] = self.temperature
        return data

    def _row(self, feature: str) -> tuple[float, ...] | None:
        """The feature's weight for each class (0 where it has none), or None for a feature the model never saw."""
        row = self._rows.get(feature)
        if row is None:
            weights = self.weights
            if isinstance(weights, PackedWeights):
                found = weights.row(feature, len(self.classes))
                if found is None:
                    return None
                row, self._totals[feature] = found
            else:  # a model made in code (training, tests): feature -> [class index, weight, ...]
                pairs = weights.get(feature)
                if pairs is None:
                    return None
                dense = [0.0] * len(self.classes)
                total = 0.0
                for i in range(0, len(pairs), 2):
                    dense[pairs[i]] += pairs[i + 1]
                    total += pairs[i + 1]
                self._totals[feature] = total
                row = tuple(dense)
            self._rows[feature] = row
        return row

    def scores(self, features: Iterable[str]) -> list[float]:
        summed = self._summed
        if summed is not None:
            total = sum(map(summed.__getitem__, set(features)))
            known = total & MASK
            if not known:
                return list(self.intercepts)
            scale = summed.scale
            raised = known * BIAS
            totals = [b + (((total >> (FIELD * i)) & MASK) - raised) / scale
                      for i, b in enumerate(self.intercepts, start=1)]
            if self.per_feature is not None:
                totals = [t + known * w for t, w in zip(totals, self.per_feature, strict=True)]
            return totals
        rows = [row for row in map(self._row, set(features)) if row is not None]
        if not rows:
            return list(self.intercepts)
        totals = [b + s for b, s in zip(self.intercepts, map(math.fsum, zip(*rows, strict=True)), strict=True)]
        if self.per_feature is not None:
            known = len(rows)
            totals = [t + known * w for t, w in zip(totals, self.per_feature, strict=True)]
        return totals

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        totals = self.scores(features)
        top = max(totals)
        cooling = self.temperature
        exps = [math.exp((t - top) / cooling) for t in totals]
        whole = sum(exps)
        return {c: e / whole for c, e in zip(self.classes, exps, strict=True)}

    def contributions(self, features: Iterable[str], label: str, limit: int = 5) -> list[tuple[str, float]]:
        """The features that pushed hardest towards `label` (its weight against the classes' mean)."""
        index = self.classes.index(label)
        size = len(self.classes)
        raw: list[tuple[float, str]] = []
        for feature in set(features):
            row = self._row(feature)
            if row is not None:
                push = row[index] - self._totals[feature] / size
                if push > 0.0004:  # rounds to more than nothing at three decimals
                    raw.append((push, feature))
        if len(raw) > limit > 0:  # only those that can still be among the first `limit` once rounded are rounded
            floor = heapq.nlargest(limit, raw)[-1][0] - 0.001
            raw = [push for push in raw if push[0] >= floor]
        pushes = [(feature, round(push, 3)) for push, feature in raw]
        return sorted((p for p in pushes if p[1] > 0), key=lambda p: (-p[1], p[0]))[:limit]  # ties by name: stable


@dataclass(frozen=True)
class TrainedModels:
    """The category and nature models of one policy profile, with what they were trained on."""

    category: LinearModel
    nature: LinearModel
    vote: Mapping[str, float]
    trained_on: Mapping[str, str]
    nature_weighting: str | None = None  # how training weighed the natures ("balanced" or by share), for make eval
    # per category, how far the rules are trusted when it is their favourite (their cross-validated precision)
    rule_trust: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TrainedModels:
        try:
            with path.open(encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"cannot read the classifier model {path.name}: {exc}") from exc
        if data.get("features_version") != FEATURES_VERSION:
            raise ModelFileError(f"{path.name} was trained with features version {data.get('features_version')}, "
                                 f"this code extracts version {FEATURES_VERSION}: run `make model`")
        try:
            return cls(LinearModel.from_dict(data["category"]), LinearModel.from_dict(data["nature"]),
                       {str(k): float(v) for k, v in data["vote"].items()}, dict(data.get("trained_on", {})),
                       data.get("nature_weighting"),
                       {str(k): float(v) for k, v in data.get("rule_trust", {}).items()})
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{path.name} is not a classifier model: {exc!r}") from exc
