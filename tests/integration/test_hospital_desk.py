"""A hospital's desk on the local stack: a medical dispute (医疗纠纷) apart from a complaint, settled with a
compensation the manager approves above the settler's limit, and a nursing complaint."""

from __future__ import annotations

import io
import itertools
import json
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
STACK_PROFILE = "hospital"
STACK_LOG_LEVEL = "INFO"  # the tests read the functions' log lines
_numbers = itertools.count(1)
COMPLICATION = ("我父亲上周在贵院做胆囊切除手术，术后出现严重并发症感染，又住进ICU，术前根本没说有这种风险，"
                "我们要求医院调查并赔偿全部医疗费和误工损失")


def patient(text: str, channel: str = "walk_in") -> dict[str, Any]:
    n = next(_numbers)
    return {"channel": channel, "external_id": f"PSC-{n:05d}", "text": text,
            "customer": {"name": "患者家属测试", "phone": f"1381234{n:04d}"},
            "location": {"campus": "main", "ward": "general-surgery-3"}}


def test_a_complication_with_a_compensation_claim_is_a_dispute_settled_and_counted_apart(
        stack: LocalStack, client: DeskClient, capfd: pytest.CaptureFixture[str],
        function_logs: io.StringIO) -> None:
    client.to_daytime()
    day = _desk_day(client)
    cid = client.submit("demo-portal", patient(COMPLICATION))["complaint_id"]

    # Then it is a dispute owned by 医务科, with the sealing of the records promised within a day
    view = client.wait_for(cid, "mgr-lu", awaiting="acceptance")
    assert view["department"] == "medical_affairs" and view["category"] == "hospital.treatment"
    assert view["dispute"]["opened_by"] == "system"
    pending = {p["kind"] for p in view["promises"] if p["state"] == "pending"}
    assert {"records_sealing", "dispute_answer", "dispute_settlement"} <= pending
    owner = scenarios.accept(client, cid)

    # It cannot be reported resolved, nor settled, before the records are sealed
    with pytest.raises(ApiError, match="409"):
        client.act(cid, "resolve", owner, {"outcome": "resolved", "root_cause": "known_risk", "actions": "explained"})
    settlement = {"way": "mediation", "compensation": 86417, "agreement_reference": "YTW-2026-0412"}
    with pytest.raises(ApiError, match="records_sealed"):
        client.act(cid, "dispute/settlement", owner, settlement)

    # When the records are sealed before the family and the mediation committee takes the case
    client.act(cid, "dispute/steps", owner, {"step": "records_sealed", "reference": "FC-2026-118",
                                             "note": "病历封存，患方签字"})
    client.act(cid, "dispute/steps", owner, {"step": "mediation_requested", "reference": "YTW-2026-0412"})
    # Then the sealing promise is kept
    assert {p["kind"]: p["state"] for p in client.show(cid, owner)["promises"]}["records_sealing"] == "kept"

    # When the owner settles it with a compensation above the owner's limit (an agent grants nothing alone)
    answer = client.act(cid, "dispute/settlement", owner, settlement)
    # Then the compensation is recorded as redress, waiting for the manager's approval, and holds the complaint
    assert "waits for mgr-lu" in answer["message"]
    view = client.show(cid, owner)
    assert (view["dispute"]["settlement"]["redress_id"], view["redress"][0]["kind"], view["redress"][0]["state"],
            view["redress"][0]["amount"]) == ("R1", "compensation", "pending_approval", "86417")
    assert view["holds"] and not _told(stack, cid)
    # and the settlement deadline is not kept until the settlement stands
    assert {p["kind"]: p["state"] for p in view["promises"]}["dispute_settlement"] == "pending"
    with pytest.raises(ApiError, match="409"):  # no second settlement while the first waits
        client.act(cid, "dispute/settlement", owner, settlement)
    # Nor may a supervisor whose limit (5,000) does not cover it approve it; the manager does
    with pytest.raises(ApiError, match="403"):
        client.act(cid, "redress/R1/decision", "sup-qin", {"approved": True})
    client.act(cid, "redress/R1/decision", "mgr-lu", {"approved": True})
    view = client.show(cid, owner)
    assert (view["redress"][0]["state"], view["redress"][0]["decided_by"], view["holds"]) == ("approved", "mgr-lu", [])
    assert {p["kind"]: p["state"] for p in view["promises"]}["dispute_settlement"] == "kept"
    # And the patient is told through the notification port: the amount and the agreement, nothing clinical
    told = _told(stack, cid)
    assert len(told) == 1 and "86417" in told[0]["text"] and "YTW-2026-0412" in told[0]["text"]
    assert not any(word in told[0]["text"] for word in ("并发症", "胆囊", "ICU", "感染", "病历封存"))

    # And then the complaint goes its ordinary way to the end
    scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": "communication_gap",
                                           "actions": "settled through the mediation committee"},
                      checked_by="mgr-lu")
    client.to_daytime()
    scenarios.confirm_fixed(client, cid, owner)

    # The report counts the dispute, its settlement and the compensation apart from the complaints
    report = client.summary("mgr-lu", day, _desk_day(client))
    assert (report["disputes_opened"], report["disputes_settled"]) == (1, 1)
    assert (report["disputes_compensated"], report["compensation_paid"]) == (1, 86417)
    assert report["dispute_ways"] == {"mediation": 1}
    assert report["promises"]["dispute_settlement"]["kept"] == 1

    # Nothing clinical, nor the dispute's references or amount, is in the workflow's history or the logs
    # (each event's details: the inputs and outputs of the states, not the events' timestamps)
    history = json.dumps([{k: v for k, v in event.items() if k.endswith("EventDetails")}
                          for event in client.history(cid)], ensure_ascii=False)
    logs = capfd.readouterr()
    logged = function_logs.getvalue() + logs.out + logs.err
    assert cid in history and cid in logged
    for clinical in ("并发症", "胆囊", "ICU", "感染", "FC-2026-118", "病历封存", "86417", "YTW-2026-0412",
                     "general-surgery-3"):
        assert clinical not in history, clinical
        assert clinical not in logged, clinical


