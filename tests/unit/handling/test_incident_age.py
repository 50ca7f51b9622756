"""A site down for more than 48 hours is prioritised: an incident open past the policy's limit raises its complaints,
tells network operations' supervisor and manager once, and shows in the reports."""

from __future__ import annotations

from datetime import date

import pytest

from complaints.core.enums import Priority, Status
from complaints.core.record import Incident
from complaints.desk.context import Desk
from complaints.handling import incident_age, incidents
from complaints.reporting import reports
from complaints.workflow import reminders, steps
from tests.unit.support import (
    MemoryNotifier,
    advance,
    events,
    operator,
    receive,
    record,
    today_counts,
)

CELL = "BJ-CY-7781"
pytestmark = pytest.mark.policy(clusters={"threshold": 3})


def _outage(desk: Desk, count: int = 3) -> tuple[list[str], Incident]:
    ids = [receive(desk, cell_id=CELL) for _ in range(count)]
    for cid in ids:
        steps.classify_step(desk, cid)
    incident_id = record(desk, ids[0]).incident_id
    assert incident_id is not None
    return ids, desk.incidents.get(incident_id)


def test_an_incident_is_prioritised_once_its_limit_has_passed_and_not_before(
        desk: Desk, notifier: MemoryNotifier) -> None:
    ids, incident = _outage(desk)
    assert incident.prioritise_at is not None
    assert incident.prioritise_at == desk.policy.calendar.add(incident.opened_at, "48h")
    assert {record(desk, cid).priority for cid in ids} == {Priority.HIGH}

    advance(hours=47, minutes=58)
    assert reminders.sweep(desk).incidents_prioritised == 0
    assert {record(desk, cid).priority for cid in ids} == {Priority.HIGH}

    advance(minutes=3)
    assert reminders.sweep(desk).incidents_prioritised == 1

    assert {record(desk, cid).priority for cid in ids} == {Priority.URGENT}
    assert all(events(desk, cid).count("incident_prioritised") == 1 for cid in ids)
    assert desk.incidents.get(incident.incident_id).prioritised_at is not None
    for staff in ("sup-sun", "mgr-qian"):  # the department's supervisor and manager, at once
        told = notifier.to_staff(staff, "incident_prioritised")
        assert len(told) == 1 and "48 hours" in told[0].render() and incident.incident_id in told[0].render()
    assert today_counts(desk)["incident_raised"] == len(ids)
    # And a later sweep does it again for nobody
    advance(hours=1)
    assert reminders.sweep(desk).incidents_prioritised == 0
    assert len(notifier.to_staff("sup-sun", "incident_prioritised")) == 1


def test_a_resolved_incident_is_never_prioritised(desk: Desk, notifier: MemoryNotifier) -> None:
    ids, incident = _outage(desk)
    incidents.resolve_incident(desk, incident.incident_id, "sup-sun", ("network_optimisation",),
                               "base_station_fault", "replaced the power module")

    advance(days=3)
    reminders.sweep(desk)

    assert not any("incident_prioritised" in events(desk, cid) for cid in ids)
    assert not notifier.to_staff("sup-sun", "incident_prioritised")


def test_a_complaint_joining_a_prioritised_incident_is_raised_as_it_joins(desk: Desk) -> None:
    _, incident = _outage(desk)
    advance(hours=49)
    reminders.sweep(desk)

    later = receive(desk, cell_id=CELL)
    steps.classify_step(desk, later)

    assert record(desk, later).incident_id == incident.incident_id
    assert record(desk, later).priority is Priority.URGENT


def test_closed_and_already_urgent_complaints_are_left_as_they_are(desk: Desk) -> None:
    ids, incident = _outage(desk)
    closed = record(desk, ids[0])
    closed.status = Status.CLOSED
    desk.complaints.save(closed)

    advance(hours=49)
    assert incident_age.prioritise(desk, incident.incident_id, advance()) is True

    assert record(desk, ids[0]).priority is Priority.HIGH and "incident_prioritised" not in events(desk, ids[0])
    assert all(record(desk, cid).priority is Priority.URGENT for cid in ids[1:])
    # Run again (an overlapping sweep), nothing changes twice
    assert incident_age.prioritise(desk, incident.incident_id, advance()) is False
    assert all(events(desk, cid).count("incident_prioritised") == 1 for cid in ids[1:])


def test_the_summary_marks_the_prioritised_incident_and_counts_the_complaints_raised(desk: Desk) -> None:
    ids, incident = _outage(desk)
    advance(hours=49)
    reminders.sweep(desk)
    today = advance().astimezone(desk.policy.calendar.zone).date()

    report = reports.summary(desk, operator(desk, "mgr-qian"), date(today.year, today.month, 1), today)

    line, = [i for i in report.open_incidents if i.incident_id == incident.incident_id]
    assert line.prioritised_at is not None and report.incident_raised == len(ids)
    rows = reports.summary_rows(report)
    assert any(section == "open_incident" and "prioritised" in value for section, _, value in rows)


@pytest.mark.policy(clusters={"threshold": 3, "prioritise_after": None})
def test_a_desk_whose_policy_sets_no_limit_never_prioritises(desk: Desk) -> None:
    ids, incident = _outage(desk)
    assert incident.prioritise_at is None

    advance(days=10)
    reminders.sweep(desk)

    assert {record(desk, cid).priority for cid in ids} == {Priority.HIGH}
