"""Portals' outbound webhooks and the status events waiting to be delivered to them.

A portal's registration is one item (`PORTAL#<id> / HOOK`). Each status event
to push is an item in its complaint's partition, on the timers index until it
is delivered: the sender claims a due one by moving its due time a lease ahead
(one sender wins), and deletes it once the portal answered 2xx. A failed
delivery is due again after the policy's next delay; after the last, it moves
to the portal's dead letters (`PUSHDLQ#<portal>`), where it stays to be read
and sent again by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.errors import ConditionFailed

LEASE = timedelta(minutes=2)  # a claimed delivery is due again after this, unless it was settled


class PortalHooks:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, portal_id: str) -> dict[str, Any] | None:
        """The portal's registration, or None when it has none (or withdrew it)."""
        found = self.table.get(keys.portal_hook(portal_id))
        return found if found and found.get("url") else None

    def put(self, portal_id: str, url: str, events: list[str]) -> dict[str, Any]:
        registration = {"portal_id": portal_id, "url": url, "events": events, "registered_at": clock.iso(clock.now())}
        self.table.client.put_item(**self.table.put({**keys.portal_hook(portal_id), **registration})["Put"])
        return registration

    def withdraw(self, portal_id: str) -> None:
        """The portal wants no more pushes: its registration is overwritten with the moment it withdrew."""
        self.table.client.put_item(**self.table.put({**keys.portal_hook(portal_id), "portal_id": portal_id,
                                                     "withdrawn_at": clock.iso(clock.now())})["Put"])

    def dead_letters(self, portal_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The portal's latest deliveries that failed every attempt, newest first."""
        answer = self.table.client.query(TableName=self.table.name, KeyConditionExpression="PK = :pk",
                                         ExpressionAttributeValues=item({":pk": keys.push_dead_letters(portal_id)}),
                                         ScanIndexForward=False, Limit=limit)
        return [from_item(found) for found in answer.get("Items", [])]


class StatusPushes:
    def __init__(self, table: Table) -> None:
        self.table = table

    def queue(self, complaint_id: str, portal_id: str, message_id: str, body: str, at: datetime) -> None:
        sk = f"W#{clock.iso(clock.now())}#{uuid.uuid4().hex[:8]}"
        self.table.client.put_item(**self.table.put({
            "PK": keys.complaint_partition(complaint_id), "SK": sk, "complaint_id": complaint_id,
            "portal_id": portal_id, "message_id": message_id, "body": body, "attempts": 0,
            "TPK": keys.due_partition(keys.PUSHES, keys.timer_shard(complaint_id, self.table.timer_shards)),
            "TSK": keys.push_due(complaint_id, sk, at)})["Put"])

    def due(self, now: datetime) -> Iterator[dict[str, Any]]:
        """Index entries of the due deliveries (keys, complaint id): `claim` answers with the whole delivery."""
        return self.table.due(keys.PUSHES, now, self.table.timer_shards)

    def claim(self, push: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """Claim a due delivery (one sender wins): due again after the lease unless settled."""
        again = keys.push_due(str(push["complaint_id"]), str(push["SK"]), now + LEASE)
        try:
            with conditional("status push"):
                answer = self.table.client.update_item(
                    TableName=self.table.name, Key=item({"PK": push["PK"], "SK": push["SK"]}),
                    UpdateExpression="SET TSK = :again ADD attempts :one", ConditionExpression="TSK = :seen",
                    ExpressionAttributeValues=item({":again": again, ":one": 1, ":seen": push["TSK"]}),
                    ReturnValues="ALL_NEW")
        except ConditionFailed:
            return None
        return from_item(answer["Attributes"])

    def delivered(self, push: dict[str, Any]) -> None:
        self.table.client.delete_item(TableName=self.table.name, Key=item({"PK": push["PK"], "SK": push["SK"]}))

    def retry(self, push: dict[str, Any], error: str, at: datetime) -> None:
        self.table.client.update_item(
            TableName=self.table.name, Key=item({"PK": push["PK"], "SK": push["SK"]}),
            UpdateExpression="SET TSK = :tsk, last_error = :error",
            ExpressionAttributeValues=item({":tsk": keys.push_due(str(push["complaint_id"]), str(push["SK"]), at),
                                            ":error": error}))

    def dead_letter(self, push: dict[str, Any], error: str) -> None:
        """Every attempt failed: the delivery moves to the portal's dead letters, in one transaction."""
        now = clock.iso(clock.now())
        letter = {"PK": keys.push_dead_letters(str(push["portal_id"])), "SK": f"{now}#{push['message_id']}",
                  "complaint_id": push["complaint_id"], "portal_id": push["portal_id"],
                  "message_id": push["message_id"], "body": push["body"], "attempts": push.get("attempts", 0),
                  "last_error": error, "dead_at": now}
        self.table.client.transact_write_items(TransactItems=[
            self.table.put(letter),
            {"Delete": {"TableName": self.table.name, "Key": item({"PK": push["PK"], "SK": push["SK"]})}}])
