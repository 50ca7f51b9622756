"""Promised times that are kept: reminders, missed promises and the customer's update when a promise falls due."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration


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
    client.tick()
    client.tick()  # an overlapping sweep takes no step twice
    view = client.show(cid, "mgr-qian")
    assert _promise(view, "first_reply")["state"] == "missed"
    assert _promise(view, "solution")["state"] == "pending"
    assert [e["detail"]["promise"] for e in view["timeline"] if e["type"] == "promise_missed"] == ["first_reply"]
    updates = [m for m in stack.outbox() if m["complaint_id"] == cid and m["template"] == "progress_update"]
    assert len(updates) == 1 and "进展" in updates[0]["text"]


def test_a_kept_promise_brings_no_reminder_and_no_miss(stack: LocalStack, client: DeskClient,
                                                      complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = str(client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"])
    client.act(cid, "accept", owner)
    client.wait_for(cid, owner, awaiting="resolution")
    client.act(cid, "resolve", owner, {"outcome": "resolved", "root_cause": "tilt", "actions": "re-tilted"})
    view = client.wait_for(cid, owner, awaiting="confirmation")
    assert _promise(view, "first_reply")["state"] == "kept"
    client.advance_clock(_seconds_until(client, _promise(view, "first_reply")["due_at"]) + 60)
    client.tick()
    view = client.show(cid, owner)
    assert _promise(view, "first_reply")["state"] == "kept"
    missed = [e["detail"]["promise"] for e in view["timeline"] if e["type"] == "promise_missed"]
    assert "first_reply" not in missed
