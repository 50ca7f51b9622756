"""Report counters and open gauges: added to in the transaction of the change they count, read by day.

Which counters a change adds is the reports' business (complaints.reporting);
this store writes what it is given, sharded by complaint so concurrent
changes rarely touch the same item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item, to_attr
from complaints.adapters.dynamodb.table import Table
from complaints.core.record import ComplaintRecord


@dataclass(frozen=True)
class ReportChange:
    """What one write of a complaint adds to its day's counters and to the open gauges."""

    day: str
    counters: dict[str, int] = field(default_factory=dict)
    gauges: dict[str, int] = field(default_factory=dict)


# What a write of the record counts, given the counters its action adds ((local day, counters) or None).
# It marks on the record what it counted, so each thing is counted once.
Counting = Callable[[ComplaintRecord, tuple[str, dict[str, int]] | None], ReportChange]


class ReportCounters:
    def __init__(self, table: Table) -> None:
        self.table = table

    def additions(self, complaint_id: str, change: ReportChange) -> list[dict[str, Any]]:
        """The change as transaction items: the day's counter shard and the gauge shard of the complaint."""
        shard = keys.report_shard(complaint_id)
        found = [self._add(keys.report_day(change.day, shard), change.counters)] if change.counters else []
        if change.gauges:
            found.append(self._add(keys.open_gauge(shard), change.gauges))
        return found

    def add_to_day(self, day: str, counters: dict[str, int], shard_by: str) -> None:
        """Counters of something that changed no complaint (an SMS that matched none), on their own."""
        update = self._add(keys.report_day(day, keys.report_shard(shard_by)), counters)["Update"]
        self.table.client.update_item(**update)

    def _add(self, key: keys.Key, counters: dict[str, int]) -> dict[str, Any]:
        names = sorted(counters)
        return {"Update": {
            "TableName": self.table.name, "Key": item(key),
            "UpdateExpression": "ADD " + ", ".join(f"#c{n} :c{n}" for n in range(len(names))),
            "ExpressionAttributeNames": {f"#c{n}": name for n, name in enumerate(names)},
            "ExpressionAttributeValues": {f":c{n}": to_attr(counters[name]) for n, name in enumerate(names)},
        }}

    def days(self, days: list[str]) -> dict[str, dict[str, int]]:
        """Each day's counters, its shards summed (days without any are left out); 100 keys per request."""
        found: dict[str, dict[str, int]] = {}
        wanted = [keys.report_day(day, n) for day in days for n in range(keys.REPORT_SHARDS)]
        for start in range(0, len(wanted), 100):
            for data in self.table.batch_get(wanted[start:start + 100]):
                day = keys.day_of_report(str(data.pop("PK")))
                data.pop("SK")
                totals = found.setdefault(day, {})
                for name, value in data.items():
                    totals[name] = totals.get(name, 0) + int(value)
        return found

    def open_gauges(self) -> dict[str, int]:
        """The gauges of what is open now (the profile's hotspots, the open backlog), shards summed, above zero."""
        totals: dict[str, int] = {}
        for stored in self.table.query(KeyConditionExpression="PK = :pk",
                                       ExpressionAttributeValues={":pk": to_attr(keys.OPEN_GAUGES)}):
            for name, value in from_item(stored).items():
                if name not in ("PK", "SK"):
                    totals[name] = totals.get(name, 0) + int(value)
        return {k: v for k, v in totals.items() if v > 0}
