"""The assessment (考核) over a scripted week on the local stack, checked figure by figure.

Two agents in two departments: Wang Lei (a-wang, network optimisation; his colleague a-liu takes no work
this week) and Wu Fang (a-wu, billing). Four complaints with known outcomes:

- N1 (network): resolved, fixed, surveyed by phone 10.
- N2 (network): its first reply promised in 2 working days is missed before it is resolved; never surveyed.
- B1 (billing): 150 CNY compensation; not fixed at the first callback (reopened), fixed at the second;
  the customer replies 6 by SMS (a low score), which the supervisor reviews.
- B2 (billing): Wu Fang misses its acceptance; the supervisor gives it back to her; she transfers it to
  network optimisation, where Wang Lei accepts it and transfers it on to maintenance (the second hop out of a
  department within the window: passing around); the supervisor gives it back to him; fixed; surveyed by
  phone 9 (not satisfied where only a 10 is).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
NETWORK = "小区里信号弱，经常掉话，已经持续两周了。"
BILLING = "这个月账单里多了一笔不明费用，收费不透明，请解释清楚。"
BILLING_FIX = {"outcome": "resolved", "root_cause": "wrong_charge", "actions": "refunded the fee and explained it"}
NETWORK_FIX = {"outcome": "resolved", "root_cause": "antenna_tilt", "actions": "re-tilted the sector antenna"}


def _submit(client: DeskClient, n: int, text: str) -> tuple[str, str]:
    phone = f"1371234{n:04d}"
    body = {"channel": "hotline", "external_id": f"WEEK-{n}", "service": "billing" if text == BILLING else
            "mobile_voice", "customer": {"name": "考核测试", "phone": phone}, "text": text,
            "location": {"area": "test-area"}}
    return str(client.submit("demo-portal", body)["complaint_id"]), phone


def _accepted(client: DeskClient, cid: str, owner: str) -> None:
    client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    assert client.show(cid, "mgr-qian")["owner_id"] == owner
    client.act(cid, "accept", owner)
    client.wait_for(cid, owner, awaiting="resolution")


def _fixed(client: DeskClient, cid: str, owner: str, report: dict[str, Any]) -> None:
    client.act(cid, "resolve", owner, report)
    client.wait_for(cid, owner, awaiting="confirmation")
    client.to_daytime()
    scenarios.confirm_fixed(client, cid, owner)


def _promise_tallies(views: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Promises kept and missed by kind, from the complaints' own views (the acknowledgement is kept at intake,
    before any department has the complaint, so it counts against nobody)."""
    found: dict[str, dict[str, int]] = {}
    for view in views:
        for promise in view["promises"]:
            if promise["state"] in ("kept", "missed") and promise["kind"] != "acknowledge":
                tally = found.setdefault(promise["kind"].split(":")[0], {"kept": 0, "missed": 0})
                tally[promise["state"]] += 1
    return dict(sorted(found.items()))


