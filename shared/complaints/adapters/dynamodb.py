"""DynamoDB access: one table, every read a key lookup or an index query.

Item layout (PK / SK):
  C#<id> / A                 the complaint aggregate, rewritten under a version check
  C#<id> / E#<time>#<n>      timeline events, written in the same transaction
  EXT#<portal>#<external> / A  the portal's id of a complaint (exactly-once intake)
  AGENT#<id> / LOAD          an agent's count of open complaints (atomic counter)
Indexes (all sparse: an item without the key attributes is not in the index):
  timers    TPK=T#<shard>, TSK=<due time>#<id>   human waits falling due
  queue     QPK=Q#<department>, QSK=<open|done>#<priority rank>#<due>#<id>
  owner     OPK=O#<agent>, OSK=as queue
  customer  CPK=P#<keyed phone hash>, CSK=<received>#<id>   repeat complaints
  area      APK=A#<cell or area>#<category>, ASK=<received>#<id>  outage clusters
  INC#<id> / A               an incident; INCKEY#<cell or area>#<category> / A names the open one
  REPORT#<local day> / D#<n> that day's counters (volumes, promises, closes, reopens, surveys ...), added
                             to in the same transaction as the change they count; 16 shards by complaint
                             id, so concurrent changes rarely touch the same item
  REPORT#OPEN / G#<n>        gauges of what is open now (unresolved network complaints by area), sharded alike
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from complaints.core import clock
from complaints.core.enums import PromiseState
from complaints.core.errors import ComplaintNotFound, DuplicateMismatch, VersionConflict
from complaints.core.record import ComplaintRecord, Incident
from complaints.core.values import TimelineEvent

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_FAR_FUTURE = "9999-12-31T00:00:00.000000Z"


def _to_attr(value: Any) -> dict[str, Any]:
    return _serializer.serialize(_decimals(value))


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _item(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _to_attr(v) for k, v in attrs.items() if v is not None}


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


class ComplaintRepository:
    def __init__(self, table_name: str, timer_shards: int, client: Any = None, report_zone: tzinfo = UTC) -> None:
        self.table_name = table_name
        self.timer_shards = timer_shards
        self._client = client
        self.report_zone = report_zone  # report days are the desk's local days

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    # ----------------------------------------------------------- keys
    def shard_of(self, complaint_id: str) -> int:
        return int(hashlib.sha1(complaint_id.encode()).hexdigest(), 16) % self.timer_shards

    def _index_attributes(self, record: ComplaintRecord) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        cid = record.complaint_id
        open_flag = "open" if record.is_open else "done"
        due = min((p.due_at for p in record.promises if p.state == "pending"), default=None)
        order = f"{open_flag}#{record.priority.rank}#{clock.iso(due) if due else _FAR_FUTURE}#{cid}"
        if record.department:
            attrs["QPK"], attrs["QSK"] = f"Q#{record.department}", order
        if record.owner_id:
            attrs["OPK"], attrs["OSK"] = f"O#{record.owner_id}", order
        if record.timer_due is not None:
            attrs["TPK"] = f"T#{self.shard_of(cid)}"
            attrs["TSK"] = f"{clock.iso(record.timer_due)}#{cid}"
        attrs["CPK"], attrs["CSK"] = f"P#{record.customer_key}", f"{clock.iso(record.received_at)}#{cid}"
        if record.classification:
            attrs["category"] = record.classification.category
        if record.cluster_key and record.classification:
            attrs["APK"] = f"A#{record.cluster_key}#{record.classification.category}"
            attrs["ASK"] = f"{clock.iso(record.received_at)}#{cid}"
        return attrs

    def _aggregate_put(self, record: ComplaintRecord, expected_version: int | None) -> dict[str, Any]:
        attrs = record.model_dump(mode="json", exclude_none=True)
        attrs.update(self._index_attributes(record))
        attrs["PK"], attrs["SK"] = f"C#{record.complaint_id}", "A"
        put: dict[str, Any] = {"TableName": self.table_name, "Item": _item(attrs)}
        if expected_version is None:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": _to_attr(expected_version)}
        return {"Put": put}

    def _event_puts(self, complaint_id: str, events: list[TimelineEvent]) -> list[dict[str, Any]]:
        puts = []
        for n, event in enumerate(events):
            sk = f"E#{clock.iso(event.at)}#{n:02d}{uuid.uuid4().hex[:6]}"
            attrs = {"PK": f"C#{complaint_id}", "SK": sk, **event.model_dump(mode="json")}
            puts.append({"Put": {"TableName": self.table_name, "Item": _item(attrs),
                                 "ConditionExpression": "attribute_not_exists(SK)"}})
        return puts

    # ----------------------------------------------------------- writes
    def create(self, record: ComplaintRecord, fingerprint: str, events: list[TimelineEvent]) -> str:
        """Store a new complaint once per (portal, external id).

        Returns the id of the complaint that holds that external id: the new
        one, or the one an earlier delivery created.
        """
        ext_key = {"PK": f"EXT#{record.portal_id}#{record.external_id}", "SK": "A",
                   "complaint_id": record.complaint_id, "fingerprint": fingerprint}
        report_items = self._report_items(record, None)
        items = [
            {"Put": {"TableName": self.table_name, "Item": _item(ext_key),
                     "ConditionExpression": "attribute_not_exists(PK)"}},
            self._aggregate_put(record, expected_version=None),
            *self._event_puts(record.complaint_id, events),
            *report_items,
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
            return record.complaint_id
        except ClientError as exc:
            if not _conditional_failure(exc, index=0):
                raise
        existing = self.client.get_item(
            TableName=self.table_name, ConsistentRead=True,
            Key=_item({"PK": ext_key["PK"], "SK": "A"}),
        ).get("Item")
        if existing is None:  # pragma: no cover - the key cannot vanish
            raise VersionConflict("external id is being created concurrently; retry")
        stored = _from_item(existing)
        if stored["fingerprint"] != fingerprint:
            raise DuplicateMismatch(
                f"external_id {record.external_id!r} was already used for a different complaint"
            )
        return str(stored["complaint_id"])

    def save(self, record: ComplaintRecord, events: list[TimelineEvent] | None = None,
             counts: tuple[str, dict[str, int]] | None = None) -> ComplaintRecord:
        """Write the record if nobody changed it since it was read; bump its version.

        counts, (local day, {counter: amount}), is added to that day's report in the same transaction.
        """
        expected = record.version
        record.version = expected + 1
        record.updated_at = clock.now()
        counted, counted_open = list(record.counted), record.counted_open
        report_items = self._report_items(record, counts)
        items = [self._aggregate_put(record, expected), *self._event_puts(record.complaint_id, events or []),
                 *report_items]
        try:
            self._write_versioned(items, record, expected, f"complaint {record.complaint_id}")
        except Exception:
            record.counted, record.counted_open = counted, counted_open
            raise
        return record

    # ----------------------------------------------------------- report counters
    def _report_items(self, record: ComplaintRecord,
                      counts: tuple[str, dict[str, int]] | None) -> list[dict[str, Any]]:
        """The day's counters and the open gauges this write changes, as transaction items.

        What a report counts of a complaint by its state (received, classified by
        category, department and area, repeats, passing around, each promise's end)
        is counted once, the first time a write sees it, and marked on the record;
        so no code path can forget to count or count twice.
        """
        day, counters = counts if counts else (clock.now().astimezone(self.report_zone).date().isoformat(), {})
        counters = dict(counters)
        for name, amount in self._report_changes(record).items():
            counters[name] = counters.get(name, 0) + amount
        shard = report_shard(record.complaint_id)
        items = [self._count(day, counters, sk=f"D#{shard:02d}")] if counters else []
        gauges = self._gauge_changes(record)
        if gauges:
            items.append(self._count("OPEN", gauges, sk=f"G#{shard:02d}"))
        return items

    @staticmethod
    def _report_changes(record: ComplaintRecord) -> dict[str, int]:
        marks = set(record.counted)
        found: dict[str, int] = {}

        def once(mark: str, *names: str) -> None:
            if mark not in marks:
                marks.add(mark)
                for name in names:
                    found[name] = found.get(name, 0) + 1

        once("received", "received", f"channel:{record.channel}")
        if record.classification is not None and record.department:
            area = record.location.area if record.location and record.location.area else "unknown"
            once("classified", f"category:{record.classification.category}", f"department:{record.department}",
                 f"area:{area}")
        if record.repeat_of:
            once("repeat", "repeats")
        if record.passing_around:
            once("passing_around", "passing_around")
        for promise in record.promises:
            if promise.state != PromiseState.PENDING:
                once(f"promise:{promise.kind}:{clock.iso(promise.due_at)}", f"promise_{promise.state}:{promise.kind}")
        record.counted = sorted(marks)
        return found

    @staticmethod
    def _gauge_changes(record: ComplaintRecord) -> dict[str, int]:
        """Unresolved network complaints by area, for network planning: in while open, out when closed."""
        category = record.classification.category if record.classification else ""
        area = record.location.area if record.location and record.location.area else None
        now = f"open_network:{area}" if area and category.startswith("network.") and record.is_open else None
        if now == record.counted_open:
            return {}
        changes = {name: amount for name, amount in ((record.counted_open, -1), (now, 1)) if name}
        record.counted_open = now
        return changes

    def _write_versioned(self, items: list[dict[str, Any]], target: ComplaintRecord | Incident, expected: int,
                         what: str) -> None:
        """Write items whose first is conditional on the target's version; put the version back if refused."""
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            target.version = expected
            if _conditional_failure(exc, index=0):
                raise VersionConflict(f"{what} was changed by someone else") from exc
            if _transaction_conflict(exc):  # another write held one of the items (a report counter, say)
                raise VersionConflict(f"{what} is being changed by another request; try again") from exc
            raise

    def _count(self, day: str, counters: dict[str, int], sk: str = "D") -> dict[str, Any]:
        names = sorted(counters)
        return {"Update": {
            "TableName": self.table_name, "Key": _item({"PK": f"REPORT#{day}", "SK": sk}),
            "UpdateExpression": "ADD " + ", ".join(f"#c{n} :c{n}" for n in range(len(names))),
            "ExpressionAttributeNames": {f"#c{n}": name for n, name in enumerate(names)},
            "ExpressionAttributeValues": {f":c{n}": _to_attr(counters[name]) for n, name in enumerate(names)},
        }}

    def report_days(self, days: list[str]) -> dict[str, dict[str, int]]:
        """Each day's counters, its shards summed (days without any are left out); 100 keys per request."""
        found: dict[str, dict[str, int]] = {}
        keys = [_item({"PK": f"REPORT#{day}", "SK": f"D#{n:02d}"}) for day in days for n in range(REPORT_SHARDS)]
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self.table_name: {"Keys": keys[start:start + 100]}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    data = _from_item(item)
                    day = str(data.pop("PK")).removeprefix("REPORT#")
                    data.pop("SK")
                    totals = found.setdefault(day, {})
                    for name, value in data.items():
                        totals[name] = totals.get(name, 0) + int(value)
                request = answer.get("UnprocessedKeys") or {}
        return found

    def open_gauges(self) -> dict[str, int]:
        """The gauges of what is open now (unresolved network complaints by area), shards summed, above zero."""
        totals: dict[str, int] = {}
        for page in self.client.get_paginator("query").paginate(
                TableName=self.table_name, KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": _to_attr("REPORT#OPEN")}):
            for item in page.get("Items", []):
                for name, value in _from_item(item).items():
                    if name not in ("PK", "SK"):
                        totals[name] = totals.get(name, 0) + int(value)
        return {k: v for k, v in totals.items() if v > 0}

    def open_incidents(self, departments: list[str]) -> list[Incident]:
        """Open incidents, by department through the queue index (incidents are kept there by status)."""
        found: list[Incident] = []
        for department in departments:
            pages = self.client.get_paginator("query").paginate(
                TableName=self.table_name, IndexName="queue",
                KeyConditionExpression="QPK = :pk AND begins_with(QSK, :open)",
                ExpressionAttributeValues={":pk": _to_attr(f"INC#{department}"), ":open": _to_attr("open#")})
            for page in pages:
                for item in page.get("Items", []):
                    data = _from_item(item)
                    found.append(Incident.model_validate({k: v for k, v in data.items() if k in Incident.model_fields}))
        return found

    def adjust_load(self, agent_id: str, delta: int) -> None:
        self.client.update_item(
            TableName=self.table_name, Key=_item({"PK": f"AGENT#{agent_id}", "SK": "LOAD"}),
            UpdateExpression="ADD open_count :delta",
            ExpressionAttributeValues={":delta": _to_attr(delta)},
        )

    # ----------------------------------------------------------- reads
    def get(self, complaint_id: str) -> ComplaintRecord:
        item = self.client.get_item(
            TableName=self.table_name, ConsistentRead=True,
            Key=_item({"PK": f"C#{complaint_id}", "SK": "A"}),
        ).get("Item")
        if item is None:
            raise ComplaintNotFound(f"complaint {complaint_id} not found")
        return ComplaintRecord.model_validate(_from_item(item))

    def find_external(self, portal_id: str, external_id: str) -> str | None:
        item = self.client.get_item(
            TableName=self.table_name, ConsistentRead=True,
            Key=_item({"PK": f"EXT#{portal_id}#{external_id}", "SK": "A"}),
        ).get("Item")
        return str(_from_item(item)["complaint_id"]) if item else None

    def timeline(self, complaint_id: str) -> list[TimelineEvent]:
        events = []
        for item in self._query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=_item({":pk": f"C#{complaint_id}", ":prefix": "E#"}),
        ):  # timeline events only: held messages (M#) and promise timers (P#) share the partition
            data = _from_item(item)
            fields = {k: data[k] for k in ("at", "type", "actor", "detail") if k in data}
            events.append(TimelineEvent.model_validate(fields))
        return events

    def take_capacity(self, agent_id: str, capacity: int) -> bool:
        """Count one more open complaint for the agent unless that would pass their capacity.

        The condition makes it exact under concurrency: of many assignments at
        once, only as many succeed as the agent has room for.
        """
        try:
            self.client.update_item(
                TableName=self.table_name, Key=_item({"PK": f"AGENT#{agent_id}", "SK": "LOAD"}),
                UpdateExpression="ADD open_count :one SET last_assigned_at = :now",
                ConditionExpression="attribute_not_exists(open_count) OR open_count < :capacity",
                ExpressionAttributeValues=_item({":one": 1, ":capacity": capacity, ":now": clock.iso(clock.now())}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record_missed_acceptance(self, agent_id: str) -> None:
        self.client.update_item(
            TableName=self.table_name, Key=_item({"PK": f"AGENT#{agent_id}", "SK": "LOAD"}),
            UpdateExpression="ADD open_count :minus, missed_acceptances :one",
            ExpressionAttributeValues=_item({":minus": -1, ":one": 1}),
        )

    def agent_loads(self, agent_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each agent's open count, last assignment time and missed acceptances."""
        if not agent_ids:
            return {}
        keys = [_item({"PK": f"AGENT#{agent}", "SK": "LOAD"}) for agent in agent_ids]
        loads: dict[str, dict[str, Any]] = {a: {"open_count": 0, "last_assigned_at": "", "missed_acceptances": 0}
                                            for a in agent_ids}
        request: dict[str, Any] = {self.table_name: {"Keys": keys, "ConsistentRead": True}}
        while request:
            answer = self.client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self.table_name, []):
                data = _from_item(item)
                loads[data["PK"].removeprefix("AGENT#")].update(
                    {k: data[k] for k in ("open_count", "last_assigned_at", "missed_acceptances") if k in data})
            request = answer.get("UnprocessedKeys") or {}
        return loads

    def list_by(self, index: str, partition: str, *, open_only: bool, limit: int,
                start: dict[str, Any] | None) -> tuple[list[ComplaintRecord], dict[str, Any] | None]:
        """A queue's or an owner's complaints, most urgent and soonest due first."""
        pk, sk = {"queue": ("QPK", "QSK"), "owner": ("OPK", "OSK")}[index]
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": f"{pk} = :pk" + (f" AND begins_with({sk}, :open)" if open_only else ""),
            "ExpressionAttributeValues": _item({":pk": partition, **({":open": "open#"} if open_only else {})}),
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        answer = self.client.query(TableName=self.table_name, **kwargs)
        records = [ComplaintRecord.model_validate(_from_item(item)) for item in answer.get("Items", [])]
        return records, answer.get("LastEvaluatedKey")

    def add_event(self, complaint_id: str, event: TimelineEvent) -> None:
        """A timeline note on another complaint (a link), which changes nothing else of it."""
        self.client.transact_write_items(TransactItems=self._event_puts(complaint_id, [event]))

    def _window(self, index: str, pk_name: str, sk_name: str, partition: str, since: datetime,
                until: datetime) -> list[dict[str, Any]]:
        return [_from_item(item) for item in self._query(
            IndexName=index,
            KeyConditionExpression=f"{pk_name} = :pk AND {sk_name} BETWEEN :since AND :until",
            ExpressionAttributeValues=_item({":pk": partition, ":since": clock.iso(since),
                                             ":until": f"{clock.iso(until)}#~"}),
        )]

    def recent_by_customer(self, customer_key: str, since: datetime, until: datetime) -> list[tuple[str, str]]:
        """(complaint id, category) of the customer's complaints received in the window."""
        rows = self._window("customer", "CPK", "CSK", f"P#{customer_key}", since, until)
        return [(str(r["complaint_id"]), str(r.get("category", ""))) for r in rows]

    def recent_in_cluster(self, cluster_key: str, category: str, since: datetime, until: datetime) -> list[str]:
        rows = self._window("area", "APK", "ASK", f"A#{cluster_key}#{category}", since, until)
        return [str(r["complaint_id"]) for r in rows]

    # ----------------------------------------------------------- incidents
    def _incident_item(self, incident: Incident) -> dict[str, Any]:
        attrs = incident.model_dump(mode="json", exclude_none=True)
        attrs.update({"PK": f"INC#{incident.incident_id}", "SK": "A", "QPK": f"INC#{incident.department}",
                      "QSK": f"{incident.status}#{clock.iso(incident.opened_at)}#{incident.incident_id}"})
        return _item(attrs)

    def incident_key(self, cluster_key: str, category: str) -> tuple[str | None, datetime | None]:
        """The open incident of a cell and category, or when the last one was resolved."""
        item = self.client.get_item(TableName=self.table_name, ConsistentRead=True,
                                    Key=_item({"PK": f"INCKEY#{cluster_key}#{category}", "SK": "A"})).get("Item")
        if item is None:
            return None, None
        data = _from_item(item)
        if data.get("status") == "resolved":
            return None, clock.parse(str(data["resolved_at"]))
        return str(data["incident_id"]), None

    def open_incident_for(self, cluster_key: str, category: str) -> str | None:
        return self.incident_key(cluster_key, category)[0]

    def create_incident(self, incident: Incident) -> str:
        """Open the incident unless one is already open for its cell and category; the open one's id."""
        key = {"PK": f"INCKEY#{incident.cluster_key}#{incident.category}", "SK": "A",
               "incident_id": incident.incident_id, "status": "open"}
        try:
            self.client.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.table_name, "Item": _item(key),
                         "ConditionExpression": "attribute_not_exists(PK) OR #status = :resolved",
                         "ExpressionAttributeNames": {"#status": "status"},
                         "ExpressionAttributeValues": {":resolved": _to_attr("resolved")}}},
                {"Put": {"TableName": self.table_name, "Item": self._incident_item(incident),
                         "ConditionExpression": "attribute_not_exists(PK)"}},
            ])
            return incident.incident_id
        except ClientError as exc:
            if not _conditional_failure(exc, index=0):
                raise
        existing = self.open_incident_for(incident.cluster_key, incident.category)
        if existing is None:
            raise VersionConflict("the incident was resolved while this one opened; retry")
        return existing

    def get_incident(self, incident_id: str) -> Incident:
        item = self.client.get_item(TableName=self.table_name, ConsistentRead=True,
                                    Key=_item({"PK": f"INC#{incident_id}", "SK": "A"})).get("Item")
        if item is None:
            raise ComplaintNotFound(f"incident {incident_id} not found")
        data = _from_item(item)
        return Incident.model_validate({k: v for k, v in data.items() if k in Incident.model_fields})

    def save_incident(self, incident: Incident, *, release_key: bool = False) -> Incident:
        expected = incident.version
        incident.version = expected + 1
        put = {"TableName": self.table_name, "Item": self._incident_item(incident),
               "ConditionExpression": "version = :expected",
               "ExpressionAttributeValues": {":expected": _to_attr(expected)}}
        items: list[dict[str, Any]] = [{"Put": put}]
        if release_key and incident.resolved_at is not None:
            # The cell's key stays, marked resolved: complaints from before the fix do not
            # count toward the next incident.
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": _item({"PK": f"INCKEY#{incident.cluster_key}#{incident.category}", "SK": "A"}),
                "UpdateExpression": "SET #status = :resolved, resolved_at = :at",
                "ConditionExpression": "incident_id = :id",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":id": _to_attr(incident.incident_id),
                                              ":resolved": _to_attr("resolved"),
                                              ":at": _to_attr(clock.iso(incident.resolved_at))}}})
        self._write_versioned(items, incident, expected, f"incident {incident.incident_id}")
        return incident

    # ----------------------------------------------------------- staff roster
    def staff_items(self) -> list[dict[str, Any]]:
        rows = []
        for item in self._query(KeyConditionExpression="PK = :pk",
                                ExpressionAttributeValues=_item({":pk": "STAFF"}), ConsistentRead=True):
            data = _from_item(item)
            rows.append({"kind": data["kind"], "id": data["id"], "data": data["data"]})
        return rows

    def put_staff(self, kind: str, staff_id: str, data: dict[str, Any], *, create_only: bool) -> None:
        put: dict[str, Any] = {"TableName": self.table_name, "Item": _item(
            {"PK": "STAFF", "SK": f"{kind.upper()}#{staff_id}", "kind": kind, "id": staff_id, "data": data})}
        if create_only:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self.client.put_item(**put)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def delete_staff(self, kind: str, staff_id: str) -> None:
        key = _item({"PK": "STAFF", "SK": f"{kind.upper()}#{staff_id}"})
        self.client.delete_item(TableName=self.table_name, Key=key)

    # ----------------------------------------------------------- messages held through quiet hours
    def hold_message(self, complaint_id: str, template: str, phone: str, language: str,
                     params: dict[str, Any], at: datetime) -> None:
        shard = self.shard_of(complaint_id)
        sk = f"M#{clock.iso(clock.now())}#{uuid.uuid4().hex[:8]}"
        self.client.put_item(TableName=self.table_name, Item=_item({
            "PK": f"C#{complaint_id}", "SK": sk, "complaint_id": complaint_id, "template": template,
            "phone": phone, "language": language, "params": {k: str(v) for k, v in params.items()},
            "TPK": f"TM#{shard}", "TSK": f"{clock.iso(at)}#{complaint_id}#{sk}"}))

    def due_messages(self, now: datetime) -> Iterator[dict[str, Any]]:
        return self._due("TM", now, self.timer_shards)

    def take_message(self, message: dict[str, Any]) -> bool:
        """Claim a held message for sending (one sweep wins)."""
        try:
            self.client.delete_item(TableName=self.table_name, ConditionExpression="attribute_exists(PK)",
                                    Key=_item({"PK": message["PK"], "SK": message["SK"]}))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # ----------------------------------------------------------- staff digests
    def queue_digest(self, agent_id: str, complaint_id: str, text: str, due: datetime) -> None:
        """Keep a line for the agent's next digest; the first line sets when it is sent."""
        now = clock.iso(clock.now())
        self.client.put_item(TableName=self.table_name, Item=_item({
            "PK": f"DIGEST#{agent_id}", "SK": f"L#{now}#{uuid.uuid4().hex[:8]}",
            "complaint_id": complaint_id, "text": text}))
        try:
            self.client.put_item(
                TableName=self.table_name, ConditionExpression="attribute_not_exists(PK)",
                Item=_item({"PK": f"DIGEST#{agent_id}", "SK": "A", "agent_id": agent_id,
                            "TPK": "TD#0", "TSK": f"{clock.iso(due)}#{agent_id}"}))
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def due_digests(self, now: datetime) -> list[str]:
        return [str(data["agent_id"]) for data in self._due("TD", now, 1)]

    def take_digest(self, agent_id: str) -> list[str]:
        """Claim the agent's due digest (one sweep wins) and return its lines, oldest first."""
        try:
            self.client.delete_item(TableName=self.table_name, Key=_item({"PK": f"DIGEST#{agent_id}", "SK": "A"}),
                                    ConditionExpression="attribute_exists(PK)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return []
            raise
        lines = list(self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :l)",
                                 ExpressionAttributeValues=_item({":pk": f"DIGEST#{agent_id}", ":l": "L#"})))
        for item in lines:
            self.client.delete_item(TableName=self.table_name, Key={"PK": item["PK"], "SK": item["SK"]})
        return [str(_from_item(item)["text"]) for item in lines]

    # ----------------------------------------------------------- promise timers
    def schedule_promise(self, complaint_id: str, kind: str, at: datetime) -> None:
        """(Re)start a promise's timer at its first step."""
        shard = self.shard_of(complaint_id)
        self.client.put_item(TableName=self.table_name, Item=_item({
            "PK": f"C#{complaint_id}", "SK": f"P#{kind}", "complaint_id": complaint_id, "kind": kind, "step": 0,
            "TPK": f"TP#{shard}", "TSK": f"{clock.iso(at)}#{complaint_id}#{kind}"}))

    def _due(self, prefix: str, now: datetime, shards: int) -> Iterator[dict[str, Any]]:
        """Items of one kind of timer that are due, shard by shard: cost grows with due items only."""
        upper = f"{clock.iso(now)}#~"
        for shard in range(shards):
            for item in self._query(IndexName="timers", KeyConditionExpression="TPK = :pk AND TSK <= :now",
                                    ExpressionAttributeValues=_item({":pk": f"{prefix}#{shard}", ":now": upper})):
                yield _from_item(item)

    def due_promises(self, now: datetime) -> Iterator[tuple[str, str, int]]:
        """(complaint id, promise kind, step) of every promise timer due."""
        for data in self._due("TP", now, self.timer_shards):
            yield str(data["complaint_id"]), str(data["kind"]), int(data["step"])

    def advance_promise(self, complaint_id: str, kind: str, step: int, next_at: datetime | None) -> bool:
        """Claim one step of a promise timer (one sweep wins); the timer ends after its last step."""
        key = _item({"PK": f"C#{complaint_id}", "SK": f"P#{kind}"})
        try:
            if next_at is None:
                self.client.delete_item(TableName=self.table_name, Key=key, ConditionExpression="step = :step",
                                        ExpressionAttributeValues=_item({":step": step}))
            else:
                self.client.update_item(
                    TableName=self.table_name, Key=key, ConditionExpression="step = :step",
                    UpdateExpression="SET step = :next, TSK = :tsk",
                    ExpressionAttributeValues=_item({":step": step, ":next": step + 1,
                                                     ":tsk": f"{clock.iso(next_at)}#{complaint_id}#{kind}"}))
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def due_timers(self, now: datetime) -> Iterator[ComplaintRecord]:
        """Every complaint whose human wait is due."""
        for data in self._due("T", now, self.timer_shards):
            yield ComplaintRecord.model_validate(data)

    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.table_name, **kwargs):
            yield from page.get("Items", [])


REPORT_SHARDS = 16


def report_shard(complaint_id: str) -> int:
    return zlib.crc32(complaint_id.encode()) % REPORT_SHARDS


def _transaction_conflict(exc: ClientError) -> bool:
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    message = exc.response.get("Error", {}).get("Message", "")
    return any(r.get("Code") == "TransactionConflict" for r in reasons) or "TransactionConflict" in message


def _conditional_failure(exc: ClientError, index: int) -> bool:
    code = exc.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = exc.response.get("CancellationReasons") or []
    if reasons:
        return len(reasons) > index and reasons[index].get("Code") == "ConditionalCheckFailed"
    # Some clients only carry the reasons in the message.
    message = exc.response.get("Error", {}).get("Message", "")
    codes = message.partition("[")[2].rstrip("]").split(", ")
    return len(codes) > index and codes[index].strip() == "ConditionalCheckFailed"
