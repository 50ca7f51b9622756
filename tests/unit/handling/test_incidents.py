"""Outage clusters: the policy's threshold of complaints from one cell opens one incident; resolving it resolves all."""

from __future__ import annotations

import pytest

from complaints.core.errors import Conflict, Forbidden, InvalidField
from complaints.core.record import ComplaintRecord, Incident
from complaints.desk.context import Desk
from complaints.handling import acceptance, incidents
from complaints.workflow import steps
from tests.unit.support import (
    FakeWorkflow,
    MemoryNotifier,
    Priority,
    Stage,
    Status,
    advance,
    operator,
    park,
    receive,
    record,
    to_acceptance,
)

CELL = "BJ-CY-7781"
NETWORK = ("network_optimisation",)
# Three complaints make an outage here (the telecom desk says five): the rule is the same, the tests quicker.
pytestmark = pytest.mark.policy(clusters={"threshold": 3})


def _from_the_cell(desk: Desk, count: int, cell: str = CELL) -> list[str]:
    ids = [receive(desk, cell_id=cell) for _ in range(count)]
    for cid in ids:
        steps.classify_step(desk, cid)
    return ids


def _incident(desk: Desk, complaint_id: str) -> Incident:
    incident_id = record(desk, complaint_id).incident_id
    assert incident_id is not None
    return desk.incidents.get(incident_id)


def test_fewer_complaints_than_the_threshold_open_no_incident(desk: Desk) -> None:
    ids = _from_the_cell(desk, desk.policy.clusters.threshold - 1)

    assert [record(desk, cid).incident_id for cid in ids] == [None] * len(ids)


def test_complaints_from_other_cells_do_not_add_up(desk: Desk) -> None:
    ids = _from_the_cell(desk, 2) + _from_the_cell(desk, 2, cell="BJ-CY-0001")

    assert all(record(desk, cid).incident_id is None for cid in ids)


def test_the_customers_of_one_outage_count_together_whatever_symptom_they_report(desk: Desk) -> None:
    # No signal, calls that fail, no mobile data: three network categories, one cell, one outage.
    texts = ("小区里突然一点信号都没有了", "电话打不出去，一直提示呼叫失败", "手机流量突然用不了，上不了网")
    ids = [receive(desk, text, cell_id=CELL) for text in texts]
    for cid in ids:
        steps.classify_step(desk, cid)

    categories = {record(desk, cid).classification.category for cid in ids}  # type: ignore[union-attr]
    assert len(categories) > 1 and all(c.startswith("network.") for c in categories)
    assert len({record(desk, cid).incident_id for cid in ids} - {None}) == 1


def test_a_customer_who_names_the_cause_is_part_of_the_same_outage(desk: Desk) -> None:
    # A cut fibre is a sudden event, not a network category; the profile counts it in the network's outage group.
    texts = ("施工队把光缆挖断了，整个小区都没信号", "小区里突然一点信号都没有了", "电话打不出去，一直提示呼叫失败")
    ids = [receive(desk, text, cell_id=CELL) for text in texts]
    for cid in ids:
        steps.classify_step(desk, cid)

    categories = [record(desk, cid).classification.category for cid in ids]  # type: ignore[union-attr]
    assert categories[0] == "sudden_event" and all(c.startswith("network.") for c in categories[1:])
    linked = [record(desk, cid).incident_id for cid in ids]
    assert linked[0] is not None and set(linked) == {linked[0]}


def test_the_threshold_opens_one_incident_linking_every_complaint_and_tells_the_supervisor_once(
        desk: Desk, notifier: MemoryNotifier) -> None:
    ids = _from_the_cell(desk, desk.policy.clusters.threshold)

    incident = _incident(desk, ids[-1])
    assert incident.complaint_ids == ids and incident.opened_by == ids[-1] and incident.members_linked
    assert {record(desk, cid).incident_id for cid in ids} == {incident.incident_id}
    # An outage affects many users: at least high priority
    assert all(record(desk, cid).priority in (Priority.HIGH, Priority.URGENT) for cid in ids)
    assert len(notifier.to_staff("sup-sun", "incident_opened")) == 1


def test_a_later_complaint_joins_the_open_incident_without_a_second_notice(
        desk: Desk, notifier: MemoryNotifier) -> None:
    ids = _from_the_cell(desk, desk.policy.clusters.threshold)

    later, = _from_the_cell(desk, 1)

    incident = _incident(desk, ids[0])
    assert record(desk, later).incident_id == incident.incident_id and incident.complaint_ids == [*ids, later]
    assert len(notifier.to_staff("sup-sun", "incident_opened")) == 1


