"""The staff roster: departments and agents, one item each in one partition."""

from __future__ import annotations

from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core.errors import ConditionFailed


class StaffRoster:
    def __init__(self, table: Table) -> None:
        self.table = table

    def rows(self) -> list[dict[str, Any]]:
        """Every department and agent as {kind, id, data}."""
        rows = []
        for stored in self.table.query(KeyConditionExpression="PK = :pk",
                                       ExpressionAttributeValues=item({":pk": keys.STAFF}), ConsistentRead=True):
            data = from_item(stored)
            rows.append({"kind": data["kind"], "id": data["id"], "data": data["data"]})
        return rows

    def put(self, kind: str, staff_id: str, data: dict[str, Any], *, create_only: bool) -> None:
        """Write a department or agent; with create_only, leave one the table already has."""
        put = self.table.put({**keys.staff(kind, staff_id), "kind": kind, "id": staff_id, "data": data},
                             condition="attribute_not_exists(PK)" if create_only else None)["Put"]
        try:
            with conditional(f"{kind} {staff_id}"):
                self.table.client.put_item(**put)
        except ConditionFailed:
            pass  # already there

    def delete(self, kind: str, staff_id: str) -> None:
        self.table.client.delete_item(TableName=self.table.name, Key=item(keys.staff(kind, staff_id)))