def test_an_agent_opens_a_dispute_the_text_did_not_show_and_it_moves_to_medical_affairs(
        stack: LocalStack, client: DeskClient) -> None:
    cid = client.submit("demo-portal", patient("护士给我妈输错了液体，现在浑身起疹子，你们必须负责"))["complaint_id"]
    view = client.wait_for(cid, "mgr-lu", awaiting="acceptance")
    assert view["dispute"] is None and view["department"] == "nursing"
    client.act(cid, "dispute", "sup-bai", {"reason": "the family asks for compensation at the meeting"})
    moved = client.wait_for(cid, "mgr-lu", awaiting="acceptance")
    assert moved["department"] == "medical_affairs" and moved["dispute"]["opened_by"] == "sup-bai"

    # A compensation within the settler's limit stands at once: medical affairs' supervisor settles for 3,000
    client.act(cid, "dispute/steps", "sup-qin", {"step": "records_sealed", "reference": "FC-2026-131"})
    client.act(cid, "dispute/settlement", "sup-qin", {"way": "negotiation", "compensation": 3000,
                                                       "agreement_reference": "XS-2026-0031"})
    view = client.show(cid, "sup-qin")
    assert (view["redress"][0]["state"], view["redress"][0]["decided_by"], view["holds"]) == (
        "approved", "sup-qin", [])
    assert len(_told(stack, cid)) == 1


def test_a_nursing_complaint_takes_the_ordinary_path(stack: LocalStack, client: DeskClient) -> None:
    client.to_daytime()
    text = "住院部的护士给我扎了四次针都没扎进去，手背全青了，按了呼叫铃半小时才来人，请护理部处理"
    cid = client.submit("demo-portal", patient(text))["complaint_id"]
    view = client.wait_for(cid, "mgr-lu", awaiting="acceptance")
    assert (view["category"], view["department"], view["dispute"]) == ("hospital.nursing", "nursing", None)
    assert not {p["kind"] for p in view["promises"]} & {"records_sealing", "dispute_answer", "dispute_settlement"}
    owner = scenarios.accept(client, cid)
    scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": "weak_clinical_basics",
                                           "actions": "IV training for the ward's night nurses; apologised"})
    client.to_daytime()
    scenarios.close_and_rate(stack, client, cid, owner, 8)
    assert client.show(cid, owner)["status"] == "closed"


def test_the_nursing_complaint_is_not_counted_as_a_dispute(client: DeskClient) -> None:
    today = _desk_day(client)
    report = client.summary("mgr-lu", (date.fromisoformat(today) - timedelta(days=14)).isoformat(), today)
    assert report["disputes_opened"] == 2 and report["received"] == 3
    # Both settlements counted with their compensation, apart from the complaints' own redress
    assert (report["disputes_settled"], report["disputes_compensated"], report["compensation_paid"]) == (
        2, 2, 86417 + 3000)
    assert report["dispute_ways"] == {"mediation": 1, "negotiation": 1}
    assert "compensation" not in report["redress"]


def _told(stack: LocalStack, complaint_id: str) -> list[dict[str, Any]]:
    """What the patient was sent of the compensation."""
    return [m for m in stack.outbox() if m["complaint_id"] == complaint_id and m["template"] == "redress_compensation"]


def _desk_day(client: DeskClient) -> str:
    return client.now().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