def test_a_scripted_week_gives_each_agent_and_department_exactly_their_figures(
        stack: LocalStack, client: DeskClient) -> None:
    # This week a-liu takes no new work, so network complaints are Wang Lei's.
    client._call("PUT", "/v1/admin/agents/a-liu", agent="mgr-qian", json={
        "name": "Liu Yang", "departments": ["network_optimisation"], "capacity": 0})
    stack.recycle()
    first_day = client.now().date()

    # N2 first: its first reply falls due while the others are handled
    n2, _ = _submit(client, 2, NETWORK)
    _accepted(client, n2, "a-wang")  # the first after the redeploy starts every step's containers
    # N1: fixed the same morning, and surveyed by phone by his colleague: 10
    n1, _ = _submit(client, 1, NETWORK)
    _accepted(client, n1, "a-wang")
    _fixed(client, n1, "a-wang", NETWORK_FIX)
    client.act(n1, "survey", "a-liu", {"score": 10, "result": "satisfied"})
    # B1: compensation within the agent's limit, reopened once, then the customer's SMS: 6
    b1, b1_phone = _submit(client, 3, BILLING)
    _accepted(client, b1, "a-wu")
    client.act(b1, "redress", "a-wu", {"kind": "compensation", "amount": "150.00", "reason": "多收的费用补偿"})
    client.act(b1, "resolve", "a-wu", BILLING_FIX)
    client.wait_for(b1, "a-wu", awaiting="confirmation")
    client.to_daytime()
    client.act(b1, "callbacks", "a-wu", {"outcome": "not_fixed"})
    client.wait_for(b1, "a-wu", awaiting="resolution")
    _fixed(client, b1, "a-wu", BILLING_FIX)
    stack.customer_messages(b1, "survey")  # the survey SMS goes out after its delay
    assert client.inbound_sms("sms-gateway", b1_phone, "6")["outcome"] == "recorded"
    client.wait_for(b1, "sup-zhao", awaiting="review")
    client.act(b1, "review", "sup-zhao", {"cause": "账单解释不清", "action": "已培训", "reopen": False})
    # N2: days pass until its first reply is missed; then it is fixed
    for _ in range(7):
        if any(p["kind"] == "first_reply" and p["state"] == "missed" for p in client.show(n2, "a-wang")["promises"]):
            break
        client.advance_clock(24 * 3600)
        client.tick()
    _fixed(client, n2, "a-wang", NETWORK_FIX)
    # B2, the next morning: an acceptance missed, two transfers, the second passing around
    client.advance_to("09:00")
    b2, _ = _submit(client, 4, BILLING)
    client.wait_for(b2, "mgr-qian", awaiting="acceptance")
    client.advance_clock(2 * 3600 + 60)
    client.tick()
    client.wait_for(b2, "sup-zhao", awaiting="assignment")
    client.act(b2, "assign", "sup-zhao", {"agent_id": "a-wu"})
    _accepted(client, b2, "a-wu")
    client.act(b2, "transfer", "a-wu", {"reason": "涉及网络侧计费", "department": "network_optimisation"})
    _accepted(client, b2, "a-wang")
    client.act(b2, "transfer", "a-wang", {"reason": "应由代维处理", "department": "maintenance"})
    client.wait_for(b2, "sup-sun", awaiting="assignment")
    client.act(b2, "assign", "sup-sun", {"agent_id": "a-wang"})
    _accepted(client, b2, "a-wang")
    _fixed(client, b2, "a-wang", BILLING_FIX)
    client.act(b2, "survey", "sup-sun", {"score": 9})
    client.wait_for(b2, "a-wang", status="closed", awaiting=None)

    # When the manager reads the assessment of the week
    start, end = first_day.isoformat(), client.now().date().isoformat()
    report = client.assessment("mgr-qian", start, end)

    # Then each agent's and department's figures are exactly what happened
    views = {cid: client.show(cid, "mgr-qian") for cid in (n1, n2, b1, b2)}
    assert views[b2]["passing_around"] is True or "passing_around" in str(views[b2]["timeline"])
    wang_promises = _promise_tallies([views[n1], views[n2], views[b2]])
    wu_promises = _promise_tallies([views[b1]])
    assert wang_promises["first_reply"]["missed"] == 1 and wu_promises["recovery"] == {"kept": 1, "missed": 0}
    expected_wang = {
        "department": "network_optimisation", "agent_id": "a-wang", "acceptances_missed": 0, "reopened": 0,
        "transfers": 1, "passing_around": 1, "surveyed": 2, "score_sum": 19, "mean_score": 9.5, "low_scores": 0,
        "satisfied": 1, "satisfaction_rate": 0.5, "compensation": "0.00",
        "promises_kept": sum(t["kept"] for t in wang_promises.values()),
        "promises_missed": sum(t["missed"] for t in wang_promises.values()), "promises": wang_promises}
    expected_wu = {
        "department": "billing", "agent_id": "a-wu", "acceptances_missed": 1, "reopened": 1, "transfers": 1,
        "passing_around": 0, "surveyed": 1, "score_sum": 6, "mean_score": 6.0, "low_scores": 1, "satisfied": 0,
        "satisfaction_rate": 0.0, "compensation": "150.00",
        "promises_kept": sum(t["kept"] for t in wu_promises.values()),
        "promises_missed": sum(t["missed"] for t in wu_promises.values()), "promises": wu_promises}
    assert report["agents"] == [expected_wu, expected_wang]  # ordered by department, then agent
    assert report["departments"] == [{**expected_wu, "agent_id": None}, {**expected_wang, "agent_id": None}]
    assert (report["satisfied_from"], report["currency"]) == (10, "CNY")
    # A supervisor reads only the departments they lead
    assert [d["department"] for d in client.assessment("sup-sun", start, end)["departments"]] == [
        "network_optimisation"]
    # The CSV says the same, a row per department and per agent
    rows = list(csv.DictReader(io.StringIO(client.summary_csv("mgr-qian", start, end, report="assessment"))))
    wu = next(r for r in rows if r["scope"] == "agent" and r["agent_id"] == "a-wu")
    assert (wu["acceptances_missed"], wu["reopened"], wu["transfers"], wu["mean_score"], wu["low_scores"],
            wu["compensation_CNY"], wu["agent_name"]) == ("1", "1", "1", "6.0", "1", "150.00", "Wu Fang")
    wang = next(r for r in rows if r["scope"] == "agent" and r["agent_id"] == "a-wang")
    assert (wang["passing_around"], wang["mean_score"], wang["satisfaction_rate"], wang["missed:first_reply"]) == (
        "1", "9.5", "0.5", "1")
