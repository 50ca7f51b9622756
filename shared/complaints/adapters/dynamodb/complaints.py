"""Complaints: the aggregate with its timeline and external id, its listings, and the optimistic update.

Every write of a complaint is one transaction: the aggregate under its
version, the new timeline events, what the change adds to the reports and the
status events it causes for the complaint's portal, so a report never counts a
change that did not happen (or misses one that did), and a portal is told of a
change exactly when it was saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item, to_attr
from complaints.adapters.dynamodb.conditional import ATTEMPTS, conditional, retried
from complaints.adapters.dynamodb.pushes import StatusPushes
from complaints.adapters.dynamodb.reports import Counting, ReportCounters
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.errors import ComplaintNotFound, ConditionFailed, DuplicateMismatch, VersionConflict
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent

# The listings a queue or an owner reads: (partition attribute, sort attribute, partition key).
_LISTINGS: dict[str, tuple[str, str, Callable[[str], str]]] = {
    "queue": ("QPK", "QSK", keys.queue), "owner": ("OPK", "OSK", keys.owner)}


class ComplaintStore:
    def __init__(self, table: Table, reports: ReportCounters, counting: Counting, pushes: StatusPushes,
                 outage_group: Callable[[str], str]) -> None:
        self.table = table
        self.reports = reports
        self._counting = counting
        self._pushes = pushes
        self.outage_group = outage_group  # the policy's ClusterRule.group_of: a category -> its outage group

    @property
    def counting(self) -> Counting:
        return self._counting

    # ----------------------------------------------------------- writes
    def create(self, record: ComplaintRecord, fingerprint: str, events: list[TimelineEvent]) -> str:
        """Store a new complaint once per (portal, external id).

        Returns the id of the complaint that holds that external id: the new
        one, or the one an earlier delivery created.
        """
        external = keys.external(record.portal_id, record.external_id)
        report_items = self._report_items(record, None)
        items = [
            self.table.put({**external, "complaint_id": record.complaint_id, "fingerprint": fingerprint},
                           condition="attribute_not_exists(PK)"),
            self._aggregate_put(record, expected_version=None),
            *self._event_puts(record.complaint_id, events),
            *report_items,
            *self._status_puts(record),
        ]
        try:
            with conditional(f"the external id of complaint {record.complaint_id}"):
                self.table.client.transact_write_items(TransactItems=items)
            record.statuses_saved()
            return record.complaint_id
        except ConditionFailed:
            pass  # an earlier delivery holds the external id
        stored = self.table.get(external)
        if stored is None:  # pragma: no cover - the key cannot vanish
            raise VersionConflict("external id is being created concurrently; retry")
        if stored["fingerprint"] != fingerprint:
            raise DuplicateMismatch(
                f"external_id {record.external_id!r} was already used for a different complaint"
            )
        return str(stored["complaint_id"])

    def save(self, record: ComplaintRecord, events: list[TimelineEvent] | None = None,
             counts: tuple[str, dict[str, int]] | None = None, *, withdraw: Sequence[str] = ()) -> ComplaintRecord:
        """Write the record if nobody changed it since it was read; bump its version.

        counts, (local day, {counter: amount}), is added to that day's report in the same transaction, and so
        are the status events the change added to the record (their webhook ids name the new version).
        withdraw: webhook ids of status events a rolled-back change wrote, taken back in the same transaction.
        """
        expected = record.version
        record.version = expected + 1
        record.updated_at = clock.now()
        counted, counted_open = list(record.counted), record.counted_open
        report_items = self._report_items(record, counts)
        items = [self._aggregate_put(record, expected), *self._event_puts(record.complaint_id, events or []),
                 *report_items, *self._status_puts(record),
                 *(self._pushes.withdraw(record.complaint_id, message_id) for message_id in withdraw)]
        try:
            self.table.write_versioned(items, record, expected, f"complaint {record.complaint_id}")
        except Exception:
            record.counted, record.counted_open = counted, counted_open
            raise
        record.statuses_saved()
        return record

    def update(self, complaint_id: str, mutate: Callable[[ComplaintRecord], list[TimelineEvent] | None], *,
               attempts: int = ATTEMPTS, withdraw: Sequence[str] = ()) -> ComplaintRecord | None:
        """Read the complaint, change it and save it; read and change it again if someone else wrote first.

        mutate changes the record it is given and returns the timeline events
        of the change, or None to leave the complaint as it is: then nothing
        is written and update returns None. After `attempts` conflicting
        writes the VersionConflict is the caller's.
        """
        def attempt() -> ComplaintRecord | None:
            record = self.get(complaint_id)
            events = mutate(record)
            return None if events is None else self.save(record, events, withdraw=withdraw)

        return retried(attempt, f"complaint {complaint_id}", attempts)

    def add_event(self, complaint_id: str, event: TimelineEvent) -> None:
        """A timeline note on another complaint (a link), which changes nothing else of it."""
        self.table.client.transact_write_items(TransactItems=self._event_puts(complaint_id, [event]))

    def _report_items(self, record: ComplaintRecord,
                      counts: tuple[str, dict[str, int]] | None) -> list[dict[str, Any]]:
        """What this write adds to the reports (the counting marks it on the record), as transaction items."""
        return self.reports.additions(record.complaint_id, self._counting(record, counts))

    def _status_puts(self, record: ComplaintRecord) -> list[dict[str, Any]]:
        return [self._pushes.put(record.complaint_id, status, record.version, record.updated_at)
                for status in record.statuses]

    def _aggregate_put(self, record: ComplaintRecord, expected_version: int | None) -> dict[str, Any]:
        attrs = record.model_dump(mode="json", exclude_none=True)
        attrs.update(keys.listing(record, self.table.timer_shards, self.outage_group))
        if record.classification:
            attrs["category"] = record.classification.category
        attrs.update(keys.complaint(record.complaint_id))
        if expected_version is None:
            return self.table.put(attrs, condition="attribute_not_exists(PK)")
        put = self.table.put(attrs, condition="version = :expected")
        put["Put"]["ExpressionAttributeValues"] = {":expected": to_attr(expected_version)}
        return put

    def _event_puts(self, complaint_id: str, events: list[TimelineEvent]) -> list[dict[str, Any]]:
        return [self.table.put({**keys.event(complaint_id, event.at, n), **event.model_dump(mode="json")},
                               condition="attribute_not_exists(SK)")
                for n, event in enumerate(events)]

    # ----------------------------------------------------------- reads
    def get(self, complaint_id: str) -> ComplaintRecord:
        data = self.table.get(keys.complaint(complaint_id))
        if data is None:
            raise ComplaintNotFound(f"complaint {complaint_id} not found")
        return ComplaintRecord.model_validate(data)

    def find_external(self, portal_id: str, external_id: str) -> str | None:
        data = self.table.get(keys.external(portal_id, external_id))
        return str(data["complaint_id"]) if data else None

    def timeline(self, complaint_id: str) -> list[TimelineEvent]:
        events = []
        for stored in self.table.query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=item({":pk": keys.complaint_partition(complaint_id), ":prefix": keys.EVENTS}),
        ):  # timeline events only: held messages and promise timers share the partition
            data = from_item(stored)
            fields = {k: data[k] for k in ("at", "type", "actor", "detail") if k in data}
            events.append(TimelineEvent.model_validate(fields))
        return events

    def list_by(self, index: str, partition: str, *, open_only: bool, limit: int,
                start: dict[str, Any] | None) -> tuple[list[ComplaintRecord], dict[str, Any] | None]:
        """A queue's (by department) or an owner's (by agent) complaints, most urgent and soonest due first."""
        pk, sk, key = _LISTINGS[index]
        kwargs: dict[str, Any] = {
            "IndexName": self.table.indexes[index],
            "KeyConditionExpression": f"{pk} = :pk" + (f" AND begins_with({sk}, :open)" if open_only else ""),
            "ExpressionAttributeValues": item({":pk": key(partition), **({":open": keys.OPEN} if open_only else {})}),
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        answer = self.table.client.query(TableName=self.table.name, **kwargs)
        # The index keeps the keys only (no copy of the aggregate to rewrite at every change): the page's
        # complaints are read whole, in the index's order.
        records = [ComplaintRecord.model_validate(data)
                   for data in self.table.fetch([from_item(found) for found in answer.get("Items", [])])]
        return records, answer.get("LastEvaluatedKey")

    def recent_by_customer(self, customer_key: str, since: datetime, until: datetime) -> list[tuple[str, str]]:
        """(complaint id, category) of the customer's complaints received in the window."""
        rows = self._received("customer", "CPK", "CSK", keys.customer(customer_key), since, until)
        return [(str(r["complaint_id"]), str(r.get("category", ""))) for r in rows]

    def latest_of_customer(self, customer_key: str, limit: int) -> list[str]:
        """The ids of the customer's latest complaints, newest first (one page of the customer index)."""
        answer = self.table.client.query(
            TableName=self.table.name, IndexName="customer", KeyConditionExpression="CPK = :pk",
            ExpressionAttributeValues=item({":pk": keys.customer(customer_key)}), ScanIndexForward=False, Limit=limit)
        return [str(from_item(found)["complaint_id"]) for found in answer.get("Items", [])]

    def recent_in_cluster(self, cluster_key: str, category: str, since: datetime, until: datetime) -> list[str]:
        rows = self._received("area", "APK", "ASK", keys.area(cluster_key, self.outage_group(category)), since, until)
        return [str(r["complaint_id"]) for r in rows]

    def _received(self, index: str, pk_name: str, sk_name: str, partition: str, since: datetime,
                  until: datetime) -> list[dict[str, Any]]:
        low, high = keys.window(since, until)
        return [from_item(found) for found in self.table.query(
            IndexName=index,
            KeyConditionExpression=f"{pk_name} = :pk AND {sk_name} BETWEEN :since AND :until",
            ExpressionAttributeValues=item({":pk": partition, ":since": low, ":until": high}),
        )]

    def due_timers(self, now: datetime) -> Iterator[ComplaintRecord]:
        """Every complaint the timers index finds due, read as it stands now: it may have moved on since the index
        was read (or the index lagged behind it), so the caller checks its timer."""
        due = list(self.table.due(keys.WAITS, now, self.table.timer_shards))
        for data in self.table.fetch(due, consistent=True):  # acted on at once: read as it stands
            yield ComplaintRecord.model_validate(data)
