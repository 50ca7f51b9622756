"""Correcting where a complaint is: what is refused (with nothing stored), what a correction sets, and how the
cluster key, the hotspot gauge and the count by area follow it."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.core.enums import Status
from complaints.core.errors import Forbidden, InvalidField, NotAwaiting, VersionConflict
from complaints.core.location_correction import LocationCorrection
from complaints.core.record import ComplaintRecord
from complaints.desk.context import Desk
from complaints.handling import location_correction
from complaints.reporting.counting import HOTSPOT
from tests.unit.support import FakeWorkflow, advance, operator, receive, record, to_resolution, today_counts

BURST = "家里水管爆裂了，水漫到客厅，快派人来修"  # a repair: a hotspot category of the office
FLAT = {"area": "lanting", "building": "3", "unit": "2", "room": "1102", "address": "兰亭路88号"}

pytestmark = pytest.mark.profile("property")


def _correction(note: str | None = None, **location: Any) -> LocationCorrection:
    return LocationCorrection.model_validate({"location": location, "note": note})


def _burst(desk: Desk) -> tuple[str, str]:
    """A burst pipe reported from building 3, with its owner working on it."""
    cid = receive(desk, BURST, service=None, location=FLAT)
    return cid, to_resolution(desk, cid)


def _corrections(desk: Desk, complaint_id: str) -> list[dict[str, Any]]:
    return [e.detail for e in desk.complaints.timeline(complaint_id) if e.type == "location_corrected"]


def _hotspots(desk: Desk) -> dict[str, int]:
    return {k.removeprefix(f"{HOTSPOT}:"): v for k, v in desk.reports.open_gauges().items()
            if k.startswith(f"{HOTSPOT}:")}


def _unchanged(desk: Desk, cid: str, before: ComplaintRecord) -> None:
    after = record(desk, cid)
    assert (after.version, after.location, after.cluster_key) == (before.version, before.location, before.cluster_key)
    assert _corrections(desk, cid) == []


# ------------------------------------------------------------------ the update
def test_the_owner_corrects_the_building_and_room_and_the_rest_stays(desk: Desk) -> None:
    cid, owner = _burst(desk)
    assert record(desk, cid).cluster_key == "building:3"

    answer = location_correction.correct(desk, cid, operator(desk, owner),
                                         _correction(note="回访时业主更正", building="5", room="502", unit="2"))

    stored = record(desk, cid)
    assert stored.location is not None
    assert stored.location.profile_fields == {"building": "5", "unit": "2", "room": "502"}
    assert (stored.location.area, stored.location.address) == ("lanting", "兰亭路88号")
    assert stored.cluster_key == "building:5"  # where an outage would show follows the place
    # The timeline names the fields whose value changed (the unit given again is not one), never a value
    assert _corrections(desk, cid) == [{"fields": "building,room", "note": "回访时业主更正"}]
    assert answer.message == "location corrected: building, room"


def test_an_incomplete_location_is_completed_and_the_cluster_key_found(desk: Desk) -> None:
    cid = receive(desk, BURST, service=None, location={"address": "兰亭路88号"})
    owner = to_resolution(desk, cid)
    assert record(desk, cid).cluster_key is None

    location_correction.correct(desk, cid, operator(desk, owner), _correction(area="lanting", building="7"))

    assert record(desk, cid).cluster_key == "building:7"
    assert _corrections(desk, cid)[0]["fields"] == "area,building"


def test_the_workflow_hears_nothing_of_a_correction(desk: Desk, workflow: FakeWorkflow) -> None:
    cid, owner = _burst(desk)
    told = (list(workflow.started), list(workflow.succeeded), list(workflow.failed))

    location_correction.correct(desk, cid, operator(desk, owner), _correction(building="5"))

    assert (workflow.started, workflow.succeeded, workflow.failed) == told


# ------------------------------------------------------------------ refusals, with nothing stored
@pytest.mark.parametrize(("given", "field"), [
    ({"floor": "3"}, "location.floor"),  # no field of this desk
    ({"building": "5", "cell_id": "BJ-1"}, "location.cell_id"),  # another desk's field, beside a good one
    ({"building": "1234567890123456789012345678901234"}, "location.building"),  # above the profile's 32
    ({}, "location"),  # names nothing
    ({"building": None}, "location"),  # a null is no value given, as at intake
    ({"building": "3", "area": "lanting"}, "location"),  # changes nothing
])
def test_a_correction_that_cannot_be_taken_is_refused_naming_the_field(desk: Desk, given: dict[str, Any],
                                                                       field: str) -> None:
    cid, owner = _burst(desk)
    before = record(desk, cid)

    with pytest.raises(InvalidField) as refused:
        location_correction.correct(desk, cid, operator(desk, owner), _correction(**given))

    assert refused.value.field == field and refused.value.status_code == 422
    _unchanged(desk, cid, before)


@pytest.mark.parametrize("given", [{"address": "x" * 301}, {"area": "楼 3"}, {"lat": 91}, {"building": "<b>"}])
def test_the_intake_s_limits_hold_for_a_correction(given: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="location"):
        _correction(**given)


def test_someone_else_s_complaint_and_a_closed_one_are_refused(desk: Desk) -> None:
    cid, owner = _burst(desk)
    before = record(desk, cid)
    other = next(a.id for a in desk.policy.agents
                 if a.id != owner and not a.role.leads and before.department in a.departments)
    with pytest.raises(Forbidden):
        location_correction.correct(desk, cid, operator(desk, other), _correction(building="5"))
    _unchanged(desk, cid, before)

    closed = before.model_copy(update={"status": Status.CLOSED})
    with pytest.raises(NotAwaiting):
        location_correction.check_corrector(closed, operator(desk, owner))


def test_of_two_corrections_made_at_once_one_is_taken_and_the_other_refused(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    cid, owner = _burst(desk)
    lead = operator(desk, desk.policy.department(str(record(desk, cid).department)).supervisor)
    save = desk.complaints.save

    def after_the_lead(saved: ComplaintRecord, *args: Any, **kwargs: Any) -> ComplaintRecord:
        # The supervisor's correction lands between the owner's read and the owner's write
        monkeypatch.setattr(desk.complaints, "save", save)
        location_correction.correct(desk, cid, lead, _correction(building="6"))
        return save(saved, *args, **kwargs)

    monkeypatch.setattr(desk.complaints, "save", after_the_lead)
    with pytest.raises(VersionConflict):
        location_correction.correct(desk, cid, operator(desk, owner), _correction(building="5"))

    assert record(desk, cid).cluster_key == "building:6"
    assert [c["fields"] for c in _corrections(desk, cid)] == ["building"]
    assert _hotspots(desk) == {"6": 1}


# ------------------------------------------------------------------ what follows the place
def test_the_hotspot_and_the_area_count_move_to_the_corrected_place(desk: Desk) -> None:
    cid, owner = _burst(desk)
    assert _hotspots(desk) == {"3": 1}
    assert today_counts(desk)["area:lanting"] == 1

    location_correction.correct(desk, cid, operator(desk, owner), _correction(area="yuyuan", building="5"))

    assert _hotspots(desk) == {"5": 1}  # counted under the new building, and no longer under the old
    counts = today_counts(desk)
    assert counts["area:yuyuan"] == 1 and counts.get("area:lanting", 0) == 0


def test_a_correction_on_a_later_day_moves_the_area_count_of_the_day_it_was_counted(desk: Desk) -> None:
    cid, owner = _burst(desk)
    counted_on = today_counts(desk)
    advance(days=3)

    location_correction.correct(desk, cid, operator(desk, owner), _correction(area="yuyuan"))

    assert today_counts(desk).get("area:yuyuan", 0) == 0  # not today's: a day's count never goes below zero
    assert counted_on["area:lanting"] == 1
    day = record(desk, cid).received_at.astimezone(desk.policy.calendar.zone).date().isoformat()
    then = desk.reports.days([day])[day]
    assert then["area:yuyuan"] == 1 and then.get("area:lanting", 0) == 0
