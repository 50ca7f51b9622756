"""Promise timers: one per pending promise, at the step of its plan that comes next.

Each step is claimed with a condition on the step number, so overlapping
sweeps act on it once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import item
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core.errors import ConditionFailed


class PromiseTimers:
    def __init__(self, table: Table) -> None:
        self.table = table

    def schedule(self, complaint_id: str, kind: str, at: datetime) -> None:
        """(Re)start a promise's timer at its first step."""
        shard = keys.timer_shard(complaint_id, self.table.timer_shards)
        self.table.client.put_item(**self.table.put({
            **keys.promise_timer(complaint_id, kind), "complaint_id": complaint_id, "kind": kind, "step": 0,
            "TPK": keys.due_partition(keys.PROMISES, shard), "TSK": keys.promise_due(complaint_id, kind, at)})["Put"])

    def due(self, now: datetime) -> Iterator[tuple[str, str, int]]:
        """(complaint id, promise kind, step) of every promise timer due."""
        for data in self.table.due(keys.PROMISES, now, self.table.timer_shards):
            yield str(data["complaint_id"]), str(data["kind"]), int(data["step"])

    def advance(self, complaint_id: str, kind: str, step: int, next_at: datetime | None) -> bool:
        """Claim one step of a promise timer (one sweep wins); the timer ends after its last step."""
        key = item(keys.promise_timer(complaint_id, kind))
        try:
            with conditional(f"the {kind} timer of complaint {complaint_id}"):
                if next_at is None:
                    self.table.client.delete_item(TableName=self.table.name, Key=key,
                                                  ConditionExpression="step = :step",
                                                  ExpressionAttributeValues=item({":step": step}))
                else:
                    self.table.client.update_item(
                        TableName=self.table.name, Key=key, ConditionExpression="step = :step",
                        UpdateExpression="SET step = :next, TSK = :tsk",
                        ExpressionAttributeValues=item({":step": step, ":next": step + 1,
                                                        ":tsk": keys.promise_due(complaint_id, kind, next_at)}))
        except ConditionFailed:
            return False
        return True
