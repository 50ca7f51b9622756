"""Redress and working across departments on the local stack: approval above a limit, assists, returns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration


def _period(client: DeskClient) -> tuple[str, str]:
    today = client.now().date()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


def _sent(stack: LocalStack, complaint_id: str, template: str) -> list[dict[str, Any]]:
    return [m for m in stack.outbox() if m["complaint_id"] == complaint_id and m["template"] == template]


def test_compensation_above_the_agents_limit_waits_for_a_manager_then_is_told(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    # Given a complaint its owner (an agent, limit 200 CNY) works on
    complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, complaint_id)
    # When the owner records compensation of 5000 CNY, above their limit and their supervisor's
    answer = client.act(complaint_id, "redress", owner, {"kind": "compensation", "amount": "5000.00",
                                                         "reason": "信号中断三周，按协议补偿"})
    assert "waits for mgr-qian's approval" in answer["message"]
    # Then nothing is told to the customer, and the complaint cannot be reported resolved
    assert _sent(stack, complaint_id, "redress_compensation") == []
    with pytest.raises(ApiError) as held:
        client.act(complaint_id, "resolve", owner, scenarios.RESOLVED)
    assert held.value.status == 409 and "R1 (compensation 5000.00 CNY) awaits approval" in str(held.value.body)
    # and a supervisor whose limit (2000) does not cover it may not approve
    with pytest.raises(ApiError) as refused:
        client.act(complaint_id, "redress/R1/decision", "sup-sun", {"approved": True})
    assert refused.value.status == 403
    # When the manager approves it
    client.act(complaint_id, "redress/R1/decision", "mgr-qian", {"approved": True, "note": "按标准执行"})
    # Then the customer is told the amount, once
    told = _sent(stack, complaint_id, "redress_compensation")
    assert len(told) == 1 and "5000.00 CNY" in told[0]["text"]
    # and an apology by visit is given at once
    client.act(complaint_id, "redress", owner, {"kind": "apology", "form": "visit", "reason": "经理上门致歉"})
    assert len(_sent(stack, complaint_id, "redress_apology")) == 1
    view = client.show(complaint_id, owner)
    assert [(r["redress_id"], r["state"], r.get("decided_by")) for r in view["redress"]] == [
        ("R1", "approved", "mgr-qian"), ("R2", "given", None)]
    types = [e["type"] for e in view["timeline"]]
    assert types.count("redress_recorded") == 2 and types.count("redress_decided") == 1
    # and the complaint goes on to the customer's confirmation
    scenarios.resolve(client, complaint_id, owner)
    report = client.summary("mgr-qian", *_period(client))
    assert report["redress"]["compensation"] == {"count": 1, "amount": "5000.00"}
    assert report["redress"]["apology"]["count"] == 1 and report["currency"] == "CNY"


def test_an_assist_blocks_the_resolution_until_it_is_done(client: DeskClient, complaint_body: dict[str, Any]) -> None:
    complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, complaint_id)
    # Given maintenance assists with part of the work, and billing is consulted
    client.act(complaint_id, "assists", owner, {"department": "maintenance", "owner": "a-zhou",
                                                "task": "更换基站电源模块"})
    client.act(complaint_id, "consults", owner, {"department": "billing", "question": "该用户是否可减免月租？"})
    # When the owner reports it resolved while the assist is open, it is refused
    with pytest.raises(ApiError) as held:
        client.act(complaint_id, "resolve", owner, scenarios.RESOLVED)
    assert held.value.status == 409 and "assist A1 (maintenance) is open" in str(held.value.body)
    # The assisting and consulted departments see the complaint and do their part
    client.act(complaint_id, "consults/Q1/answer", "a-wu", {"answer": "可以减免一个月月租"})
    with pytest.raises(ApiError) as not_theirs:
        client.act(complaint_id, "assists/A1/done", "a-wu", {"result": "不是我的任务"})
    assert not_theirs.value.status == 403
    client.act(complaint_id, "assists/A1/done", "a-zhou", {"result": "电源模块已更换"})
    # Then the resolution goes through, and both promises are kept
    scenarios.resolve(client, complaint_id, owner)
    view = client.show(complaint_id, owner)
    assert view["holds"] == []
    states = {p["kind"]: p["state"] for p in view["promises"]}
    assert states["assist:A1"] == "kept" and states["consult:Q1"] == "kept"


def test_a_return_goes_to_the_dispatcher_and_is_counted(client: DeskClient, complaint_body: dict[str, Any]) -> None:
    start, end = _period(client)
    before = client.summary("mgr-qian", start, end)["returns"].get("network_optimisation", 0)
    complaint_id = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, complaint_id)
    client.act(complaint_id, "return", owner, {"reason": "not_ours", "note": "用户说的是宽带，不是手机信号"})
    view = client.wait_for(complaint_id, "mgr-qian", awaiting="acceptance")
    assert view["department"] == "triage" and view["owner_id"] == "a-he"
    assert view["returns"][0]["reason"] == "not_ours"
    report = client.summary("mgr-qian", start, end)
    assert report["returns"]["network_optimisation"] == before + 1
    assert report["return_reasons"]["not_ours"] >= 1


def test_the_cause_report_compares_two_periods(stack: LocalStack, client: DeskClient,
                                               complaint_body: dict[str, Any]) -> None:
    def closed_with(cause: str, n: int) -> None:
        body = dict(complaint_body, external_id=f"{complaint_body['external_id']}-{cause}-{n}",
                    customer=dict(complaint_body["customer"], phone=f"1380000{n:04d}"),
                    location={"area": "cause-area"})
        complaint_id = client.submit("demo-portal", body)["complaint_id"]
        owner = scenarios.to_confirmation(client, complaint_id, dict(scenarios.RESOLVED, root_cause=cause),
                                          daytime=True)
        scenarios.confirm_fixed(client, complaint_id, owner)

    # Given one antenna-tilt complaint closed in the first week
    first_day = client.now().date()
    closed_with("antenna_tilt", 1)
    # and, a week later, two of interference and none of antenna tilt
    stack.advance(timedelta(days=7))
    second_day = client.now().date()
    closed_with("interference", 2)
    closed_with("interference", 3)
    # When the manager reads the second week against the first
    report = client.causes("mgr-qian", second_day.isoformat(), (second_day + timedelta(days=6)).isoformat())
    assert report["previous_start"] == (second_day - timedelta(days=7)).isoformat()
    assert report["previous_start"] <= first_day.isoformat() <= report["previous_end"]
    cells = {(line["root_cause"], line["area"]): line for line in report["lines"] if line["area"] == "cause-area"}
    # Then each cause shows its count, the period before, and the change
    interference = cells[("interference", "cause-area")]
    assert (interference["count"], interference["previous"], interference["change"]) == (2, 0, 2)
    assert interference["category"] == "network.coverage" and interference["department"] == "network_optimisation"
    tilt = cells[("antenna_tilt", "cause-area")]
    assert (tilt["count"], tilt["previous"], tilt["change"]) == (0, 1, -1)
    assert report["by_cause"]["interference"] >= 2
