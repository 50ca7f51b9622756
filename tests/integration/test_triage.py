"""Repeat complaints and outage clusters on the local stack."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.patience import WAIT_SECONDS

pytestmark = pytest.mark.integration


def _classified(client: DeskClient, complaint_id: str) -> dict[str, Any]:
    return client.wait_for(complaint_id, "mgr-qian", awaiting="acceptance")


def test_the_same_customer_about_the_same_category_is_a_repeat(client: DeskClient,
                                                                complaint_body: dict[str, Any]) -> None:
    first = client.submit("demo-portal", complaint_body)["complaint_id"]
    assert _classified(client, first)["priority"] == "normal"
    again = dict(complaint_body, external_id=complaint_body["external_id"] + "-again",
                 text="信号还是很弱，上次投诉了也没解决", location={"area": "elsewhere"})
    second = client.submit("demo-portal", again)["complaint_id"]
    view = _classified(client, second)
    assert view["repeat_of"] == first and view["priority"] == "high"
    repeat = next(e for e in view["timeline"] if e["type"] == "repeat")
    assert repeat["detail"]["repeat_of"] == first
    earlier = client.show(first, "mgr-qian")
    assert any(e["type"] == "repeated_by" and e["detail"]["complaint_id"] == second for e in earlier["timeline"])
    # Another category from the same customer is no repeat.
    billing = dict(complaint_body, external_id=complaint_body["external_id"] + "-bill", service="billing",
                   text="没有订购任何业务却被乱扣费，要求退费", location=None)
    third = _classified(client, client.submit("demo-portal", billing)["complaint_id"])
    assert third["repeat_of"] is None


def _outage_body(base: dict[str, Any], n: int, cell: str) -> dict[str, Any]:
    body = copy.deepcopy(base)
    body["external_id"] = f"{cell}-{n}"
    body["customer"]["phone"] = f"1371234{n:04d}"
    body["location"] = {"area": "outage-town", "cell_id": cell}
    body["text"] = "这两个小时手机突然没有信号了，完全打不了电话"
    return body


def test_a_cluster_opens_one_incident_at_the_threshold_and_late_complaints_join_it(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cell = "CELL-OUTAGE-1"
    ids = []
    for n in range(4):
        ids.append(client.submit("demo-portal", _outage_body(complaint_body, n, cell))["complaint_id"])
        assert _classified(client, ids[-1])["incident_id"] is None  # below the threshold of 5
    ids.append(client.submit("demo-portal", _outage_body(complaint_body, 4, cell))["complaint_id"])
    incident_id = _classified(client, ids[-1])["incident_id"]
    assert incident_id
    for cid in ids:
        assert client.show(cid, "mgr-qian")["incident_id"] == incident_id
    late = client.submit("demo-portal", _outage_body(complaint_body, 5, cell))["complaint_id"]
    assert _classified(client, late)["incident_id"] == incident_id
    incident = client._call("GET", f"/v1/incidents/{incident_id}", agent="sup-sun")
    assert sorted(incident["complaint_ids"]) == sorted([*ids, late]) and incident["status"] == "open"
    told = [m for m in stack.outbox() if m["template"] == "incident_opened" and incident_id in m["text"]]
    assert len(told) == 1 and told[0]["to"] == "sup-sun"


def test_resolving_an_incident_resolves_every_linked_complaint(client: DeskClient,
                                                              complaint_body: dict[str, Any]) -> None:
    cell = "CELL-OUTAGE-2"
    ids = [client.submit("demo-portal", _outage_body(complaint_body, n, cell))["complaint_id"] for n in range(5)]
    views = [_classified(client, cid) for cid in ids]
    # The complaint that reaches the threshold links the others; their own steps may still be running.
    deadline = time.monotonic() + WAIT_SECONDS
    linked = [client.show(cid, "mgr-qian")["incident_id"] for cid in ids]
    while (None in linked or len(set(linked)) != 1) and time.monotonic() < deadline:
        time.sleep(0.1)
        linked = [client.show(cid, "mgr-qian")["incident_id"] for cid in ids]
    incident_id = linked[0]
    assert incident_id and linked == [incident_id] * len(ids)
    # One owner has already accepted theirs; the others still wait for acceptance.
    owner = views[0]["owner_id"]
    client.act(ids[0], "accept", owner)
    client.wait_for(ids[0], owner, awaiting="resolution")

    client._call("POST", f"/v1/incidents/{incident_id}/resolve", agent="sup-sun",
                 json={"root_cause": "base_station_fault",
                       "actions": "BBU power module failed; replaced it at the site"})

    for cid in ids:
        view = client.wait_for(cid, "mgr-qian", awaiting="confirmation", status="resolved")
        assert view["resolution"]["root_cause"] == "base_station_fault"
    # Each is still confirmed with its own customer.
    client.act(ids[1], "callbacks", "sup-sun", {"outcome": "fixed"})
    assert client.wait_for(ids[1], "mgr-qian", awaiting="survey")["status"] == "closed"
    assert client.show(ids[2], "mgr-qian")["status"] == "resolved"
    # A new complaint from the same cell after the fix starts afresh.
    after = client.submit("demo-portal", _outage_body(complaint_body, 9, cell))["complaint_id"]
    assert _classified(client, after)["incident_id"] is None


def test_an_opener_whose_step_fails_while_linking_finishes_the_linking_on_retry(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from complaints.core.errors import VersionConflict
    from complaints.handling import incidents

    real_link = incidents._link
    failures = iter([True])  # the first link attempt meets a conflicting write

    def flaky_link(desk: Any, complaint_id: str, incident_id: str) -> None:
        if next(failures, False):
            raise VersionConflict("simulated: the complaint changed while it was being linked")
        real_link(desk, complaint_id, incident_id)

    monkeypatch.setattr(incidents, "_link", flaky_link)
    cell = "CELL-OUTAGE-RETRY"
    ids = [client.submit("demo-portal", _outage_body(complaint_body, 30 + n, cell))["complaint_id"]
           for n in range(5)]
    for cid in ids:
        _classified(client, cid)
    deadline = time.monotonic() + WAIT_SECONDS
    linked = [client.show(cid, "mgr-qian")["incident_id"] for cid in ids]
    while (None in linked or len(set(linked)) != 1) and time.monotonic() < deadline:
        time.sleep(0.1)
        linked = [client.show(cid, "mgr-qian")["incident_id"] for cid in ids]
    assert None not in linked and len(set(linked)) == 1, linked
    told = [m for m in stack.outbox() if m["template"] == "incident_opened" and linked[0] in m["text"]]
    assert len(told) == 1  # the supervisor is told once, when every complaint is linked
