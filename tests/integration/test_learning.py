"""Learning from complaints on the local stack: a corrective action followed through and its effect on its cause."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import requests

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration

EFFECT_DAYS = 3  # a short effect window, so the test reads a whole one after a few days
STACK_POLICY_CHANGES = {"corrective_actions": {"effect_window_days": EFFECT_DAYS}}


def _sent(stack: LocalStack, subject: str, template: str) -> list[dict[str, Any]]:
    return [m for m in stack.outbox() if m["complaint_id"] == subject and m["template"] == template]


def _today(client: DeskClient) -> date:
    return client.now().date()


def _closed_with(client: DeskClient, body: dict[str, Any], cause: str, n: int) -> str:
    body = dict(body, external_id=f"{body['external_id']}-{cause}-{n}",
                customer=dict(body["customer"], phone=f"1380001{n:04d}"), location={"area": "fix-area"})
    complaint_id = client.submit("demo-portal", body)["complaint_id"]
    owner = scenarios.to_confirmation(client, complaint_id, dict(scenarios.RESOLVED, root_cause=cause), daytime=True)
    scenarios.confirm_fixed(client, complaint_id, owner)
    return complaint_id


def test_a_corrective_action_is_followed_through_and_the_cause_report_shows_the_cause_fell(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    # Given two antenna-tilt complaints closed in one area on the first day
    first_day = _today(client)
    answered = [_closed_with(client, complaint_body, "antenna_tilt", n) for n in (1, 2)]
    # When the manager opens a corrective action from that cause and area, due in five days
    opened = client.corrective("POST", "mgr-qian", body={
        "root_cause": "antenna_tilt", "area": "fix-area", "action": "全区天线下倾角复核，纳入季度巡检",
        "owner": "a-wang", "due": (first_day + timedelta(days=5)).isoformat(), "complaint_ids": answered})
    action_id = opened["action_id"]
    # Then its owner is told, and each complaint it answers shows it on its timeline
    assert len(_sent(stack, action_id, "action_opened")) == 1
    for complaint_id in answered:
        timeline = client.show(complaint_id, "mgr-qian")["timeline"]
        assert [e["detail"]["action_id"] for e in timeline if e["type"] == "corrective_action_opened"] == [action_id]
    # When three days pass (its warning falls two days before the due date's end), the sweep warns the owner once
    stack.advance(timedelta(days=3))
    client.tick()
    client.tick()
    warned = _sent(stack, action_id, "action_warned")
    assert [m["to"] for m in warned] == ["a-wang"]
    assert client.corrective("GET", "a-wang", f"/{action_id}")["status"] == "open"
    # and the owner reports it done, before it falls due
    done = client.corrective("POST", "a-wang", f"/{action_id}/done", body={"result": "12个扇区已调整下倾角"})
    assert (done["status"], done["late"]) == ("done", False)
    assert len(_sent(stack, action_id, "action_done")) == 1  # the manager who opened it
    done_on = _today(client)
    # Given one more complaint of the cause the day after, and the whole window after it has passed
    stack.advance(timedelta(days=1))
    _closed_with(client, complaint_body, "antenna_tilt", 3)
    stack.advance(timedelta(days=EFFECT_DAYS))
    # When the manager reads the cause report for the days since the action, against the days before
    report = client.causes("mgr-qian", (done_on + timedelta(days=1)).isoformat(), _today(client).isoformat())
    # Then the cause's cell fell against the period before
    cell, = (line for line in report["lines"] if (line["root_cause"], line["area"]) == ("antenna_tilt", "fix-area"))
    assert (cell["count"], cell["previous"]) == (1, 2)
    # and the action stands beside it: two complaints in the window before it was done, one in the window after
    effect, = (a for a in report["actions"] if a["action_id"] == action_id)
    assert (effect["status"], effect["done_on"], effect["window_days"]) == ("done", done_on.isoformat(), EFFECT_DAYS)
    assert (effect["before"], effect["after"], effect["complete"], effect["fell"]) == (2, 1, True, True)
    listed = client.corrective("GET", "sup-sun", params={"status": "done"})["actions"]
    assert [a["action_id"] for a in listed] == [action_id]
    # and the console's reports page shows it beside the cause report
    page = requests.get(f"{stack.config.api_url}/console/views/reports", timeout=ANSWER_SECONDS,
                        params={"from": report["start"], "to": report["end"], "lang": "en"},
                        headers={"Authorization": f"Bearer {client.dev_token('mgr-qian')}"})
    assert page.status_code == 200 and 'class="corrective-actions"' in page.text
    assert f'data-action="{action_id}" data-status="done" data-before="2" data-after="1"' in page.text
    assert "2 → 1 (3 days, fell)" in page.text


def _history_states(client: DeskClient, complaint_id: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in client.history(complaint_id)
            if e["type"].endswith("StateEntered")]


def test_a_temporary_measure_with_a_long_term_plan_is_tracked_until_the_plan_lands(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    client.to_daytime()
    complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, complaint_id)
    planner = "a-liu" if owner != "a-liu" else "a-wang"
    # When the owner reports a temporary measure together with the long-term plan, its owner and its date
    planned = (_today(client) + timedelta(days=30)).isoformat()
    client.act(complaint_id, "resolve", owner, {
        "outcome": "temporary_measure", "root_cause": "coverage_gap", "actions": "为用户临时安装家庭基站",
        "plan": "7栋楼顶新建宏站", "expected_by": planned, "plan_owner": planner})
    # Then the complaint is a tracking ticket, not sent to the customer's confirmation
    view = client.wait_for(complaint_id, owner, awaiting="tracking", status="tracking")
    ticket = view["tracking"]
    assert (ticket["owner"], ticket["temporary_measure"], ticket["expected_by"]) == (
        planner, "为用户临时安装家庭基站", planned)
    # (AwaitResolution's Catch takes Complaint.Deferred to HoldTracking, where the execution ends)
    states = _history_states(client, complaint_id)
    assert "HoldTracking" in states and "AwaitConfirmation" not in states
    told, = _sent(stack, complaint_id, "tracking")
    assert "7栋楼顶新建宏站" in told["text"] and planned in told["text"]
    # When the long-term fix lands, it goes to the customer's confirmation
    client.act(complaint_id, "resolve", owner,
               dict(scenarios.RESOLVED, root_cause="coverage_gap", actions="宏站开通，覆盖恢复"))
    client.wait_for(complaint_id, owner, awaiting="confirmation", status="resolved")


def test_the_second_not_fixed_turns_the_complaint_into_a_tracking_ticket_and_the_supervisor_is_told(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.to_confirmation(client, complaint_id, daytime=True)
    # Given the customer said "not fixed" once, and the owner reported it resolved again
    client.act(complaint_id, "callbacks", owner, {"outcome": "not_fixed"})
    client.wait_for(complaint_id, owner, awaiting="resolution")
    scenarios.resolve(client, complaint_id, owner, checked_by="sup-sun")
    client.to_daytime()
    assert _sent(stack, complaint_id, "tracking_required") == []
    # When the customer says "not fixed" a second time (the policy's number)
    client.act(complaint_id, "callbacks", owner, {"outcome": "not_fixed"})
    view = client.wait_for(complaint_id, owner, awaiting="resolution")
    # Then the supervisor is told at once, and the complaint needs a long-term plan
    assert (view["not_fixed"], view["plan_required"]) == (2, True)
    assert "sup-sun" in [m["to"] for m in _sent(stack, complaint_id, "tracking_required")]
    assert view["timeline"][-1]["type"] == "tracking_required"
    # and reporting it resolved once more is refused, naming the plan
    with pytest.raises(ApiError) as refused:
        client.act(complaint_id, "resolve", owner, scenarios.RESOLVED)
    assert refused.value.status == 422 and refused.value.field_errors[0][0] == "plan"
    # When the owner reports the long-term plan, the complaint becomes a tracking ticket
    planned = (_today(client) + timedelta(days=60)).isoformat()
    client.act(complaint_id, "resolve", owner, {
        "outcome": "deferred", "root_cause": "coverage_gap", "actions": "两次调整无效，需新建站点",
        "plan": "小区东侧新建基站", "expected_by": planned})
    scenarios.pass_quality_check(client, complaint_id, owner, "sup-sun")  # urgent after two reopens: checked
    view = client.wait_for(complaint_id, owner, awaiting="tracking", status="tracking")
    assert view["plan_required"] is False and view["tracking"]["expected_by"] == planned
