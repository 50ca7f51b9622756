"""A complaint's location on its page, field by field under each desk's own names, in Chinese and English; the
form that corrects it, and the timeline's sentence of a correction."""

from __future__ import annotations

import re

import pytest

from complaints.core.enums import EventType, Status
from complaints.core.location_correction import LocationCorrection
from complaints.core.policy import load_policy
from complaints.core.values import Location
from complaints.desk.context import Desk
from complaints.handling import location_correction
from complaints.web import console_complaint, console_html, console_location
from complaints.web.console_text import Names
from tests.raw_keys import raw_keys, visible_text
from tests.unit.support import operator, receive, record, to_resolution

LEAK = "楼上漏水，我家天花板都泡了，报修两天了还没人来"
NURSING = "护士打针扎了三次都没扎进去，态度还很差"


@pytest.fixture(autouse=True)
def _views_read_this_desk(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_html, "current_desk", lambda: desk)
    monkeypatch.setattr(console_complaint, "_workflow", lambda *args, **kwargs: "")


def _shown(page: str) -> dict[str, tuple[str, str]]:
    """field -> (the term it is shown under, its value) of the location on a complaint page."""
    found = re.findall(r'<dt>([^<]*)</dt><dd><span class="location" data-location="([a-z_]+)">([^<]*)</span></dd>',
                       page)
    return {name: (term, value) for term, name, value in found}


@pytest.mark.profile("property")
@pytest.mark.parametrize(("lang", "terms"), [
    ("zh-CN", {"area": "小区", "building": "楼栋", "unit": "单元", "room": "房号", "address": "地址"}),
    ("en", {"area": "Estate", "building": "Building", "unit": "Unit", "room": "Room", "address": "Address"}),
])
def test_a_property_complaint_shows_its_building_unit_and_room_in_the_office_s_words(
        desk: Desk, lang: str, terms: dict[str, str]) -> None:
    # Given a leak reported from a flat
    where = {"area": "lanting", "building": "7栋", "unit": "2单元", "room": "1702", "address": "兰亭路88号"}
    cid = receive(desk, LEAK, service=None, location=where)
    owner = to_resolution(desk, cid)
    # Then its page shows each field under the office's name for it, in the profile's order
    page = console_complaint.complaint_view(desk, operator(desk, owner), cid, lang)
    assert _shown(page) == {name: (terms[name], where[name]) for name in where}
    assert list(_shown(page)) == ["area", "building", "unit", "room", "address"]
    assert raw_keys(visible_text(page)) == []


@pytest.mark.profile("hospital")
@pytest.mark.parametrize(("lang", "campus", "ward"), [("zh-CN", "院区", "病区或门诊"),
                                                     ("en", "Campus", "Ward or clinic")])
def test_a_hospital_complaint_shows_its_campus_and_ward(desk: Desk, lang: str, campus: str, ward: str) -> None:
    cid = receive(desk, NURSING, service=None, location={"campus": "east", "ward": "心内科二病区"})
    owner = to_resolution(desk, cid)
    page = console_complaint.complaint_view(desk, operator(desk, owner), cid, lang)
    assert _shown(page) == {"campus": (campus, "east"), "ward": (ward, "心内科二病区")}


@pytest.mark.parametrize(("lang", "terms"), [("zh-CN", ("区域", "小区（基站）编号")), ("en", ("Area", "Cell ID"))])
def test_a_telecom_complaint_shows_its_area_and_cell(desk: Desk, lang: str, terms: tuple[str, str]) -> None:
    cid = receive(desk, area="north", cell_id="460-00-1234-5678")
    owner = to_resolution(desk, cid)
    page = console_complaint.complaint_view(desk, operator(desk, owner), cid, lang)
    assert _shown(page) == {"area": (terms[0], "north"), "cell_id": (terms[1], "460-00-1234-5678")}


def test_a_complaint_without_a_location_shows_none(desk: Desk) -> None:
    cid = receive(desk, area=None)
    owner = to_resolution(desk, cid)
    assert _shown(console_complaint.complaint_view(desk, operator(desk, owner), cid, "zh-CN")) == {}


