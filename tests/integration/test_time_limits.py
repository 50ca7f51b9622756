"""The desk's time limits as the rules say, on the local stack: staged replies, visits, ceilings, transfers,
same-day clearing, the regulator's reply, who handles it, and status pushed back to portals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from complaints.core.policy import load_policy
from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.receiver import PortalReceiver
from infra.local.stack import LocalStack
from tests.integration.conftest import local_stack

pytestmark = pytest.mark.integration
ZONE = ZoneInfo("Asia/Shanghai")
POLICY = load_policy("telecom")
CHECKER = "mgr-qian"


@pytest.fixture(scope="module")
def receiver() -> Iterator[PortalReceiver]:
    with PortalReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    for running in local_stack(tmp_path_factory, "WARNING"):
        # The receiver listens on loopback over plain http, which the desk allows only to hosts it names.
        running.change_policy("status_push", allow_http_hosts=["127.0.0.1"])
        yield running


@pytest.fixture(scope="module")
def hooks(client: DeskClient, receiver: PortalReceiver) -> PortalReceiver:
    """The regulator's portal takes every status on /ok; the 12345 interface only acknowledgements, on /failing."""
    receiver.secrets = {"/ok": client.portal_secret("miit-appeals"), "/failing": client.portal_secret("gov-12345")}
    client.register_webhook("miit-appeals", receiver.url + "/ok")
    client.register_webhook("gov-12345", receiver.url + "/failing", ["acknowledged"])
    return receiver


def _promises(view: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in view["promises"] if p["kind"] == kind]


