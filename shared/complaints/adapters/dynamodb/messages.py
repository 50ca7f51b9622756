"""Messages to customers held through quiet hours, each on the timers index until it is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core.errors import ConditionFailed


class HeldMessages:
    def __init__(self, table: Table) -> None:
        self.table = table

    def hold(self, complaint_id: str, template: str, phone: str, language: str,
             params: dict[str, Any], at: datetime) -> None:
        self.table.client.put_item(**self.table.put({
            **keys.held_message(complaint_id, self.table.timer_shards, at), "complaint_id": complaint_id,
            "template": template, "phone": phone, "language": language,
            "params": {k: str(v) for k, v in params.items()}})["Put"])

    def due(self, now: datetime) -> Iterator[dict[str, Any]]:
        return self.table.due(keys.HELD_MESSAGES, now, self.table.timer_shards)

    def take(self, message: dict[str, Any]) -> bool:
        """Claim a held message for sending (one sweep wins)."""
        try:
            with conditional("held message"):
                self.table.client.delete_item(TableName=self.table.name, ConditionExpression="attribute_exists(PK)",
                                              Key=item({"PK": message["PK"], "SK": message["SK"]}))
        except ConditionFailed:
            return False
        return True
