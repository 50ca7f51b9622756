"""The complaint store: exactly-once intake, versioned saves, the optimistic update, and its listings."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.adapters.dynamodb import Tables, keys
from complaints.core import clock
from complaints.core.enums import Status
from complaints.core.errors import DuplicateMismatch, VersionConflict
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent
from tests.unit.adapters.conftest import complaint, minutes


def _event(kind: str) -> TimelineEvent:
    return TimelineEvent(at=clock.now(), type=kind, actor="system")


def _aggregates(client: Any) -> int:
    return int(client.scan(TableName="complaints-test", FilterExpression="SK = :a AND begins_with(PK, :c)",
                           ExpressionAttributeValues={":a": {"S": "A"}, ":c": {"S": "C#"}})["Count"])


def test_a_complaint_is_created_once_per_external_id(tables: Tables, client: Any) -> None:
    # Given a complaint the portal delivered
    first = complaint(1)
    assert tables.complaints.create(first, "body-1", [_event("received")]) == first.complaint_id
    # When the portal delivers the same body again, under a new complaint id
    again = complaint(1).model_copy(update={"complaint_id": "C20261130-999999"})
    # Then the earlier complaint answers and nothing new is stored
    assert tables.complaints.create(again, "body-1", [_event("received")]) == first.complaint_id
    assert _aggregates(client) == 1
    assert tables.complaints.find_external("app", "ext-1") == first.complaint_id
    assert [e.type for e in tables.complaints.timeline(first.complaint_id)] == ["received"]


def test_an_external_id_reused_for_another_body_is_refused(tables: Tables) -> None:
    tables.complaints.create(complaint(1), "body-1", [])
    with pytest.raises(DuplicateMismatch):
        tables.complaints.create(complaint(1).model_copy(update={"complaint_id": "C20261130-999999"}), "body-2", [])


def test_a_save_from_a_stale_read_is_a_version_conflict_and_leaves_the_copy_as_read(tables: Tables) -> None:
    record = complaint(1, category="network.data", area="north")
    tables.complaints.create(record, "body", [])
    mine, theirs = tables.complaints.get(record.complaint_id), tables.complaints.get(record.complaint_id)
    theirs.status = Status.IN_PROGRESS
    tables.complaints.save(theirs, [_event("accepted")])
    mine.status = Status.CLOSED
    counted, counted_open = list(mine.counted), mine.counted_open
    with pytest.raises(VersionConflict, match="changed by someone else"):
        tables.complaints.save(mine, [_event("closed")])
    assert (mine.version, mine.counted, mine.counted_open) == (0, counted, counted_open)
    stored = tables.complaints.get(record.complaint_id)
    assert (stored.version, stored.status) == (1, Status.IN_PROGRESS)
    assert [e.type for e in tables.complaints.timeline(record.complaint_id)] == ["accepted"]


def test_update_reads_again_after_a_conflict(tables: Tables) -> None:
    record = complaint(1)
    tables.complaints.create(record, "body", [])
    seen: list[int] = []

    def close(current: ComplaintRecord) -> list[TimelineEvent]:
        seen.append(current.version)
        if len(seen) == 1:  # someone else writes between this read and its save
            other = tables.complaints.get(record.complaint_id)
            other.owner_id = "a-chen"
            tables.complaints.save(other)
        current.status = Status.CLOSED
        return [_event("closed")]

    saved = tables.complaints.update(record.complaint_id, close)
    assert seen == [0, 1]
    assert saved is not None and (saved.version, saved.status, saved.owner_id) == (2, Status.CLOSED, "a-chen")


def test_update_writes_nothing_when_the_change_is_not_needed(tables: Tables) -> None:
    record = complaint(1)
    tables.complaints.create(record, "body", [])
    assert tables.complaints.update(record.complaint_id, lambda current: None) is None
    assert tables.complaints.get(record.complaint_id).version == 0


def test_update_gives_the_conflict_back_after_its_attempts(tables: Tables) -> None:
    record = complaint(1)
    tables.complaints.create(record, "body", [])
    attempts: list[int] = []

    def always_beaten(current: ComplaintRecord) -> list[TimelineEvent]:
        attempts.append(current.version)
        tables.complaints.save(tables.complaints.get(record.complaint_id))
        return []

    with pytest.raises(VersionConflict, match="kept changing"):
        tables.complaints.update(record.complaint_id, always_beaten, attempts=3)
    assert len(attempts) == 3


def test_a_queue_lists_open_complaints_most_urgent_first_and_the_timer_index_finds_due_waits(
        tables: Tables) -> None:
    now = clock.now()
    for n in (1, 2):
        record = complaint(n, category="network.data")
        if n == 2:
            record.set_timer(record.stage, now - minutes(1))
        tables.complaints.create(record, f"body-{n}", [])
    listed, _ = tables.complaints.list_by("queue", "network", open_only=True, limit=10, start=None)
    assert sorted(r.complaint_id for r in listed) == ["C20261130-000001", "C20261130-000002"]
    assert [r.complaint_id for r in tables.complaints.due_timers(now)] == ["C20261130-000002"]
    assert tables.complaints.recent_by_customer("key-1", now - minutes(5), now + minutes(5)) == [
        ("C20261130-000001", "network.data")]


def test_the_stored_keys_keep_their_format(tables: Tables, client: Any) -> None:
    record = complaint(7, category="network.data", area="north")
    tables.complaints.create(record, "body", [])
    stored = client.get_item(TableName="complaints-test", Key={"PK": {"S": "C#C20261130-000007"}, "SK": {"S": "A"}})
    item = {k: next(iter(v.values())) for k, v in stored["Item"].items()}
    assert item["QPK"] == "Q#network" and item["QSK"].startswith("open#2#9999-12-31T00:00:00.000000Z#")
    assert item["CPK"] == "P#key-7" and item["APK"] == "A#area:north#network"
    assert keys.external("app", "ext-7") == {"PK": "EXT#app#ext-7", "SK": "A"}