def _when(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _advance_past(client: DeskClient, moment: str, by: timedelta = timedelta(minutes=1)) -> None:
    client.advance_clock(max(0.0, (_when(moment) + by - client.now()).total_seconds()))


def _missed(view: dict[str, Any]) -> list[str]:
    return [e["detail"]["promise"] for e in view["timeline"] if e["type"] == "promise_missed"]


def test_a_day_one_call_and_a_five_working_day_investigation_miss_no_reply(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    client.advance_to("09:00")
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    client.to_daytime()
    client.act(cid, "replies", owner, {"kind": "call", "summary": "told the customer the sector is being checked"})
    investigation = _promises(client.show(cid, owner), "investigation")[0]["due_at"]
    _advance_past(client, investigation, -timedelta(hours=1))
    client.tick()
    scenarios.resolve(client, cid, owner, checked_by=CHECKER)

    view = client.show(cid, owner)
    assert [p["state"] for p in _promises(view, "first_reply")] == ["kept"]
    assert [p["state"] for p in _promises(view, "investigation")] == ["kept"]
    assert not {"first_reply", "investigation"} & set(_missed(view))
    # The customer was told who handles it and whom to call when they cannot be reached
    told = stack.customer_messages(cid, "handler")[0]["text"]
    name = POLICY.agent(owner).name  # type: ignore[union-attr]
    assert name in told and owner not in told and "10086-9" in told


def test_a_broadband_complaint_at_22_00_counts_its_appointment_from_the_morning_acceptance(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    client.advance_to("22:00")
    body = dict(complaint_body, service="broadband", text="家里宽带每天晚上断网，光猫灯一直闪，需要上门维修")
    cid = client.submit("demo-portal", body)["complaint_id"]
    view = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    assert not _promises(view, "appointment")  # nothing promised of a visit before the order reaches anyone
    client.advance_to("08:40")
    owner = scenarios.accept(client, cid)
    view = client.show(cid, owner)
    accepted = next(e["at"] for e in view["timeline"] if e["type"] == "accepted")
    appointment = _promises(view, "appointment")[0]
    assert abs(_when(appointment["due_at"]) - _when(accepted) - timedelta(minutes=30)) < timedelta(seconds=1)
    client.advance_clock(600)
    start = client.now().astimezone(ZONE).replace(hour=15, minute=0, second=0, microsecond=0)
    client.act(cid, "appointments", owner, {"start": start.isoformat(),
                                           "end": (start + timedelta(hours=2)).isoformat()})

    view = client.show(cid, owner)
    assert [p["state"] for p in _promises(view, "appointment")] == ["kept"]
    assert _when(_promises(view, "on_site")[0]["due_at"]) == start + timedelta(hours=2)
    assert view["appointment"]["start"] and "上门" in stack.customer_messages(cid, "appointment")[0]["text"]
    client.advance_to("15:20")
    client.act(cid, "arrival", owner, {})
    assert [p["state"] for p in _promises(client.show(cid, owner), "on_site")] == ["kept"]


def test_a_ceiling_extended_with_an_explanation_and_an_authority_report_is_renegotiated_not_missed(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    client.to_daytime()
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    old = _promises(client.show(cid, owner), "regulator_ceiling")[0]["due_at"]
    later = (_when(old) + timedelta(days=20)).isoformat()
    with pytest.raises(ApiError) as refused:
        client.act(cid, "promises/regulator_ceiling/extend", owner,
                   {"due_at": later, "reason": "a new site", "explanation": "we are building a site for you"})
    assert refused.value.status == 422 and refused.value.field_errors[0][0] == "authority_reference"
    client.act(cid, "promises/regulator_ceiling/extend", owner, {
        "due_at": later, "reason": "a new site", "explanation": "we are building a new site for your street",
        "authority": "省通信管理局", "authority_reference": "MIIT-2026-0042"})
    _advance_past(client, old)
    client.tick()

    view = client.show(cid, owner)
    assert [p["state"] for p in _promises(view, "regulator_ceiling")] == ["renegotiated", "pending"]
    assert "regulator_ceiling" not in _missed(view)
    assert [e["detail"]["reference"] for e in view["timeline"] if e["type"] == "authority_reported"] == [
        "MIIT-2026-0042"]
    assert "new site" in stack.customer_messages(cid, "promise_extended")[0]["text"]
    today = client.now().astimezone(ZONE).date()
    summary = client.summary(CHECKER, (today - timedelta(days=60)).isoformat(), today.isoformat())
    assert summary["promises"]["regulator_ceiling"]["renegotiated"] >= 1 and summary["authority_reports"] >= 1


def test_a_regulators_complaint_is_answered_in_three_days_and_the_result_goes_back_signed(
        stack: LocalStack, client: DeskClient, hooks: PortalReceiver, complaint_body: dict[str, Any]) -> None:
    client.to_daytime()
    body = dict(complaint_body, channel="regulator", text="我已向工信部申诉：小区信号弱，经常掉话，要求尽快解决")
    cid = client.submit("miit-appeals", body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    view = client.show(cid, owner)
    due = _promises(view, "regulator_reply")[0]["due_at"]
    assert _when(due) - _when(view["received_at"]) == timedelta(days=3)
    client.act(cid, "replies", owner, {"kind": "call", "summary": "explained the plan to the customer",
                                       "next_reply_at": (client.now() + timedelta(days=1)).isoformat()})
    scenarios.resolve(client, cid, owner, checked_by=CHECKER)  # a regulator's complaint is checked first
    ticks = [client.tick()]

    assert [p["state"] for p in _promises(client.show(cid, owner), "regulator_reply")] == ["kept"]
    wanted = ["complaint.acknowledged", "complaint.assigned", "complaint.replied", "complaint.resolved"]
    # A delivery the machine was too busy to make in one tick is tried again after the policy's delay, with the
    # same webhook id, as a portal would see it: what counts is that each arrives, in order, once per id.
    for delay in POLICY.status_push.retry_after:
        if len({g["id"] for g in hooks.events("/ok", cid)}) >= len(wanted):
            break
        client.advance_clock((POLICY.calendar.add(client.now(), delay) - client.now()).total_seconds() + 1)
        ticks.append(client.tick())
    got = list({g["id"]: g for g in hooks.events("/ok", cid)}.values())
    assert [g["event"]["type"] for g in got] == wanted, [t.get("PushFunction") for t in ticks]
    assert all(g["verified"] for g in got)  # each signed with the portal's own secret
    resolved = got[-1]["event"]["data"]
    assert resolved["external_id"] == body["external_id"] and resolved["root_cause"] == "antenna_tilt"
    assert got[2]["event"]["data"]["reply_kind"] == "call"
    raw = "".join(g["raw"] for g in got)
    assert body["customer"]["phone"] not in raw and body["customer"]["name"] not in raw
    assert "explained the plan" not in raw  # what was said stays on the complaint


def test_same_day_clearing_is_warned_at_four_fifths_and_missed_at_the_end_of_the_day(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    client.advance_to("09:00")
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    view = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    clearing = _promises(view, "same_day_clearing")[0]
    due, received = _when(clearing["due_at"]), _when(view["received_at"])
    assert due == datetime.combine(due.astimezone(ZONE).date(), POLICY.working_hours.end, ZONE)
    client.advance_clock((received + (due - received) * 0.8 - client.now()).total_seconds() + 60)
    client.tick()
    client.advance_clock(16 * 60)  # the warning is in the supervisor's next digest
    client.tick()
    digests = [m for m in stack.outbox() if m["to"] == "sup-sun" and m["template"] == "digest"
               and cid in m["text"] and "same_day_clearing" in m["text"]]
    assert digests
    assert "same_day_clearing" not in _missed(client.show(cid, "mgr-qian"))
    _advance_past(client, clearing["due_at"])
    client.tick()

    view = client.show(cid, "mgr-qian")
    assert "same_day_clearing" in _missed(view)
    assert [e["detail"].get("escalated_to") for e in view["timeline"] if e["type"] == "promise_missed"
            and e["detail"]["promise"] == "same_day_clearing"] == ["sup-sun"]


def test_a_transfer_to_maintenance_not_accepted_within_two_working_days_is_escalated(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    client.to_daytime()
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    client.act(cid, "transfer", owner, {"reason": "a cut fibre feeds the site", "department": "maintenance"})
    view = client.wait_for(cid, "mgr-qian", awaiting=("acceptance", "assignment"))
    deadline = _promises(view, "transfer_deadline")[0]
    assert _when(deadline["due_at"]) == POLICY.calendar.add(_when(deadline["made_at"]), "2wd")
    _advance_past(client, deadline["due_at"])
    client.tick()

    view = client.show(cid, "mgr-qian")
    assert [p["state"] for p in _promises(view, "transfer_deadline")] == ["missed"]
    escalated = [e["detail"]["escalated_to"] for e in view["timeline"]
                 if e["type"] == "promise_missed" and e["detail"]["promise"] == "transfer_deadline"]
    assert escalated == ["sup-sun,mgr-qian"]


def test_a_failing_receiver_is_retried_with_backoff_and_then_dead_lettered(
        stack: LocalStack, client: DeskClient, hooks: PortalReceiver, complaint_body: dict[str, Any]) -> None:
    body = dict(complaint_body, channel="gov_hotline")
    cid = client.submit("gov-12345", body)["complaint_id"]
    client.tick()
    for delay in POLICY.status_push.retry_after:
        client.advance_clock((POLICY.calendar.add(client.now(), delay) - client.now()).total_seconds() + 1)
        client.tick()

    got = hooks.events("/failing", cid)
    assert len(got) == len(POLICY.status_push.retry_after) + 1
    assert len({g["id"] for g in got}) == 1 and all(g["verified"] for g in got)
    letters = client.webhook("gov-12345")["dead_letters"]
    assert [(d["complaint_id"], d["last_error"]) for d in letters] == [(cid, "HTTP 503")]
    client.advance_clock(86400)
    client.tick()
    assert len(hooks.events("/failing", cid)) == len(got)  # nothing more once dead-lettered


def test_a_site_down_for_more_than_48_hours_is_prioritised_and_reported(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    # Given an outage: the policy's threshold of customers of one cell without signal
    client.to_daytime()
    ids = []
    for n in range(POLICY.clusters.threshold):
        body = dict(complaint_body, external_id=f"{complaint_body['external_id']}-site-{n}",
                    customer={"name": f"站点{n}", "phone": f"1381234{n:04d}"},
                    text="这两个小时手机突然没有信号了，完全打不了电话",
                    location={"area": "outage-town", "cell_id": "CELL-DOWN-48H"})
        ids.append(client.submit("demo-portal", body)["complaint_id"])
    # (their classifications run at once, each function's containers starting as they are needed)
    views = [client.wait_for(cid, CHECKER, awaiting=("acceptance", "assignment")) for cid in ids]
    incident_id = next(v["incident_id"] for v in views if v.get("incident_id"))
    assert POLICY.clusters.prioritise_after == "48h" and POLICY.clusters.prioritise_to.value == "urgent"
    # When the site is still down two days later
    client.advance_clock(48 * 3600 + 120)
    client.tick()

    # Then each of its complaints is raised, network operations are told, and the summary marks the incident
    views = [client.show(cid, CHECKER) for cid in ids]
    assert {v["incident_id"] for v in views} == {incident_id}
    assert {v["priority"] for v in views} == {"urgent"}
    assert all(sum(e["type"] == "incident_prioritised" for e in v["timeline"]) == 1 for v in views)
    told = [m for m in stack.outbox() if m["template"] == "incident_prioritised" and incident_id in m["text"]]
    assert {m["to"] for m in told} == {"sup-sun", "mgr-qian"}
    today = client.now().astimezone(ZONE).date()
    summary = client.summary(CHECKER, (today - timedelta(days=5)).isoformat(), today.isoformat())
    line, = [i for i in summary["open_incidents"] if i["incident_id"] == incident_id]
    assert line["prioritised_at"] and summary["incident_raised"] >= len(ids)
