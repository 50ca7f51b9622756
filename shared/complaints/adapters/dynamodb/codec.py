"""Python values to DynamoDB attribute values and back.

Floats are stored as Decimals and come back as floats (integral numbers as
ints); None is never stored, so an absent attribute and a None read the same.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_attr(value: Any) -> dict[str, Any]:
    """One value as a DynamoDB attribute value."""
    return _serializer.serialize(_decimals(value))


def item(attrs: dict[str, Any]) -> dict[str, Any]:
    """A mapping as a DynamoDB item (or key, or expression values), leaving out None."""
    return {k: to_attr(v) for k, v in attrs.items() if v is not None}


def from_item(stored: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values."""
    return {k: plain(_deserializer.deserialize(v)) for k, v in stored.items()}


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value
