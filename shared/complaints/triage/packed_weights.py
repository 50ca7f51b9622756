"""A model file's weights, packed (PackedWeights), and their rows as integers for scoring (SummedRows).

The file packs the weights instead of writing a JSON list per feature: the
features as one string, one per line, and each feature's class indexes and
weights (whole hundredths, the precision training rounds to) as base64 arrays.
Reading a JSON list per feature made a few hundred thousand objects, most of a
cold start's model load; the packed file makes one string per feature and a
dict from feature to its place, and a feature's weights become numbers only
when a complaint has it.

A model read from a file adds up whole units instead of floats: a feature's
row is one integer with a 64-bit field per class (its weight in units, raised
by 2 ** 31 so that it is never negative) and one more counting it as known,
so the rows of a complaint's features are added in one sum() of integers,
exactly, and each class's field is read back and rounded once. Adding the
columns with math.fsum was a fifth of a classification.
"""

from __future__ import annotations

import array
import base64
import binascii
import itertools
import sys
from collections.abc import Iterator, Mapping
from typing import Any

FIELD = 64  # bits a class's sum has in a packed row: room for 2 ** 32 features of at most 2 ** 32 units each
MASK = (1 << FIELD) - 1
BIAS = 1 << 31  # added to every weight in units (a 32-bit integer) so that no field is negative


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
        weight in units plus BIAS, each FIELD bits wide; 0 for a feature the model does not know, so that a
        sum of rows has the number of known features in field 0 and each class's units plus that many BIAS."""
        at = self._index.get(feature)
        if at is None:
            return 0
        units = [0] * size
        for i in range(self._offsets[at], self._offsets[at + 1]):
            units[self._classes[i]] += self._units[i]
        row = 1
        for i, unit in enumerate(units):
            row |= (unit + BIAS) << (FIELD * (i + 1))
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


class SummedRows(dict[str, int]):
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
