"""Agents' loads: open complaints per agent as atomic counters, so capacity holds under concurrency."""

from __future__ import annotations

from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import item, to_attr
from complaints.adapters.dynamodb.conditional import conditional
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.errors import ConditionFailed


class AgentLoads:
    def __init__(self, table: Table) -> None:
        self.table = table

    def adjust(self, agent_id: str, delta: int) -> None:
        self.table.client.update_item(
            TableName=self.table.name, Key=item(keys.agent_load(agent_id)),
            UpdateExpression="ADD open_count :delta",
            ExpressionAttributeValues={":delta": to_attr(delta)},
        )

    def take_capacity(self, agent_id: str, capacity: int) -> bool:
        """Count one more open complaint for the agent unless that would pass their capacity.

        The condition makes it exact under concurrency: of many assignments at
        once, only as many succeed as the agent has room for.
        """
        try:
            with conditional(f"the load of {agent_id}"):
                self.table.client.update_item(
                    TableName=self.table.name, Key=item(keys.agent_load(agent_id)),
                    UpdateExpression="ADD open_count :one SET last_assigned_at = :now",
                    ConditionExpression="attribute_not_exists(open_count) OR open_count < :capacity",
                    ExpressionAttributeValues=item({":one": 1, ":capacity": capacity,
                                                    ":now": clock.iso(clock.now())}),
                )
        except ConditionFailed:
            return False
        return True

    def record_missed_acceptance(self, agent_id: str) -> None:
        self.table.client.update_item(
            TableName=self.table.name, Key=item(keys.agent_load(agent_id)),
            UpdateExpression="ADD open_count :minus, missed_acceptances :one",
            ExpressionAttributeValues=item({":minus": -1, ":one": 1}),
        )

    def of(self, agent_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each agent's open count, last assignment time and missed acceptances."""
        if not agent_ids:
            return {}
        loads: dict[str, dict[str, Any]] = {a: {"open_count": 0, "last_assigned_at": "", "missed_acceptances": 0}
                                            for a in agent_ids}
        for data in self.table.batch_get([keys.agent_load(a) for a in agent_ids], consistent=True):
            loads[keys.agent_of_load(data["PK"])].update(
                {k: data[k] for k in ("open_count", "last_assigned_at", "missed_acceptances") if k in data})
        return loads
