"""Incidents: one per outage, and per place and category a key naming the open one (so it opens once)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from complaints.adapters.dynamodb import keys
from complaints.adapters.dynamodb.codec import from_item, item, to_attr
from complaints.adapters.dynamodb.conditional import ATTEMPTS, conditional, retried
from complaints.adapters.dynamodb.table import Table
from complaints.core import clock
from complaints.core.errors import ComplaintNotFound, ConditionFailed, VersionConflict
from complaints.core.record import Incident


class IncidentStore:
    def __init__(self, table: Table, outage_group: Callable[[str], str]) -> None:
        self.table = table
        self._outage_group = outage_group  # the policy's ClusterRule.group_of: a category -> its outage group

    def _key(self, cluster_key: str, category: str) -> dict[str, Any]:
        return keys.incident_of_place(cluster_key, self._outage_group(category))

    def of_place(self, cluster_key: str, category: str) -> tuple[str | None, datetime | None]:
        """The open incident of a place and a category's outage group, or when the last one was resolved."""
        data = self.table.get(self._key(cluster_key, category))
        if data is None:
            return None, None
        if data.get("status") == "resolved":
            return None, clock.parse(str(data["resolved_at"]))
        return str(data["incident_id"]), None

    def open_for(self, cluster_key: str, category: str) -> str | None:
        return self.of_place(cluster_key, category)[0]

    def create(self, incident: Incident) -> str:
        """Open the incident unless one is already open for its place and category; the open one's id."""
        cell = {**self._key(incident.cluster_key, incident.category),
                "incident_id": incident.incident_id, "status": "open"}
        claim = self.table.put(cell, condition="attribute_not_exists(PK) OR #status = :resolved")
        claim["Put"].update({"ExpressionAttributeNames": {"#status": "status"},
                             "ExpressionAttributeValues": {":resolved": to_attr("resolved")}})
        try:
            with conditional(f"the open incident of its cell ({incident.incident_id})"):
                self.table.client.transact_write_items(TransactItems=[
                    claim, self.table.put(self._attrs(incident), condition="attribute_not_exists(PK)")])
            return incident.incident_id
        except ConditionFailed:
            pass  # another complaint of the cell opened one first
        existing = self.open_for(incident.cluster_key, incident.category)
        if existing is None:
            raise VersionConflict("the incident was resolved while this one opened; retry")
        return existing

    def get(self, incident_id: str) -> Incident:
        data = self.table.get(keys.incident(incident_id))
        if data is None:
            raise ComplaintNotFound(f"incident {incident_id} not found")
        return Incident.model_validate({k: v for k, v in data.items() if k in Incident.model_fields})

    def save(self, incident: Incident, *, release_key: bool = False) -> Incident:
        expected = incident.version
        incident.version = expected + 1
        put = self.table.put(self._attrs(incident), condition="version = :expected")
        put["Put"]["ExpressionAttributeValues"] = {":expected": to_attr(expected)}
        items: list[dict[str, Any]] = [put]
        if release_key and incident.resolved_at is not None:
            # The cell's key stays, marked resolved: complaints from before the fix do not
            # count toward the next incident.
            items.append({"Update": {
                "TableName": self.table.name,
                "Key": item(self._key(incident.cluster_key, incident.category)),
                "UpdateExpression": "SET #status = :resolved, resolved_at = :at",
                "ConditionExpression": "incident_id = :id",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":id": to_attr(incident.incident_id),
                                              ":resolved": to_attr("resolved"),
                                              ":at": to_attr(clock.iso(incident.resolved_at))}}})
        self.table.write_versioned(items, incident, expected, f"incident {incident.incident_id}")
        return incident

    def update(self, incident_id: str, mutate: Callable[[Incident], bool], *,
               attempts: int = ATTEMPTS) -> Incident | None:
        """Read the incident, change it and save it; again if someone else wrote first.

        mutate returns False to leave the incident as it is (nothing is written, update returns None).
        """
        def attempt() -> Incident | None:
            incident = self.get(incident_id)
            return self.save(incident) if mutate(incident) else None

        return retried(attempt, f"incident {incident_id}", attempts)

    def due_to_prioritise(self, now: datetime) -> list[str]:
        """Open incidents whose age limit has passed and that are not prioritised yet."""
        return [str(data["incident_id"]) for data in self.table.due(keys.INCIDENT_AGES, now, 1)]

    def open_in(self, departments: list[str]) -> list[Incident]:
        """Open incidents, by department through the queue index (incidents are kept there by status)."""
        entries: list[dict[str, Any]] = []
        for department in departments:
            entries.extend(from_item(stored) for stored in self.table.query(
                IndexName=self.table.indexes["queue"],
                KeyConditionExpression="QPK = :pk AND begins_with(QSK, :open)",
                ExpressionAttributeValues={":pk": to_attr(keys.incident_queue(department)),
                                           ":open": to_attr(keys.OPEN)}))
        return [Incident.model_validate({k: v for k, v in data.items() if k in Incident.model_fields})
                for data in self.table.fetch(entries)]  # the queue index keeps the keys only

    @staticmethod
    def _attrs(incident: Incident) -> dict[str, Any]:
        return {**incident.model_dump(mode="json", exclude_none=True), **keys.incident(incident.incident_id),
                **keys.incident_listing(incident), **keys.incident_age(incident)}
