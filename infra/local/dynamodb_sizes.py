"""DynamoDB's sizing of items, as its limits and capacity units count them.

An item's size is the sum of its attribute names' UTF-8 bytes and their
values' sizes: strings by their UTF-8 bytes, numbers by about one byte per
two significant digits plus one, binary by its length, lists and maps by
their members plus three bytes and one per member.
"""

from __future__ import annotations

import math
from typing import Any


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of a DynamoDB attribute value, as DynamoDB sizes items."""
    (kind, data), = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        digits = str(data).lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(attribute_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + attribute_size(v) + 1 for k, v in data.items())
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: v}) for v in data)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())
