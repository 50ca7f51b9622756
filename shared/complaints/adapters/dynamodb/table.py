"""The one table the stores share: its name, its client (made on first use) and the reads they all need."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.core.errors import VersionConflict
from complaints.core.record import ComplaintRecord, Incident

_BATCH_KEYS = 100  # BatchGetItem's limit


class Table:
    def __init__(self, name: str, timer_shards: int, client: Any = None,
                 indexes: dict[str, str] | None = None) -> None:
        self.name = name
        self.timer_shards = timer_shards
        self._client = client
        # The deployed name of each index the stores query ("timers", "queue", "owner"): another name while
        # an index is replaced on a deployed table (docs/index-migration.md).
        self.indexes = {"timers": "timers", "queue": "queue", "owner": "owner", **(indexes or {})}
        self.shard_group: tuple[int, int] | None = None  # (group, groups): timer queries read only its shards

    def sweeping(self, group: int, groups: int) -> Table:
        """The same table whose timer queries read one group's shards: those with shard % groups == group.

        Each scheduled sweep takes one group, so the sweeps of a large due set run side by side. The timers
        kept in one shard only (digests, incident ages) fall to group 0.
        """
        if not 0 <= group < groups:
            raise ValueError(f"shard group {group} is not one of 0..{groups - 1}")
        view = copy.copy(self)
        view.shard_group = (group, groups)
        return view

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def get(self, key: keys.Key) -> dict[str, Any] | None:
        """One item by its key, read consistently, as plain values."""
        found = self.client.get_item(TableName=self.name, ConsistentRead=True, Key=item(key)).get("Item")
        return from_item(found) if found is not None else None

    def query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item a query finds, page after page, as stored."""
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.name, **kwargs):
            yield from page.get("Items", [])

    def batch_get(self, wanted: list[keys.Key], *, consistent: bool = False) -> Iterator[dict[str, Any]]:
        """The items of up to 100 keys that exist, as plain values, asking again for any left unprocessed."""
        request: dict[str, Any] = {self.name: {"Keys": [item(k) for k in wanted]}}
        if consistent:
            request[self.name]["ConsistentRead"] = True
        while request:
            answer = self.client.batch_get_item(RequestItems=request)
            for found in answer.get("Responses", {}).get(self.name, []):
                yield from_item(found)
            request = answer.get("UnprocessedKeys") or {}

    def fetch(self, entries: list[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
        """The whole items behind index entries (which carry the table's keys), in the entries' order.

        The queue, owner and timers indexes project only what their queries select by: a copy of the whole
        aggregate in each would be rewritten at every change of a complaint. Whoever needs the item reads it.
        """
        wanted = [{"PK": str(entry["PK"]), "SK": str(entry["SK"])} for entry in entries]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(wanted), _BATCH_KEYS):
            for data in self.batch_get(wanted[start:start + _BATCH_KEYS], consistent=consistent):
                found[(str(data["PK"]), str(data["SK"]))] = data
        return [found[key] for key in ((k["PK"], k["SK"]) for k in wanted) if key in found]

    def due(self, kind: str, now: datetime, shards: int) -> Iterator[dict[str, Any]]:
        """Index entries of one kind of timer that are due, shard by shard: cost grows with due items only.

        An entry carries the item's keys, its timer keys and what the timers' readers select by (the timers
        index's INCLUDE projection in template.yaml); `fetch` reads the whole items.
        """
        upper = keys.due_by(now)
        for shard in range(shards):
            if self.shard_group is not None and shard % self.shard_group[1] != self.shard_group[0]:
                continue  # another group's sweep reads it
            for found in self.query(IndexName=self.indexes["timers"],
                                    KeyConditionExpression="TPK = :pk AND TSK <= :now",
                                    ExpressionAttributeValues=item({":pk": keys.due_partition(kind, shard),
                                                                    ":now": upper})):
                yield from_item(found)

    def put(self, attrs: dict[str, Any], *, condition: str | None = None) -> dict[str, Any]:
        """A transaction item that puts the given attributes, under a condition if given."""
        put: dict[str, Any] = {"TableName": self.name, "Item": item(attrs)}
        if condition:
            put["ConditionExpression"] = condition
        return {"Put": put}

    def write_versioned(self, items: list[dict[str, Any]], target: ComplaintRecord | Incident, expected: int,
                        what: str) -> None:
        """Write items whose first is conditional on the target's version; put the version back if refused."""
        try:
            with conditional(what, refused=VersionConflict):
                self.client.transact_write_items(TransactItems=items)
        except (ClientError, VersionConflict):
            target.version = expected
            raise
