"""A property management office's desk on the local stack: an emergency at night and an ordinary complaint."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
STACK_PROFILE = "property"
ZONE = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def resident(text: str, channel: str = "owner_app", **location: str) -> dict[str, Any]:
    n = next(_numbers)
    return {"channel": channel, "external_id": f"APP-{n:05d}", "text": text,
            "customer": {"name": "业主测试", "phone": f"1371234{n:04d}"},
            "location": {"area": "lanting-garden", "building": "3", "unit": "2", "room": "1102", **location}}


def _due(view: dict[str, Any], kind: str) -> datetime:
    promise = next(p for p in view["promises"] if p["kind"] == kind)
    return datetime.fromisoformat(promise["due_at"].replace("Z", "+00:00"))


def test_an_elevator_entrapment_at_night_reaches_engineering_with_the_emergency_promise(
        stack: LocalStack, client: DeskClient) -> None:
    # Given a resident trapped in the lift late at night, in the residents' quiet hours
    client.advance_to("23:40")
    received_at = client.now()
    cid = client.submit("demo-portal", resident("3栋2单元的电梯突然停了，我和孩子被困在电梯里出不来，快派人来！"))[
        "complaint_id"]

    # Then the night's on-call engineer of 工程部 is offered it, urgent, with an arrival promised within minutes
    view = client.wait_for(cid, "mgr-yang", awaiting="acceptance")
    assert (view["category"], view["priority"], view["department"]) == ("property.elevator", "urgent", "engineering")
    assert view["owner_id"] == "e-song"
    assert _due(view, "emergency_arrival") - received_at <= timedelta(minutes=16)
    # and the resident heard at once, quiet hours or not (nothing was held until the morning)
    sent = [m for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "acknowledged"]
    assert sent and datetime.fromisoformat(sent[0]["at"].replace("Z", "+00:00")) - received_at < timedelta(minutes=5)

    # When the engineer accepts, goes (the resident asked for now), arrives and frees them
    client.act(cid, "accept", "e-song")
    client.wait_for(cid, "e-song", awaiting="resolution")
    start = client.now().astimezone(ZONE) + timedelta(minutes=1)
    client.act(cid, "appointments", "e-song", {"start": start.isoformat(),
                                                "end": (start + timedelta(minutes=30)).isoformat(),
                                                "customer_requested": True})
    client.advance_clock(10 * 60)
    client.act(cid, "arrival", "e-song", {"note": "opened the car door with the release key"})
    # Then the emergency promise is kept, within the quarter hour, at night
    kept = {p["kind"]: p["state"] for p in client.show(cid, "e-song")["promises"]}
    assert kept["emergency_arrival"] == "kept"

    # And the outcome is verified with the resident before the complaint closes
    scenarios.resolve(client, cid, "e-song", {"outcome": "resolved", "root_cause": "elevator_fault",
                                              "actions": "released the car, replaced the door relay"},
                      checked_by="mgr-yang")
    client.to_daytime()
    closed = scenarios.confirm_fixed(client, cid, "e-song", "电梯正常了")
    assert closed["status"] == "closed"
    assert [e["type"] for e in closed["timeline"]].count("confirmed_fixed") == 1


def test_renovation_noise_takes_the_ordinary_path(stack: LocalStack, client: DeskClient) -> None:
    # Given a daytime complaint about a neighbour's renovation
    client.to_daytime()
    text = "楼上装修每天早上七点就开始电钻敲墙，物业也不管，违反装修时间规定，请尽快处理"
    cid = client.submit("demo-portal", resident(text, room="1002"))["complaint_id"]

    # Then order and security take it at the ordinary priority, with no emergency or repair visit promised
    view = client.wait_for(cid, "mgr-yang", awaiting="acceptance")
    assert (view["category"], view["priority"], view["department"]) == ("property.noise", "normal", "order")
    kinds = {p["kind"] for p in view["promises"]}
    assert {"acknowledge", "first_reply", "solution", "closing_limit"} <= kinds
    assert not kinds & {"emergency_arrival", "repair_visit"}

    # And the ordinary path ends it: accepted, resolved, confirmed, surveyed
    owner = scenarios.accept(client, cid)
    scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": "renovation_rules_broken",
                                           "actions": "told the renovating owner the permitted hours"})
    client.to_daytime()
    scenarios.close_and_rate(stack, client, cid, owner, 9)
    assert client.show(cid, owner)["survey"]["score"] == 9


def test_a_location_field_the_desk_does_not_know_is_refused_naming_it(client: DeskClient) -> None:
    body = resident("电梯坏了")
    body["location"]["cell_id"] = "BJ-1"
    with pytest.raises(Exception, match="location.cell_id") as refused:
        client.submit("demo-portal", body)
    assert "422" in str(refused.value)
