"""Messages to customers held through quiet hours, each on the timers index until it is sent.

A sweep claims a due message by moving its due time a lease ahead (one
sweep wins), sends it, and deletes it only once the send succeeded. A failed
send leaves it to the sweep after the lease, with the failure recorded; after
`ATTEMPTS` failed sends it leaves the timers index and stays, marked, for
someone to look at: it is never dropped silently.
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

ATTEMPTS = 5  # sends tried before the message is set aside
LEASE = timedelta(minutes=5)  # a claimed message is due again after this, unless its send succeeded


class HeldMessages:
    def __init__(self, table: Table) -> None:
        self.table = table

    def hold(self, complaint_id: str, template: str, phone: str, language: str,
             params: dict[str, Any], at: datetime, expects: dict[str, str] | None = None) -> None:
        """Hold a message until `at`; `expects` is what must still be true of the complaint then."""
        self.table.client.put_item(**self.table.put({
            **keys.held_message(complaint_id, self.table.timer_shards, at), "complaint_id": complaint_id,
            "template": template, "phone": phone, "language": language,
            "params": {k: str(v) for k, v in params.items()}, "expects": dict(expects or {})})["Put"])

    def due(self, now: datetime) -> Iterator[dict[str, Any]]:
        """The due messages, whole (the timers index keeps their keys only: a message names a phone number)."""
        return iter(self.table.fetch(list(self.table.due(keys.HELD_MESSAGES, now, self.table.timer_shards))))

    def claim(self, message: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """Claim a due message for sending (one sweep wins): it is due again after the lease unless deleted."""
        due_again = keys.held_message_due(str(message["complaint_id"]), str(message["SK"]), now + LEASE)
        try:
            with conditional("held message"):
                answer = self.table.client.update_item(
                    TableName=self.table.name, Key=item({"PK": message["PK"], "SK": message["SK"]}),
                    UpdateExpression="SET TSK = :again ADD attempts :one",
                    ConditionExpression="TSK = :seen",
                    ExpressionAttributeValues=item({":again": due_again, ":one": 1, ":seen": message["TSK"]}),
                    ReturnValues="ALL_NEW")
        except ConditionFailed:
            return None
        return from_item(answer["Attributes"])

    def sent(self, message: dict[str, Any]) -> None:
        """The send succeeded: the message is gone."""
        self.table.client.delete_item(TableName=self.table.name, Key=item({"PK": message["PK"], "SK": message["SK"]}))

    def failed(self, message: dict[str, Any], error: str) -> bool:
        """The send failed: recorded on the message; False when it has had its attempts and is set aside."""
        retried = int(message.get("attempts", 1)) < ATTEMPTS
        update = "SET last_error = :error, failed_at = :at" + ("" if retried else " REMOVE TPK, TSK")
        self.table.client.update_item(
            TableName=self.table.name, Key=item({"PK": message["PK"], "SK": message["SK"]}),
            UpdateExpression=update, ExpressionAttributeValues=item({":error": error, ":at": clock.iso(clock.now())}))
        return retried
