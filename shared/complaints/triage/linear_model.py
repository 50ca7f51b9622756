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
A feature's weights become a row with one weight per class the first time a
complaint has it, kept for the next (at most one row per feature of the
model): a score is the column sums of the rows of the features present, which
Python adds up in C, where adding pair by pair took twice as long. The sums
are exact before their one rounding (math.fsum), so a score comes out the
same on every Python version (sum() compensates from 3.12 on); a feature's
push towards a class, rounded to three decimals for the agent, is its weight
against the weights' mean added up in the file's order, as it always was.

A model read from a file adds up whole units instead of floats: a feature's
row is one integer with a 64-bit field per class (its weight in units, raised
by 2 ** 31 so that it is never negative) and one more counting it as known,
so the rows of a complaint's features are added in one sum() of integers,
exactly, and each class's field is read back and rounded once. Adding the
columns with math.fsum was a fifth of a classification.

The file packs the weights (PackedWeights) instead of writing a JSON list per
feature: the features as one string, one per line, and each feature's class
indexes and weights (whole hundredths, the precision training rounds to) as
base64 arrays. Reading a JSON list per feature made a few hundred thousand
objects, most of a cold start's model load; the packed file makes one string
per feature and a dict from feature to its place, and a feature's weights
become numbers only when a complaint has it.
"""

from __future__ import annotations

import array
import base64
import binascii
import heapq
import itertools
import json
import math
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from complaints.triage.features import FEATURES_VERSION

_FIELD = 64  # bits a class's sum has in a packed row: room for 2 ** 32 features of at most 2 ** 32 units each
_MASK = (1 << _FIELD) - 1
_BIAS = 1 << 31  # added to every weight in units (a 32-bit integer) so that no field is negative


class ModelFileError(ValueError):
    """The model file is missing, unreadable or was written for other features."""


class PackedWeights(Mapping[str, list[Any]]):
    """A model's weights as the file packs them, read as feature -> [class index, weight, ...] on demand.

    `features` is every feature the model knows, one per line; `pairs` has one byte per feature, how many
    (class index, weight) pairs it has; `classes` one byte per pair, its class index; `weights` one little-endian
    32-bit integer per pair, its weight in units of 10 ** -decimals (the precision training rounds weights to).
    """

    __slots__ = ("_index", "_offsets", "_classes", "_units", "_scale")

    def __init__(self, packed: Mapping[str, Any], classes: int) -> None:
        try:
            names = packed["features"].split("\n") if packed["features"] else []
            counts = base64.b64decode(packed["pairs"], validate=True)
            self._classes = base64.b64decode(packed["classes"], validate=True)
            units = array.array("i")
            units.frombytes(base64.b64decode(packed["weights"], validate=True))
            decimals = packed["decimals"]
        except (KeyError, TypeError, AttributeError, ValueError, binascii.Error) as exc:
            raise ModelFileError(f"a model's packed weights are unreadable: {exc!r}") from exc
        if sys.byteorder == "big":
            units.byteswap()
        self._index = dict(zip(names, range(len(names)), strict=True))
        if len(self._index) != len(names) or len(counts) != len(names):
            raise ModelFileError("a model's packed weights need one pair count per feature, each feature once")
        self._offsets = array.array("q", itertools.accumulate(counts, initial=0))
        if not self._offsets[-1] == len(self._classes) == len(units):
            raise ModelFileError("a model's packed weights need one class index and one weight per pair")
        if self._classes and max(self._classes) >= classes:
            raise ModelFileError("a model weight names a class the model does not have")
        if type(decimals) is not int or not 0 <= decimals <= 9:
            raise ModelFileError("a model's packed weights need their decimals, 0 to 9")
        self._units, self._scale = units, 10 ** decimals

    @staticmethod
    def pack(weights: Mapping[str, list[Any]], decimals: int) -> dict[str, Any]:
        """The file's form of feature -> [class index, weight, ...] whose weights have at most `decimals` decimals."""
        scale = 10 ** decimals
        counts, classes, units = bytearray(), bytearray(), array.array("i")
        for feature, pairs in weights.items():
            if "\n" in feature:
                raise ValueError(f"a feature cannot hold a line break: {feature!r}")
            if len(pairs) // 2 > 255 or any(not 0 <= i < 256 for i in pairs[0::2]):
                raise ValueError(f"{feature}: a packed model holds at most 256 classes, a pair per class")
            counts.append(len(pairs) // 2)
            classes.extend(pairs[0::2])
            for weight in pairs[1::2]:
                unit = round(weight * scale)
                if unit / scale != weight:
                    raise ValueError(f"{feature}'s weight {weight} has more than {decimals} decimals")
                units.append(unit)
        if sys.byteorder == "big":
            units.byteswap()
        return {"features": "\n".join(weights), "decimals": decimals,
                "pairs": base64.b64encode(counts).decode(), "classes": base64.b64encode(classes).decode(),
                "weights": base64.b64encode(units.tobytes()).decode()}

    def row(self, feature: str, size: int) -> tuple[tuple[float, ...], float] | None:
        """The feature's weight for each of `size` classes and their sum in the file's order; None if unknown."""
        at = self._index.get(feature)
        if at is None:
            return None
        dense = [0.0] * size
        total = 0.0
        scale = self._scale
        for i in range(self._offsets[at], self._offsets[at + 1]):
            weight = self._units[i] / scale  # the double nearest the decimal, as reading "0.24" gives
            dense[self._classes[i]] += weight
            total += weight
        return tuple(dense), total

    def summed_row(self, feature: str, size: int) -> int:
        """The feature's row as one integer: field 0 is 1 (a feature the model knows), field i + 1 is class i's
        weight in units plus _BIAS, each _FIELD bits wide; 0 for a feature the model does not know, so that a
        sum of rows has the number of known features in field 0 and each class's units plus that many _BIAS."""
        at = self._index.get(feature)
        if at is None:
            return 0
        units = [0] * size
        for i in range(self._offsets[at], self._offsets[at + 1]):
            units[self._classes[i]] += self._units[i]
        row = 1
        for i, unit in enumerate(units):
            row |= (unit + _BIAS) << (_FIELD * (i + 1))
        return row

    @property
    def scale(self) -> int:
        """Units in one: a weight is its units divided by it."""
        return self._scale

    def __getitem__(self, feature: str) -> list[Any]:
        at = self._index[feature]
        start, end = self._offsets[at], self._offsets[at + 1]
        return [x for i in range(start, end) for x in (self._classes[i], self._units[i] / self._scale)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class _SummedRows(dict[str, int]):
    """feature -> PackedWeights.summed_row, made the first time a complaint has the feature and kept (at most one
    per feature of the model): a complaint's lookups are a map() in C, calling back only for a feature not yet met
    or unknown. An unknown feature reads 0 and is not kept, as the texts' unknown n-grams have no end."""

    __slots__ = ("_weights", "_size", "scale")

    def __init__(self, weights: PackedWeights, size: int) -> None:
        super().__init__()
        self._weights = weights
        self._size = size
        self.scale = weights.scale  # units in one

    def __missing__(self, feature: str) -> int:
        row = self._weights.summed_row(feature, self._size)
        if row:
            self[feature] = row
        return row


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
    # a model read from a file: feature -> its row as one integer (_SummedRows), what scores() adds up
    _summed: _SummedRows | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.weights, PackedWeights):
            object.__setattr__(self, "_summed", _SummedRows(self.weights, len(self.classes)))

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
            known = total & _MASK
            if not known:
                return list(self.intercepts)
            scale = summed.scale
            raised = known * _BIAS
            totals = [b + (((total >> (_FIELD * i)) & _MASK) - raised) / scale
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
