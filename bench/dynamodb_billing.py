"""DynamoDB's billing of a request, from the items it reads and writes (bench/metering.py meters with it).

Write units: 1 KB units of the larger of the item's sizes before and after the write (an update, a delete
and an overwrite alike), twice inside a transaction, plus each index that holds what changed (one unit for
the small projections, the item's units for ALL; a changed index key is a delete and a put). Read units: 4
KB units of what a read returns, halved when eventually consistent. The sizes before a write come from the
local stack's moto backend, read just before moto acts on the request.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from infra.local.dynamodb_sizes import item_size
from infra.local.template import load_template

__all__ = ["INDEX_ATTRIBUTES", "INDEX_KEY_NAMES", "INDEX_KEYS", "item_size", "key_id", "key_of", "rru", "stored",
           "stored_size", "updated_names", "written_keys", "wru"]

REGION = "us-east-1"  # the local stack's
# Index key attributes of the complaints table: an item carrying one is also written to that index.
# The complaints table's indexes as the template declares them: each one's partition key, and which keep
# only a few attributes (a small projection costs one unit per write).
_INDEXES = load_template(Path(__file__).resolve().parents[1] / "template.yaml")[
    "Resources"]["ComplaintsTable"]["Properties"]["GlobalSecondaryIndexes"]
INDEX_KEYS = {index["IndexName"]: next(k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH")
              for index in _INDEXES}
INCLUDE_PROJECTIONS = {index["IndexName"] for index in _INDEXES if index["Projection"]["ProjectionType"] != "ALL"}
# Each index's key attributes, its partition key and its sort key: a write that changes one moves the entry.
INDEX_KEY_NAMES = {index["IndexName"]: {k["AttributeName"] for k in index["KeySchema"]} for index in _INDEXES}
# What each index holds: its keys and the table's, and its projected attributes (None: every attribute).
INDEX_ATTRIBUTES: dict[str, set[str] | None] = {
    index["IndexName"]: None if index["Projection"]["ProjectionType"] == "ALL" else {
        "PK", "SK", *(k["AttributeName"] for k in index["KeySchema"]),
        *index["Projection"].get("NonKeyAttributes", [])} for index in _INDEXES}
_NAME = re.compile(r"[#:]?[A-Za-z_][A-Za-z0-9_]*")
_NOT_NAMES = {"SET", "REMOVE", "ADD", "DELETE", "if_not_exists", "list_append"}

def wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def rru(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


def written_keys(name: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of every item a write request changes."""
    if name == "PutItem":
        return [(params["TableName"], key_of(params["TableName"], params["Item"]))]
    if name in ("UpdateItem", "DeleteItem"):
        return [(params["TableName"], params["Key"])]
    if name == "TransactWriteItems":
        found = []
        for entry in params["TransactItems"]:
            (kind, body), = entry.items()
            if kind != "ConditionCheck":
                table = body["TableName"]
                found.append((table, key_of(table, body["Item"]) if kind == "Put" else body["Key"]))
        return found
    if name == "BatchWriteItem":
        return [(table, key_of(table, r["PutRequest"]["Item"]) if "PutRequest" in r else r["DeleteRequest"]["Key"])
                for table, requests in params["RequestItems"].items() for r in requests]
    return []


def _table(name: str) -> Any:
    from infra.local.stack import ACCOUNT  # the stack's module imports much; only a write needs it

    try:
        return dynamodb_backends[ACCOUNT][REGION].get_table(name)
    except Exception:  # noqa: BLE001 - moto's own not-found error; a table the meter cannot see sizes 0
        return None


def key_of(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    table = _table(table_name)
    names = [table.hash_key_attr, table.range_key_attr] if table is not None else ["PK", "SK"]
    return {name: item[name] for name in names if name and name in item}


def key_id(key: dict[str, Any]) -> str:
    return repr(sorted((name, repr(value)) for name, value in key.items()))


def stored(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item as moto holds it now, in DynamoDB's JSON."""
    table = _table(table_name)
    if table is None or table.hash_key_attr not in key:
        return None
    ranged = DynamoType(key[table.range_key_attr]) if table.range_key_attr and table.range_key_attr in key else None
    found = table.get_item(DynamoType(key[table.hash_key_attr]), ranged)
    return dict(found.to_json()["Attributes"]) if found is not None else None


def stored_size(table_name: str, key: dict[str, Any]) -> int:
    found = stored(table_name, key)
    return item_size(found) if found else 0


def updated_names(body: dict[str, Any]) -> set[str]:
    """The attributes an update expression sets or removes."""
    names = body.get("ExpressionAttributeNames") or {}
    return {names.get(token, token) for token in _NAME.findall(str(body.get("UpdateExpression", "")))
            if token not in _NOT_NAMES and not token.startswith(":")}
