"""The three desks' profiles: each loads, names only its own words, and the engine reads them as given."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from complaints.adapters.notify import TEMPLATES
from complaints.core.enums import Nature, Priority, Status
from complaints.core.outcomes import Dispute, Settlement
from complaints.core.policy import POLICY_DIR, Policy, load_policy
from complaints.core.policy_vocabulary import cluster_key, hotspot_of
from complaints.core.record import ComplaintRecord
from complaints.core.values import Classification, Customer, Device, Location
from complaints.handling.disputes import claimed_in
from complaints.reporting.counting import state_changes
from complaints.triage.classifier import text_classifier

ROOT = Path(__file__).resolve().parents[3]
PROFILES = sorted(path.stem for path in POLICY_DIR.glob("*.yaml"))


def test_the_template_offers_every_profile_and_only_those() -> None:
    template = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader=_CloudFormation)
    assert sorted(template["Parameters"]["PolicyProfile"]["AllowedValues"]) == PROFILES == [
        "hospital", "property", "telecom"]


@pytest.mark.parametrize("profile", PROFILES)
def test_a_profiles_own_wording_uses_only_templates_and_placeholders_the_engine_has(profile: str) -> None:
    policy = load_policy(profile)
    for template, languages in policy.messages.templates.items():
        assert template in TEMPLATES, template
        engine = {name for _, name, _, _ in string.Formatter().parse(TEMPLATES[template]["en"]) if name}
        for text in languages.values():
            assert {name for _, name, _, _ in string.Formatter().parse(text) if name} <= engine | {"complaint_id"}


@pytest.mark.parametrize("profile", PROFILES)
def test_a_profile_names_its_channels_and_some_are_sensitive(profile: str) -> None:
    policy = load_policy(profile)
    assert any(rule.sensitive for rule in policy.channels.values())
    assert not policy.channel_sensitive("no_such_channel")


def test_a_delivery_naming_what_the_desk_does_not_know_is_refused_field_by_field() -> None:
    telecom, property_office = load_policy("telecom"), load_policy("property")
    assert telecom.intake_problems("hotline", "mobile_voice", Location(cell_id="BJ-1"),
                                   Device(model="Mate 60", network="5G")) == []
    assert [field for field, _ in telecom.intake_problems("pigeon", "broadband", None, Device(network="6G"))] == [
        "channel", "device.network"]
    assert property_office.intake_problems("owner_app", None, Location(building="3", unit="2", room="1102"),
                                           None) == []
    problems = property_office.intake_problems("hotline", "broadband", Location(cell_id="BJ-1"), Device(model="x"))
    assert [field for field, _ in problems] == ["service", "location.cell_id", "device.model"]
    assert "building, room, unit" in dict(problems)["location.cell_id"]


def test_outages_and_hotspots_are_placed_by_the_profiles_dimension() -> None:
    telecom, property_office = load_policy("telecom"), load_policy("property")
    assert cluster_key(telecom.clusters.dimensions, Location(area="north", cell_id="BJ-1")) == "cell:BJ-1"
    assert cluster_key(telecom.clusters.dimensions, Location(area="north")) == "area:north"
    assert cluster_key(property_office.clusters.dimensions, Location(area="garden", building="3")) == "building:3"
    assert hotspot_of(property_office.hotspots, "property.repair", Location(building="3")) == "3"
    assert hotspot_of(property_office.hotspots, "property.fees", Location(building="3")) is None
    assert hotspot_of(telecom.hotspots, "network.data", Location(area="north")) == "north"


def test_an_outage_is_counted_by_the_profiles_groups_else_by_family() -> None:
    telecom, property_office = load_policy("telecom"), load_policy("property")
    assert {telecom.clusters.group_of(c) for c in ("network.coverage", "equipment.fault", "sudden_event")} == {
        "network"}
    assert telecom.clusters.group_of("broadband.network") == "broadband"
    assert property_office.clusters.group_of("property.elevator") == "property"
    rule = telecom.clusters.model_dump()
    with pytest.raises(ValueError, match=r"clusters.groups.network names categories that are not clustered.*billing"):
        type(telecom.clusters).model_validate({**rule, "groups": {"network": ["network.data", "billing.package"]}})


@pytest.mark.parametrize(("profile", "text", "category", "department"), [
    ("property", "小区电梯坏了三天了，报修一直没人来修", "property.elevator", "engineering"),
    ("property", "3栋2单元电梯困人了，老人被困在里面出不来", "property.elevator", "engineering"),
    ("hospital", "手术后出现并发症，要求医院赔偿", "hospital.treatment", "medical_affairs"),
    ("telecom", "我家里信号弱，打电话经常掉话", "network.coverage", "network_optimisation"),
])
def test_each_desk_classifies_by_its_own_taxonomy(profile: str, text: str, category: str, department: str) -> None:
    result = text_classifier(load_policy(profile)).classify(text, service=None, channel="hotline", vip=False)
    assert (result.category, result.department) == (category, department)


def test_an_emergency_is_urgent_and_gets_an_arrival_within_minutes_ordinary_repairs_within_a_working_day() -> None:
    policy = load_policy("property")
    urgent = policy.promise_table(Priority.URGENT, "property.elevator", "owner_app")
    ordinary = policy.promise_table(Priority.NORMAL, "property.repair", "owner_app")
    assert urgent["emergency_arrival"] == "15m" and "repair_visit" not in urgent
    assert ordinary["repair_visit"] == "1wd" and "emergency_arrival" not in ordinary
    assert "authority_reply" in policy.promise_table(Priority.NORMAL, "property.noise", "housing_authority")


@pytest.mark.parametrize(("text", "dispute"), [
    ("手术后出现并发症，要求医院赔偿", True),
    ("My mother died after the operation and we will sue for compensation", True),
    ("手术后出现并发症，医生解释得不清楚", False),  # harm, no claim
    ("挂号太难，要求退还挂号费", False),  # a claim, no harm
])
def test_a_dispute_needs_both_a_harm_and_a_claim(text: str, dispute: bool) -> None:
    assert claimed_in(load_policy("hospital"), text) is dispute
    assert not claimed_in(load_policy("telecom"), text)  # a desk without disputes has none


def test_a_settled_dispute_is_counted_once_with_its_way_and_compensation() -> None:
    record = _record(load_policy("hospital"))
    record.dispute = Dispute(opened_at="2026-11-30T01:00:00Z", opened_by="system")
    assert state_changes(record)["disputes_opened"] == 1
    record.dispute.settlement = Settlement(way="mediation", compensation=80000, currency="CNY",
                                           agreement_reference="YTW-1", at="2026-12-01T01:00:00Z", by="mgr-lu")
    counted = state_changes(record)
    assert (counted["disputes_settled"], counted["dispute_way:mediation"], counted["compensation_paid"]) == (
        1, 1, 80000)
    assert "disputes_opened" not in counted
    assert state_changes(record) == {}


def test_a_profile_that_names_what_it_does_not_define_fails_to_load_saying_what() -> None:
    raw = yaml.safe_load((POLICY_DIR / "hospital.yaml").read_text(encoding="utf-8"))
    raw["promise_rules"].append({"kind": "authority_reply", "after": "received", "within": "1d",
                                 "channels": ["regulator"]})
    with pytest.raises(ValueError, match=re.escape("unknown channels ['regulator']")):
        Policy.model_validate(raw)
    raw = yaml.safe_load((POLICY_DIR / "hospital.yaml").read_text(encoding="utf-8"))
    raw["promise_kinds"]["records_sealing"]["kept_by_steps"] = ["evidence_photographed"]
    with pytest.raises(ValueError, match="kept_by_steps"):
        Policy.model_validate(raw)

    raw = yaml.safe_load((POLICY_DIR / "hospital.yaml").read_text(encoding="utf-8"))
    raw["disputes"]["manager_approval_above"] = 50000  # a settlement's compensation is approved as redress now
    with pytest.raises(ValueError, match=re.escape("redress.approval_limits")):
        Policy.model_validate(raw)
    raw = yaml.safe_load((POLICY_DIR / "hospital.yaml").read_text(encoding="utf-8"))
    del raw["labels"]["en"]["location"]["ward"]  # every location field is named in every language given
    with pytest.raises(ValueError, match=re.escape("en lacks location:ward")):
        Policy.model_validate(raw)


def _record(policy: Policy) -> ComplaintRecord:
    now = datetime(2026, 11, 30, 1, tzinfo=UTC)
    return ComplaintRecord(
        complaint_id="C20261130-000001", status=Status.ACKNOWLEDGED, portal_id="demo-portal", external_id="x",
        channel="walk_in", language="zh-CN", received_at=now, updated_at=now,
        customer=Customer(name="患者", phone="+8613800000000"), customer_key="k", text="t",
        classification=Classification(category="hospital.treatment", nature=Nature.VALID, priority=Priority.HIGH,
                                      confidence=1.0, department=policy.categories["hospital.treatment"].department),
        department="medical_affairs", counted=["received", "classified", "open"])


class _CloudFormation(yaml.SafeLoader):
    """Reads the template's short-form intrinsic functions as plain values."""


def _intrinsic(loader: yaml.SafeLoader, _suffix: str, node: Any) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_CloudFormation.add_multi_constructor("!", _intrinsic)
