"""Promised times that are kept: reminders, missed promises and the customer's update when a promise falls due."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
RETILTED = {"outcome": "resolved", "root_cause": "antenna_tilt", "actions": "re-tilted"}


def _promise(view: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(p for p in view["promises"] if p["kind"] == kind)


def _seconds_until(client: DeskClient, moment: str) -> float:
    now = datetime.fromisoformat(client.advance_clock(0).replace("Z", "+00:00"))
    return (datetime.fromisoformat(moment.replace("Z", "+00:00")) - now).total_seconds()


def test_a_promise_that_falls_due_is_marked_missed_and_the_customer_hears_once(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    view = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    due = _promise(view, "first_reply")["due_at"]
    client.advance_clock(_seconds_until(client, due) + 60)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two sweeps at the same moment take each step once
        list(pool.map(lambda _: client.tick(), range(2)))
    client.tick()
    view = client.show(cid, "mgr-qian")
    assert _promise(view, "first_reply")["state"] == "missed"
    assert _promise(view, "solution")["state"] == "pending"
    missed = [e["detail"]["promise"] for e in view["timeline"] if e["type"] == "promise_missed"]
    assert missed.count("first_reply") == 1 and "solution" not in missed  # the same day's clearing went first
    updates = stack.customer_messages(cid, "progress_update")
    assert len(updates) == 1 and "进展" in updates[0]["text"]


def test_a_kept_promise_brings_no_reminder_and_no_miss(stack: LocalStack, client: DeskClient,
                                                      complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.to_confirmation(client, cid, RETILTED)
    view = client.show(cid, owner)
    assert _promise(view, "first_reply")["state"] == "kept"
    client.advance_clock(_seconds_until(client, _promise(view, "first_reply")["due_at"]) + 60)
    client.tick()
    view = client.show(cid, owner)
    assert _promise(view, "first_reply")["state"] == "kept"
    missed = [e["detail"]["promise"] for e in view["timeline"] if e["type"] == "promise_missed"]
    assert "first_reply" not in missed


def test_an_extension_keeps_the_old_promise_as_renegotiated_and_tells_the_customer(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    view = client.show(cid, owner)
    solution = _promise(view, "solution")
    later = datetime.fromisoformat(solution["due_at"].replace("Z", "+00:00")) + timedelta(days=2)
    with pytest.raises(ApiError) as refused:
        client.act(cid, "promises/solution/extend", owner, {"due_at": later.isoformat(), "reason": "x"})
    assert refused.value.status == 422  # a reason is required
    client.act(cid, "promises/solution/extend", owner,
               {"due_at": later.isoformat(), "reason": "a new base station is being built"})
    view = client.show(cid, owner)
    solutions = [p for p in view["promises"] if p["kind"] == "solution"]
    assert [p["state"] for p in solutions] == ["renegotiated", "pending"]
    assert solutions[0]["reason"] == "a new base station is being built"
    told = stack.customer_messages(cid, "promise_extended")
    assert len(told) == 1 and "base station" in told[0]["text"]
    # The old due time passes without a miss; the new one is what counts.
    client.advance_clock(_seconds_until(client, solution["due_at"]) + 60)
    client.tick()
    assert "solution" not in [e["detail"]["promise"] for e in client.show(cid, owner)["timeline"]
                              if e["type"] == "promise_missed"]


def test_waiting_on_the_customer_stops_the_pausable_promises(stack: LocalStack, client: DeskClient,
                                                            complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    before = client.show(cid, owner)
    client.act(cid, "pause", owner, {"reason": "the customer is travelling until Friday"})
    assert client.show(cid, owner)["status"] == "pending_customer"
    client.advance_clock(3 * 86400)
    client.tick()
    paused = client.show(cid, owner)
    assert _promise(paused, "first_reply")["state"] == "pending"  # its clock stood still
    client.act(cid, "resume", owner)
    after = client.show(cid, owner)
    assert after["status"] == "in_progress"
    moved = (datetime.fromisoformat(_promise(after, "solution")["due_at"].replace("Z", "+00:00"))
             - datetime.fromisoformat(_promise(before, "solution")["due_at"].replace("Z", "+00:00")))
    assert timedelta(days=3) <= moved < timedelta(days=3, minutes=5)
    assert _promise(after, "regulator_ceiling")["due_at"] == _promise(before, "regulator_ceiling")["due_at"]


def _advance_to_local(client: DeskClient, hour: int, minute: int) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.fromisoformat(client.advance_clock(0).replace("Z", "+00:00")).astimezone(zone)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    client.advance_clock((target - now).total_seconds())


def test_customer_messages_wait_out_quiet_hours_unless_urgent(stack: LocalStack, client: DeskClient,
                                                             complaint_body: dict[str, Any]) -> None:
    _advance_to_local(client, 22, 0)
    quiet = client.submit("demo-portal", complaint_body)["complaint_id"]
    urgent_body = dict(complaint_body, external_id=complaint_body["external_id"] + "-urgent",
                       channel="regulator", text="紧急情况无法拨打电话，我要向工信部投诉")
    urgent = client.submit("demo-portal", urgent_body)["complaint_id"]
    owner = scenarios.accept(client, urgent)
    client.act(urgent, "resolve", owner, {"outcome": "resolved", "root_cause": "base_station_fault",
                                          "actions": "restored"})
    client.wait_for(urgent, owner, awaiting="quality_check")  # a regulator's complaint is checked first
    client.act(urgent, "quality-check", "mgr-qian", {"passed": True})
    client.wait_for(urgent, owner, awaiting="confirmation")
    client.tick()
    sent = {(m["complaint_id"], m["template"]) for m in stack.outbox()}
    assert (quiet, "acknowledged") not in sent  # held: it is 22:00 in Shanghai
    assert (urgent, "resolved") in sent  # an urgent complaint's customer hears at once
    _advance_to_local(client, 8, 31)
    client.tick()
    held = [m for m in stack.outbox() if m["template"] == "acknowledged" and m["complaint_id"] == quiet]
    assert len(held) == 1
    sent_at = datetime.fromisoformat(held[0]["at"].replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (sent_at.hour, sent_at.minute) >= (8, 30)
