"""DynamoDB access: one table (see keys for its layout), every read a key lookup or an index query.

One small store per family of items, all on the same table and client:
complaints (with their timelines, external ids and listings), incidents, the
staff roster, held messages, staff digests, promise timers, agents' loads,
report counters, portals' webhooks and the status events pushed to them,
corrective actions.
What a change counts in the reports is given to the complaint store by
whoever builds it (the counting is the reports' rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from complaints.adapters.dynamodb.actions import ActionStore
from complaints.adapters.dynamodb.complaints import ComplaintStore
from complaints.adapters.dynamodb.digests import StaffDigests
from complaints.adapters.dynamodb.incidents import IncidentStore
from complaints.adapters.dynamodb.loads import AgentLoads
from complaints.adapters.dynamodb.messages import HeldMessages
from complaints.adapters.dynamodb.pushes import PortalHooks, StatusPushes
from complaints.adapters.dynamodb.reports import Counting, ReportChange, ReportCounters
from complaints.adapters.dynamodb.staff import StaffRoster
from complaints.adapters.dynamodb.table import Table
from complaints.adapters.dynamodb.timers import PromiseTimers

__all__ = ["ActionStore", "AgentLoads", "ComplaintStore", "Counting", "HeldMessages", "IncidentStore", "PortalHooks",
           "PromiseTimers", "ReportChange", "ReportCounters", "StaffDigests", "StaffRoster", "StatusPushes", "Table",
           "Tables"]


@dataclass(frozen=True)
class Tables:
    """The stores of the one table."""

    table: Table
    complaints: ComplaintStore
    incidents: IncidentStore
    roster: StaffRoster
    messages: HeldMessages
    digests: StaffDigests
    promise_timers: PromiseTimers
    loads: AgentLoads
    reports: ReportCounters
    hooks: PortalHooks
    pushes: StatusPushes
    actions: ActionStore

    @classmethod
    def on(cls, table: Table, counting: Counting, outage_group: Callable[[str], str]) -> Tables:
        reports = ReportCounters(table)
        pushes = StatusPushes(table)
        return cls(table=table, complaints=ComplaintStore(table, reports, counting, pushes, outage_group),
                   incidents=IncidentStore(table, outage_group),
                   roster=StaffRoster(table), messages=HeldMessages(table), digests=StaffDigests(table),
                   promise_timers=PromiseTimers(table), loads=AgentLoads(table), reports=reports,
                   hooks=PortalHooks(table), pushes=pushes, actions=ActionStore(table))

    def sweeping(self, group: int, groups: int) -> Tables:
        """The stores over the table's view for one shard group's sweep (Table.sweeping)."""
        return Tables.on(self.table.sweeping(group, groups), self.complaints.counting, self.complaints.outage_group)

    @classmethod
    def build(cls, table_name: str, timer_shards: int, counting: Counting, outage_group: Callable[[str], str],
              client: Any = None, indexes: dict[str, str] | None = None) -> Tables:
        return cls.on(Table(table_name, timer_shards, client, indexes), counting, outage_group)
