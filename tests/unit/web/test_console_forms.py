"""The complaint page's forms for redress and working across departments, offered by the handling functions' own
checks; a hospital's dispute panel; every desk's page in its own words."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from complaints.core import clock
from complaints.core.collaboration import AssistRequest, ConsultRequest
from complaints.core.enums import RedressKind
from complaints.core.redress import RedressDecisionRequest, RedressRequest
from complaints.core.requests import DisputeStepRequest, ReplyRequest, SettlementRequest
from complaints.desk.context import Desk
from complaints.handling import collaboration, confirmation, contacts, disputes, redress
from complaints.intake.receive import portal_status
from complaints.reporting import reports
from complaints.web import console_complaint, console_html
from complaints.web.console_text import summary_name
from complaints.workflow import steps
from tests.raw_keys import raw_keys, telecom_words, visible_text
from tests.unit.support import (
    CallbackOutcome,
    CallbackRequest,
    Stage,
    operator,
    park,
    receive,
    record,
    to_acceptance,
    to_confirmation,
    to_resolution,
)

COMPLICATION = "术后出现严重并发症感染，又住进ICU，我们要求医院赔偿全部医疗费"
NURSING = "护士打针扎了三次都没扎进去，态度还很差"
LEAK = "楼上漏水，我家天花板都泡了，报修两天了还没人来"


@pytest.fixture(autouse=True)
def _views_read_this_desk(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_html, "current_desk", lambda: desk)
    monkeypatch.setattr(console_complaint, "_workflow", lambda *args, **kwargs: "")


def _page(desk: Desk, agent: str, cid: str, lang: str = "zh-CN") -> str:
    return console_complaint.complaint_view(desk, operator(desk, agent), cid, lang)


def _actions(page: str) -> set[str]:
    return set(re.findall(r'<form class="action" data-action="([a-z-]+)"', page))


def test_the_owner_is_offered_redress_with_the_limit_and_only_a_covering_lead_the_approval(desk: Desk) -> None:
    # Given a complaint in the owner's hands
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    # Then the owner may record compensation, an apology and an explanation, and is told the limit
    page = _page(desk, owner, cid)
    assert {"redress-money", "redress-apology", "redress-explanation", "consult", "assist", "return"} <= _actions(page)
    assert "您可直接批准 200 CNY 以内的金额；超出须等待经理审批" in page  # the telecom agent's limit
    assert "redress-decision" not in _actions(page)
    # When the owner records an amount above the limit
    redress.record_redress(desk, cid, operator(desk, owner), RedressRequest(
        kind=RedressKind.COMPENSATION, amount=Decimal("5000"), reason="信号中断三周"))
    # Then the page says it waits, and the approval is offered to the manager alone, never to the recorder
    assert "redress-decision" not in _actions(_page(desk, owner, cid))
    manager = _page(desk, "mgr-qian", cid, "en")
    assert 'data-action="redress-decision" data-api="/v1/complaints/' in manager and 'data-redress="R1"' in manager
    assert "Waiting for a manager&#x27;s approval" in manager or "Waiting for a manager's approval" in manager
    assert raw_keys(visible_text(manager)) == []
    # A supervisor whose limit does not cover it is not offered it either (as the API would refuse)
    assert "redress-decision" not in _actions(_page(desk, "sup-sun", cid))


def test_a_consulted_department_answers_and_an_assist_is_finished_by_its_owner(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    agent = operator(desk, owner)
    collaboration.consult(desk, cid, agent, ConsultRequest(department="billing", question="可否减免月租？"))
    collaboration.open_assist(desk, cid, agent, AssistRequest(department="maintenance", owner="a-zhou",
                                                              task="更换电源模块"))
    billing = _page(desk, "a-wu", cid)
    assert "consult-answer" in _actions(billing) and 'data-consult="Q1"' in billing
    assert "assist-done" not in _actions(billing) and "redress-money" not in _actions(billing)
    maintenance = _page(desk, "a-zhou", cid)
    assert "assist-done" in _actions(maintenance) and 'data-assist="A1"' in maintenance
    assert "consult-answer" not in _actions(maintenance)
    # The owner may not answer for billing, nor finish maintenance's part
    assert not {"consult-answer", "assist-done"} & _actions(_page(desk, owner, cid))


def test_a_return_is_offered_only_while_the_complaint_waits_on_its_department(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    page = _page(desk, owner, cid)
    assert "return" in _actions(page)
    for reason in ("非本部门职责", "信息不全", "重复工单"):  # the policy's list, in its words
        assert reason in page
    park(desk, cid, Stage.CONFIRMATION)
    assert "return" not in _actions(_page(desk, owner, cid))


@pytest.mark.profile("hospital")
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_hospital_dispute_shows_its_state_sealing_deadlines_and_settlement(desk: Desk, lang: str) -> None:
    # Given a complication with a claim: a dispute owned by medical affairs
    cid = receive(desk, COMPLICATION, service=None)
    owner = to_resolution(desk, cid)
    assert record(desk, cid).department == "medical_affairs"
    # Then its page has the panel: open, records not yet sealed, the deadlines counting down, the forms
    page = _page(desk, owner, cid, lang)
    panel = page[page.index('class="record dispute"'):page.index("</section>", page.index('class="record dispute"'))]
    assert 'data-dispute="open"' in panel and ("尚未记录" if lang == "zh-CN" else "not yet recorded") in panel
    assert 'data-kind="records_sealing"' in panel and "data-due=" in panel
    assert {"dispute-step", "dispute-settle"} <= _actions(page)
    assert raw_keys(visible_text(page)) == [] and telecom_words(desk.policy.profile, visible_text(page)) == []
    # The owner, an agent, is told on the settlement form that any compensation waits for approval
    settle_form = page[page.index('data-action="dispute-settle"'):]
    assert ("您录入的金额均须等待经理审批" if lang == "zh-CN" else "Every amount you record waits") in settle_form
    # When the records are sealed and it is settled with a compensation above the owner's limit
    disputes.record_step(desk, cid, operator(desk, owner), DisputeStepRequest(step="records_sealed",
                                                                              reference="FC-2026-118"))
    disputes.settle(desk, cid, operator(desk, owner), SettlementRequest(way="mediation", compensation=30000,
                                                                        agreement_reference="YTW-2026-0412"))
    # Then the panel shows the settlement awaiting the approval of its compensation, R1; the manager may decide it
    page = _page(desk, "mgr-lu", cid, lang)
    panel = page[page.index('class="record dispute"'):page.index("</section>", page.index('class="record dispute"'))]
    assert 'data-dispute="pending_approval"' in panel and "FC-2026-118" in panel and "30,000 CNY" in panel
    assert 'class="redress-state pending_approval" data-redress="R1"' in panel
    assert ("和解待审批" if lang == "zh-CN" else "Settlement awaiting approval") in panel
    assert 'data-redress="R1"' in page[page.index('data-action="redress-decision"'):]
    assert not {"dispute-step", "dispute-settle"} & _actions(page)  # settled: nothing more to record
    # When the manager approves it, the settlement stands
    redress.decide(desk, cid, "R1", operator(desk, "mgr-lu"), RedressDecisionRequest(approved=True))
    page = _page(desk, "sup-qin", cid, lang)
    panel = page[page.index('class="record dispute"'):page.index("</section>", page.index('class="record dispute"'))]
    assert 'data-dispute="settled"' in panel and 'class="redress-state approved" data-redress="R1"' in panel
    assert ("封存病历" if lang == "zh-CN" else "Medical records sealed") in panel
    assert ("人民调解（医调委）" if lang == "zh-CN" else "Mediation committee") in panel
    assert "Lu Ming" in panel  # who approved it
    assert raw_keys(visible_text(page)) == [] and telecom_words(desk.policy.profile, visible_text(page)) == []


@pytest.mark.profile("hospital")
def test_a_refused_compensation_shows_the_settlement_withdrawn_and_the_dispute_open_again(desk: Desk) -> None:
    cid = receive(desk, COMPLICATION, service=None)
    owner = to_resolution(desk, cid)
    disputes.record_step(desk, cid, operator(desk, owner), DisputeStepRequest(step="records_sealed"))
    disputes.settle(desk, cid, operator(desk, owner), SettlementRequest(way="negotiation", compensation=250000,
                                                                        agreement_reference="XS-7"))
    redress.decide(desk, cid, "R1", operator(desk, "mgr-lu"), RedressDecisionRequest(approved=False,
                                                                                      note="需先做鉴定"))
    page = _page(desk, owner, cid)
    panel = page[page.index('class="record dispute"'):page.index("</section>", page.index('class="record dispute"'))]
    assert 'data-dispute="open"' in panel and "已撤回的和解" in panel and "250,000 CNY" in panel
    assert "dispute-settle" in _actions(page)  # it may be settled again
    assert "和解撤回" in page  # the timeline says what the refusal did
    assert raw_keys(visible_text(page)) == []


@pytest.mark.profile("hospital")
def test_a_nursing_complaint_is_no_dispute_and_its_owner_may_open_one(desk: Desk) -> None:
    cid = receive(desk, NURSING, service=None)
    owner = to_resolution(desk, cid)
    page = _page(desk, owner, cid)
    assert 'data-action="dispute-open"' in page and "data-dispute=" not in page
    assert raw_keys(visible_text(page)) == [] and telecom_words(desk.policy.profile, visible_text(page)) == []


@pytest.mark.profile("property")
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_property_page_speaks_the_office_s_words_and_has_no_dispute_panel(desk: Desk, lang: str) -> None:
    cid = receive(desk, LEAK, service=None)
    owner = to_resolution(desk, cid)
    contacts.reply(desk, cid, operator(desk, owner), ReplyRequest(kind="notice", summary="已安排工程部上门"))
    page = _page(desk, owner, cid, lang)
    text = visible_text(page)
    assert raw_keys(text) == [] and telecom_words(desk.policy.profile, text) == []
    assert ("书面通知" if lang == "zh-CN" else "Written notice") in text  # the reply's kind, by its name
    assert "dispute" not in _actions(page) and 'class="record dispute' not in page
    assert {"redress-money", "consult", "assist"} <= _actions(page)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_summary_csv_names_each_kind_of_reply(desk: Desk, lang: str) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    contacts.reply(desk, cid, operator(desk, owner), ReplyRequest(kind="sms", summary="已告知处理进度"))
    today = clock.now().astimezone(desk.policy.calendar.zone).date()
    rows = reports.summary_csv(reports.summary(desk, operator(desk, "mgr-qian"), today, today),
                               summary_name(desk.policy, lang)).splitlines()
    named = {tuple(row.split(",")[:2]): row.split(",")[-1] for row in rows[1:]}
    assert named[("reply", "sms")] == ("短信" if lang == "zh-CN" else "SMS")


def test_a_portal_reads_back_only_the_promises_made_to_the_customer(desk: Desk) -> None:
    # Given a complaint with a consultation and an assist open, each with its own internal promise
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    agent = operator(desk, owner)
    collaboration.consult(desk, cid, agent, ConsultRequest(department="billing", question="可否减免月租？"))
    collaboration.open_assist(desk, cid, agent, AssistRequest(department="maintenance", task="更换电源模块"))
    stored = record(desk, cid)
    assert {"consult:Q1", "assist:A1"} <= {p.kind for p in stored.promises}
    # When its portal reads it back
    seen = {p.kind for p in portal_status(desk, stored.portal_id, stored.external_id).promises}
    # Then the customer's promises are there, the departments' and the desk's own are not
    assert {"first_reply", "solution"} <= seen
    assert not any(kind.startswith(("consult:", "assist:")) for kind in seen)
    assert all(desk.policy.kind(k).customer_facing or desk.policy.kind(k).ceiling for k in seen)
    clock.advance(timedelta(minutes=1))


def test_a_closed_complaint_still_takes_a_written_explanation_but_no_work_with_other_departments(desk: Desk) -> None:
    # Given a closed complaint whose customer disputes the outcome
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    assert not record(desk, cid).is_open
    # Then its owner may still explain in writing (as the API allows), but not consult, assist or return it
    actions = _actions(_page(desk, owner, cid))
    assert "redress-explanation" in actions
    assert not {"consult", "assist", "return"} & actions