def test_complaints_classified_at_the_same_moment_count_each_other(
        desk: Desk, notifier: MemoryNotifier, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the threshold's complaints whose classifications are all saved before any step looks for an outage,
    # as when their steps run at once
    looks: list[str] = []

    def later(desk: Desk, stored: ComplaintRecord, cell: incidents.Place | None = None) -> ComplaintRecord:
        looks.append(stored.complaint_id)
        return stored

    monkeypatch.setattr(incidents, "open_at_threshold", later)
    ids = _from_the_cell(desk, desk.policy.clusters.threshold)
    monkeypatch.undo()
    assert all(record(desk, cid).incident_id is None for cid in ids)
    # When each step goes on to look
    for cid in looks:
        incidents.open_at_threshold(desk, record(desk, cid))
    # Then one incident links them all, and the supervisor is told once
    incident = _incident(desk, ids[0])
    assert sorted(incident.complaint_ids) == sorted(ids) and incident.members_linked
    assert {record(desk, cid).incident_id for cid in ids} == {incident.incident_id}
    assert all(record(desk, cid).priority is Priority.HIGH for cid in ids)
    assert len(notifier.to_staff("sup-sun", "incident_opened")) == 1


def test_the_opener_run_again_links_nobody_twice(desk: Desk, notifier: MemoryNotifier) -> None:
    ids = _from_the_cell(desk, desk.policy.clusters.threshold)
    opener = record(desk, ids[-1])
    before = _incident(desk, ids[-1])

    steps.classify_step(desk, opener.complaint_id)  # the classification step run again

    after = _incident(desk, ids[-1])
    assert after.complaint_ids == before.complaint_ids and after.version == before.version
    assert len(notifier.to_staff("sup-sun", "incident_opened")) == 1


def test_resolving_the_incident_resolves_each_complaint_as_its_wait_is_parked(
        desk: Desk, workflow: FakeWorkflow) -> None:
    # Given an incident whose complaints wait for acceptance, one of them already at work
    ids = [receive(desk, cell_id=CELL) for _ in range(desk.policy.clusters.threshold)]
    owners = [to_acceptance(desk, cid) for cid in ids]
    acceptance.accept(desk, ids[0], operator(desk, owners[0]))
    at_work = park(desk, ids[0], Stage.RESOLUTION)
    waiting = record(desk, ids[1]).task_token
    assert waiting is not None
    # When network operations resolve the incident
    incidents.resolve_incident(desk, str(record(desk, ids[0]).incident_id), "sup-sun", NETWORK,
                               "base_station_fault", "replaced the BBU power module")
    # Then the one at work is resolved at once, and the others are accepted now and resolved when parked
    assert record(desk, ids[0]).status is Status.RESOLVED
    assert workflow.output_for(at_work) == {"outcome": "resolved", "quality_check": False}
    assert workflow.output_for(waiting)["accepted_by"].startswith("incident:")
    park(desk, ids[1], Stage.RESOLUTION)
    resolved = record(desk, ids[1])
    assert resolved.status is Status.RESOLVED and resolved.resolution is not None
    assert resolved.resolution.root_cause == "base_station_fault"


@pytest.mark.parametrize("departments, root_cause, refused", [
    (("billing",), "base_station_fault", Forbidden),
    (NETWORK, "wrong_charge", InvalidField),
])
def test_only_its_department_resolves_an_incident_with_a_root_cause_of_its_category(
        desk: Desk, departments: tuple[str, ...], root_cause: str, refused: type[Exception]) -> None:
    ids = _from_the_cell(desk, desk.policy.clusters.threshold)

    with pytest.raises(refused):
        incidents.resolve_incident(desk, str(record(desk, ids[0]).incident_id), "sup-sun", departments,
                                   root_cause, "replaced it")

    assert _incident(desk, ids[0]).status == "open"


def test_an_incident_is_resolved_once_and_earlier_complaints_do_not_open_the_next(desk: Desk) -> None:
    ids = _from_the_cell(desk, desk.policy.clusters.threshold)
    incident_id = str(record(desk, ids[0]).incident_id)
    incidents.resolve_incident(desk, incident_id, "sup-sun", NETWORK, "base_station_fault", "replaced it")

    with pytest.raises(Conflict):
        incidents.resolve_incident(desk, incident_id, "sup-sun", NETWORK, "base_station_fault", "again")
    advance(minutes=5)
    after, = _from_the_cell(desk, 1)

    assert record(desk, after).incident_id is None  # enough in the window, but from before the fix


def test_an_incident_is_seen_by_its_department_and_managers_only(desk: Desk) -> None:
    incident_id = str(record(desk, _from_the_cell(desk, desk.policy.clusters.threshold)[0]).incident_id)

    assert incidents.view_incident(desk, incident_id, operator(desk, "sup-sun")).incident_id == incident_id
    assert incidents.view_incident(desk, incident_id, operator(desk, "mgr-qian")).incident_id == incident_id
    for outsider in ("a-he", "sup-zhao", "sup-feng"):
        with pytest.raises(Forbidden):
            incidents.view_incident(desk, incident_id, operator(desk, outsider))
