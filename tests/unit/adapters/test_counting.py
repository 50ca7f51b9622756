"""Report counters are added in the transaction of the change they count, once per thing counted."""

from __future__ import annotations

from datetime import UTC

import pytest

from complaints.adapters.dynamodb import Tables
from complaints.core import clock
from complaints.core.enums import Status
from complaints.core.errors import VersionConflict
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent
from tests.unit.adapters.conftest import complaint


def _today() -> str:
    return clock.now().astimezone(UTC).date().isoformat()


def test_what_a_complaint_s_state_counts_is_counted_once(tables: Tables) -> None:
    # Given a received complaint, then classified, then saved again with nothing new to count
    record = complaint(1)
    tables.complaints.create(record, "body", [])
    stored = tables.complaints.get(record.complaint_id)
    stored.classification = complaint(1, category="network.data").classification
    stored.department = "network"
    stored = tables.complaints.save(stored)
    tables.complaints.save(stored)
    # Then each counter was added once
    assert tables.reports.days([_today()]) == {_today(): {
        "received": 1, "channel:app": 1, "category:network.data": 1, "department:network": 1, "area:unknown": 1,
        "backlog_in": 1}}
    assert sorted(tables.complaints.get(record.complaint_id).counted) == ["classified", "open", "received"]


def test_an_action_s_counters_join_the_state_s_in_the_same_write(tables: Tables) -> None:
    record = complaint(1)
    tables.complaints.create(record, "body", [])
    stored = tables.complaints.get(record.complaint_id)
    tables.complaints.save(stored, counts=("2026-11-29", {"appeals": 1}))
    tables.complaints.save(stored, counts=("2026-11-29", {"appeals": 1}))
    assert tables.reports.days(["2026-11-29", _today()]) == {
        "2026-11-29": {"appeals": 2}, _today(): {"received": 1, "channel:app": 1, "backlog_in": 1}}


def test_a_refused_write_counts_nothing_and_the_retry_counts_once(tables: Tables) -> None:
    record = complaint(1)
    tables.complaints.create(record, "body", [])
    stale, fresh = tables.complaints.get(record.complaint_id), tables.complaints.get(record.complaint_id)
    tables.complaints.save(fresh)

    def classify(current: ComplaintRecord) -> list[TimelineEvent]:
        current.classification = complaint(1, category="network.data").classification
        current.department = "network"
        return []

    classify(stale)
    with pytest.raises(VersionConflict):
        tables.complaints.save(stale)
    assert stale.counted == ["open", "received"]
    tables.complaints.update(record.complaint_id, classify)
    assert tables.reports.days([_today()])[_today()]["category:network.data"] == 1


def test_open_complaints_of_the_hotspot_categories_are_gauged_by_area_while_open(tables: Tables) -> None:
    for n in (1, 2):
        tables.complaints.create(complaint(n, category="network.data", area="north"), f"body-{n}", [])
    tables.complaints.create(complaint(3, category="billing.charge", area="north"), "body-3", [])
    assert tables.reports.open_gauges() == {"hotspot:north": 2, "open": 3}
    closing = tables.complaints.get(complaint(1).complaint_id)
    closing.status = Status.CLOSED
    tables.complaints.save(closing)
    tables.complaints.save(closing)
    assert tables.reports.open_gauges() == {"hotspot:north": 1, "open": 2}


def test_the_open_backlog_counts_each_complaint_in_and_out_once_a_time(tables: Tables) -> None:
    # Given two open complaints, one of which closes (saved twice), reopens on appeal and fails
    for n in (1, 2):
        tables.complaints.create(complaint(n), f"body-{n}", [])
    record = tables.complaints.get(complaint(1).complaint_id)
    record.status = Status.CLOSED
    record = tables.complaints.save(tables.complaints.save(record))
    assert tables.reports.open_gauges()["open"] == 1
    record.status = Status.IN_PROGRESS
    record = tables.complaints.save(record)
    record.status = Status.FAILED  # a failed complaint is still work to do
    tables.complaints.save(record)
    # Then the day counted two entries, one exit and one re-entry, and two are open now
    day = tables.reports.days([_today()])[_today()]
    assert (day["backlog_in"], day["backlog_out"]) == (3, 1)
    assert tables.reports.open_gauges()["open"] == 2