@pytest.mark.profile("property")
def test_values_are_escaped_and_a_field_the_profile_no_longer_names_still_shows_by_its_key(desk: Desk) -> None:
    # A location stored before the profile dropped a field ("gate"), and an address with markup in it
    stored = Location.model_validate({"building": "3", "gate": "north", "address": "A&B Road \"7\"",
                                      "lat": 22.54321, "lon": 114.05678})
    pairs = console_location.location_pairs(desk.policy, stored, Names(desk.policy, "en"))
    assert [term for term, _ in pairs] == ["Building", "Address", "gate", "Coordinates"]
    assert "A&amp;B Road &quot;7&quot;" in pairs[1][1] and "22.54321, 114.05678" in pairs[3][1]
    assert console_location.location_pairs(desk.policy, None, Names(desk.policy, "en")) == []


@pytest.mark.parametrize("profile", ["telecom", "property", "hospital"])
def test_every_desk_names_every_location_field_in_both_languages(profile: str) -> None:
    policy = load_policy(profile)
    for lang in ("zh-CN", "en"):
        for name in ("area", "address", *policy.location_fields):
            assert policy.label("location", name, lang) != name


# ------------------------------------------------------------------ correcting it
def _inputs(page: str) -> dict[str, str]:
    """The correction form's location inputs: name -> the value it holds."""
    form = re.search(r'<form class="action" data-action="correct-location".*?</form>', page, re.S)
    assert form is not None
    return dict(re.findall(r'<input name="location\.([a-z_]+)"[^>]* value="([^"]*)">', form.group(0)))


@pytest.mark.profile("property")
@pytest.mark.parametrize(("lang", "says"), [("zh-CN", "更正了位置：楼栋、房号 “业主回电更正”"),
                                            ("en", "Location corrected: Building, Room “业主回电更正”")])
def test_the_owner_corrects_the_building_from_the_page_and_the_timeline_names_the_fields(
        desk: Desk, lang: str, says: str) -> None:
    # Given a leak reported from the wrong building and room
    where = {"area": "lanting", "building": "7栋", "unit": "2单元", "room": "1702", "address": "兰亭路88号"}
    cid = receive(desk, LEAK, service=None, location=where)
    owner = to_resolution(desk, cid)
    # Then its owner is offered the correction, each field holding what is stored now
    page = console_complaint.complaint_view(desk, operator(desk, owner), cid, lang)
    assert _inputs(page) == where
    assert 'data-api="/v1/complaints/' + cid + '/location"' in page
    # and a colleague who neither owns it nor leads the department is not
    colleague = next(a.id for a in desk.policy.agents if a.id != owner and not a.role.leads
                     and record(desk, cid).department in a.departments)
    assert 'data-action="correct-location"' not in console_complaint.complaint_view(
        desk, operator(desk, colleague), cid, lang)

    # When the owner sends the form with the building and room corrected
    location_correction.correct(desk, cid, operator(desk, owner), LocationCorrection.model_validate(
        {"location": {**where, "building": "9栋", "room": "902"}, "note": "业主回电更正"}))

    # Then the page shows the new place, and the timeline says which fields were corrected, in the desk's words
    page = console_complaint.complaint_view(desk, operator(desk, owner), cid, lang)
    assert _shown(page)["building"][1] == "9栋" and _shown(page)["room"][1] == "902"
    said = re.search(r'<li data-event="location_corrected">.*?<p class="what">(.*?)</p>', page, re.S)
    assert said is not None and said.group(1) == says
    assert "7栋" not in said.group(1) and "9栋" not in said.group(1)
    assert raw_keys(visible_text(page)) == []


@pytest.mark.profile("hospital")
def test_a_closed_complaint_offers_no_correction(desk: Desk) -> None:
    cid = receive(desk, NURSING, service=None, location={"campus": "east", "ward": "心内科二病区"})
    owner = to_resolution(desk, cid)
    assert _inputs(console_complaint.complaint_view(desk, operator(desk, owner), cid, "zh-CN")) == {
        "campus": "east", "ward": "心内科二病区", "area": "", "address": ""}
    stored = record(desk, cid)
    stored.status = Status.CLOSED
    desk.complaints.save(stored)
    assert 'data-action="correct-location"' not in console_complaint.complaint_view(
        desk, operator(desk, owner), cid, "zh-CN")


@pytest.mark.parametrize(("fields", "says"), [("building,lat,lon", "Location corrected: Building, Coordinates"),
                                              ("area", "Location corrected: Estate")])
@pytest.mark.profile("property")
def test_the_timeline_reads_corrected_coordinates_as_one_thing(desk: Desk, fields: str, says: str) -> None:
    said = console_location.SENTENCES[EventType.LOCATION_CORRECTED]({"fields": fields}, Names(desk.policy, "en"), "en")
    assert said == says
