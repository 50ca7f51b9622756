"""Corrective actions (整改): one item each in one partition, saved under a version check.

A desk opens a few actions a month, so one partition holds them all and a
query lists them; an action's next step (its warning, then its due time)
sits on the timers index until it is closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item, to_attr
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core.corrective import CorrectiveAction
from complaints.core.errors import ComplaintNotFound, ConditionFailed, VersionConflict


class ActionStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, action: CorrectiveAction) -> CorrectiveAction:
        """Store a new action; a ConditionFailed if its id is taken."""
        with conditional(f"corrective action {action.action_id}"):
            self.table.client.put_item(TableName=self.table.name, Item=item(self._attrs(action)),
                                       ConditionExpression="attribute_not_exists(PK)")
        return action

    def get(self, action_id: str) -> CorrectiveAction:
        data = self.table.get(keys.corrective_action(action_id))
        if data is None:
            raise ComplaintNotFound(f"corrective action {action_id} not found")
        return self._model(data)

    def save(self, action: CorrectiveAction) -> CorrectiveAction:
        """Write the changed action if nobody else did since it was read (VersionConflict otherwise)."""
        expected = action.version
        action.version = expected + 1
        attrs = self._attrs(action)
        try:
            with conditional(f"corrective action {action.action_id}", refused=VersionConflict):
                self.table.client.put_item(TableName=self.table.name, Item=item(attrs),
                                           ConditionExpression="version = :expected",
                                           ExpressionAttributeValues={":expected": to_attr(expected)})
        except (VersionConflict, ConditionFailed):
            action.version = expected
            raise
        return action

    def all(self) -> Iterator[CorrectiveAction]:
        """Every action, oldest first (ids sort by the day they were opened)."""
        for stored in self.table.query(KeyConditionExpression="PK = :pk",
                                       ExpressionAttributeValues={":pk": to_attr(keys.ACTIONS)}):
            yield self._model(from_item(stored))

    def due(self, now: datetime) -> list[str]:
        """The ids of actions whose next step (warning or due time) has come."""
        return [str(data["action_id"]) for data in self.table.due(keys.ACTION_STEPS, now, 1)]

    @staticmethod
    def _model(data: dict[str, Any]) -> CorrectiveAction:
        return CorrectiveAction.model_validate({k: v for k, v in data.items() if k in CorrectiveAction.model_fields})

    @staticmethod
    def _attrs(action: CorrectiveAction) -> dict[str, Any]:
        step = action.next_step
        return {**action.model_dump(mode="json", exclude_none=True), **keys.corrective_action(action.action_id),
                **keys.action_step(step[0] if step else None, action.action_id)}
