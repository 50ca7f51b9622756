"""Portals' outbound webhooks and the status events waiting to be delivered to them (the outbox).

A portal's registration is one item (`PORTAL#<id> / HOOK`). Each status event
to push is an item in its complaint's partition, written in the transaction of
the complaint change that caused it (see ComplaintStore.save), and on the
timers index until it is settled. The relay claims a due one by moving its due
time a lease ahead (one relay wins) and hands it to the sender queue with that
lease; the sender acts only on an event still holding the lease it was sent
with, so a message delivered twice, or sent again after the lease ran out,
settles it once. A delivery the portal took is deleted; a failed one is due
again after the policy's next delay; after the last, it moves to the portal's
dead letters (`PUSHDLQ#<portal>`), where it stays to be read and sent again by
hand. A claimed event nobody settled (a lost message, a sender that crashed)
is due again when its lease runs out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.errors import ConditionFailed
from complaints.core.outbox import StatusEvent

# A claimed delivery is due again after this unless settled: longer than the queue and the sender take.
LEASE = timedelta(minutes=5)
WITHDRAWN_KEPT = timedelta(days=1)  # a withdrawn status event, off the index, until the table's TTL removes it


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

    # ----------------------------------------------------------- written with a complaint change
    def put(self, complaint_id: str, status: StatusEvent, version: int, at: datetime) -> dict[str, Any]:
        """The transaction item of a status event, due at once; its webhook id is the change's."""
        message_id = status.message_id(complaint_id, version)
        key = keys.status_push(complaint_id, message_id)
        return self.table.put({
            **key, "complaint_id": complaint_id, "portal_id": status.portal_id, "event": status.event,
            "message_id": message_id, "body": status.body, "attempts": 0, "queued_at": clock.iso(at),
            "version": version,  # a complaint's events go out in the order of its changes
            "TPK": keys.due_partition(keys.PUSHES, keys.timer_shard(complaint_id, self.table.timer_shards)),
            "TSK": keys.push_due(complaint_id, key["SK"], at)})

    def withdraw(self, complaint_id: str, message_id: str) -> dict[str, Any]:
        """The transaction item that takes back a status event of a change that was rolled back: off the timers
        index at once, and removed by the table's TTL (an Update, which the functions that save may make)."""
        expires = int((clock.now() + WITHDRAWN_KEPT).timestamp())
        return {"Update": {"TableName": self.table.name, "Key": item(keys.status_push(complaint_id, message_id)),
                           "UpdateExpression": "REMOVE TPK, TSK SET withdrawn = :yes, expires_at = :expires",
                           "ExpressionAttributeValues": item({":yes": True, ":expires": expires})}}

    # ----------------------------------------------------------- the relay and the sender
    def due(self, now: datetime) -> Iterator[dict[str, Any]]:
        """Index entries of the due deliveries (keys, complaint id): `claim` answers with the whole delivery."""
        return self.table.due(keys.PUSHES, now, self.table.timer_shards)

    def claim(self, push: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """Claim a due delivery (one relay wins): due again after the lease unless settled; its TSK is the lease."""
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

    def leased(self, pk: str, sk: str, lease: str) -> dict[str, Any] | None:
        """The delivery, if it still holds this lease: None once settled, or claimed again since."""
        found = self.table.get({"PK": pk, "SK": sk})
        return found if found is not None and found.get("TSK") == lease else None

    def delivered(self, push: dict[str, Any]) -> None:
        self.table.client.delete_item(TableName=self.table.name, Key=item({"PK": push["PK"], "SK": push["SK"]}))

    def retry(self, push: dict[str, Any], error: str, at: datetime) -> bool:
        """Due again at `at`, unless another claim took it meanwhile (then False, and it is that claim's)."""
        try:
            with conditional("status push"):
                self.table.client.update_item(
                    TableName=self.table.name, Key=item({"PK": push["PK"], "SK": push["SK"]}),
                    UpdateExpression="SET TSK = :tsk, last_error = :error", ConditionExpression="TSK = :lease",
                    ExpressionAttributeValues=item({
                        ":tsk": keys.push_due(str(push["complaint_id"]), str(push["SK"]), at), ":error": error,
                        ":lease": push["TSK"]}))
        except ConditionFailed:
            return False
        return True

    def postpone(self, push: dict[str, Any], at: datetime) -> bool:
        """Due again at `at` without counting the claim as an attempt: it follows an earlier event being retried."""
        try:
            with conditional("status push"):
                self.table.client.update_item(
                    TableName=self.table.name, Key=item({"PK": push["PK"], "SK": push["SK"]}),
                    UpdateExpression="SET TSK = :tsk ADD attempts :back", ConditionExpression="TSK = :lease",
                    ExpressionAttributeValues=item({
                        ":tsk": keys.push_due(str(push["complaint_id"]), str(push["SK"]), at), ":back": -1,
                        ":lease": push["TSK"]}))
        except ConditionFailed:
            return False
        return True

    def dead_letter(self, push: dict[str, Any], error: str) -> bool:
        """Every attempt failed: the delivery moves to the portal's dead letters, in one transaction."""
        now = clock.iso(clock.now())
        letter = {"PK": keys.push_dead_letters(str(push["portal_id"])), "SK": f"{now}#{push['message_id']}",
                  "complaint_id": push["complaint_id"], "portal_id": push["portal_id"],
                  "message_id": push["message_id"], "body": push["body"], "attempts": push.get("attempts", 0),
                  "last_error": error, "dead_at": now}
        try:
            with conditional("status push", index=1):
                self.table.client.transact_write_items(TransactItems=[
                    self.table.put(letter),
                    {"Delete": {"TableName": self.table.name, "Key": item({"PK": push["PK"], "SK": push["SK"]}),
                                "ConditionExpression": "TSK = :lease",
                                "ExpressionAttributeValues": item({":lease": push["TSK"]})}}])
        except ConditionFailed:
            return False
        return True
