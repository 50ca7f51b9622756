"""Incidents open once per cell and category; the roster is written and removed item by item; loads keep capacity."""

from __future__ import annotations

from complaints.adapters.dynamodb import Tables
from complaints.core import clock
from complaints.core.record import Incident


def _incident(incident_id: str) -> Incident:
    return Incident(incident_id=incident_id, cluster_key="cell:BJ-1", category="network.data", department="network",
                    opened_at=clock.now(), complaint_ids=["C1"], opened_by="C1")


def test_an_incident_opens_once_per_cell_and_category(tables: Tables) -> None:
    assert tables.incidents.create(_incident("INC-1")) == "INC-1"
    assert tables.incidents.create(_incident("INC-2")) == "INC-1"  # the open one
    assert tables.incidents.of_place("cell:BJ-1", "network.data") == ("INC-1", None)
    assert [i.incident_id for i in tables.incidents.open_in(["network"])] == ["INC-1"]


def test_a_resolved_incident_frees_its_cell_for_the_next(tables: Tables) -> None:
    tables.incidents.create(_incident("INC-1"))
    resolved = tables.incidents.get("INC-1")
    resolved.status, resolved.resolved_at = "resolved", clock.now()
    tables.incidents.save(resolved, release_key=True)
    open_id, last_resolved = tables.incidents.of_place("cell:BJ-1", "network.data")
    assert open_id is None and last_resolved is not None
    assert tables.incidents.create(_incident("INC-2")) == "INC-2"


def test_an_incident_update_adds_a_member_once(tables: Tables) -> None:
    tables.incidents.create(_incident("INC-1"))

    def join(incident: Incident) -> bool:
        if "C2" in incident.complaint_ids:
            return False
        incident.complaint_ids.append("C2")
        return True

    assert tables.incidents.update("INC-1", join) is not None
    assert tables.incidents.update("INC-1", join) is None
    stored = tables.incidents.get("INC-1")
    assert (stored.complaint_ids, stored.version) == (["C1", "C2"], 1)


def test_the_roster_is_put_kept_replaced_and_deleted(tables: Tables) -> None:
    tables.roster.put("agent", "a-chen", {"id": "a-chen", "capacity": 3}, create_only=True)
    tables.roster.put("agent", "a-chen", {"id": "a-chen", "capacity": 9}, create_only=True)  # kept
    tables.roster.put("department", "network", {"id": "network"}, create_only=True)
    assert sorted((r["kind"], r["id"], r["data"].get("capacity")) for r in tables.roster.rows()) == [
        ("agent", "a-chen", 3), ("department", "network", None)]
    tables.roster.put("agent", "a-chen", {"id": "a-chen", "capacity": 9}, create_only=False)
    tables.roster.delete("department", "network")
    assert [(r["id"], r["data"]["capacity"]) for r in tables.roster.rows()] == [("a-chen", 9)]


def test_an_agent_takes_no_more_than_their_capacity(tables: Tables) -> None:
    assert tables.loads.take_capacity("a-chen", 2)
    assert tables.loads.take_capacity("a-chen", 2)
    assert not tables.loads.take_capacity("a-chen", 2)
    tables.loads.adjust("a-chen", -1)
    tables.loads.record_missed_acceptance("a-chen")
    loads = tables.loads.of(["a-chen", "a-wang"])
    assert (loads["a-chen"]["open_count"], loads["a-chen"]["missed_acceptances"]) == (0, 1)
    assert loads["a-wang"] == {"open_count": 0, "last_assigned_at": "", "missed_acceptances": 0}
