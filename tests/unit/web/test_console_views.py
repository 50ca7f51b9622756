"""The console's views read in the desk's language: names for keys, sentences for events, no raw values."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from complaints.core import clock
from complaints.core.collaboration import AssistRequest, ConsultAnswerRequest, ConsultRequest, ReturnRequest
from complaints.core.enums import ApologyForm, RedressKind, ReturnReason
from complaints.core.errors import Forbidden
from complaints.core.policy import Policy, load_policy
from complaints.core.redress import RedressRequest
from complaints.desk.context import Desk
from complaints.handling import collaboration, confirmation, redress, search
from complaints.reporting import board as supervision
from complaints.reporting import reports, trends
from complaints.web import console_board, console_complaint, console_html, console_queue, console_reports
from complaints.web.console_search import search_view
from complaints.web.console_text import summary_name
from complaints.workflow import steps
from tests.raw_keys import raw_keys, visible_text
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


@pytest.fixture(autouse=True)
def _views_read_this_desk(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_html, "current_desk", lambda: desk)
    # The graph asks Step Functions for the execution: the unit tests' workflow has none.
    monkeypatch.setattr(console_complaint, "_workflow", lambda *args, **kwargs: "")


def test_the_telecom_profile_names_every_key_it_can_show_in_both_languages() -> None:
    policy = load_policy("telecom")
    assert set(policy.labels) == {"zh-CN", "en"}
    assert policy.label("category", "network.coverage", "zh-CN") == "信号覆盖"
    assert policy.label("department", "network_optimisation", "zh-CN") == "网络优化中心"
    assert policy.label("promise", "first_reply", "en") == "First reply"


def test_a_profile_that_names_a_language_must_name_every_key_in_it() -> None:
    raw: dict[str, Any] = load_policy("telecom").model_dump(mode="json")
    del raw["labels"]["en"]["category"]["network.coverage"]
    del raw["labels"]["en"]["event"]["received"]
    with pytest.raises(ValueError, match=r"en lacks category:network.coverage, event:received"):
        Policy.model_validate(raw)


def test_a_profile_without_labels_shows_keys_and_a_runtime_department_its_own_name() -> None:
    raw: dict[str, Any] = load_policy("telecom").model_dump(mode="json")
    raw["labels"] = {}
    bare = Policy.model_validate(raw)
    assert bare.label("category", "network.coverage", "zh-CN") == "network.coverage"
    assert bare.label("department", "billing", "zh-CN") == "计费业务部 Billing and business department"


def _closed(desk: Desk, cid: str) -> str:
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    park(desk, cid, Stage.SURVEY)
    return owner


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_complaint_page_shows_names_sentences_and_local_times_never_raw_values(desk: Desk, lang: str) -> None:
    cid = receive(desk)
    owner = _closed(desk, cid)

    page = console_complaint.complaint_view(desk, operator(desk, owner), cid, lang)

    text = visible_text(page)
    assert raw_keys(text) == []
    assert ("信号覆盖" if lang == "zh-CN" else "Coverage and signal") in text
    assert ("天线下倾角" if lang == "zh-CN" else "Antenna tilt") in text  # the resolution's root cause
    assert 'class="record resolution"' in page and "<dl>" in page  # a form-like block, not key: value; key: value
    assert ("结案，客户已确认" if lang == "zh-CN" else "Closed; the customer confirmed the fix") in text


def test_the_queue_names_departments_categories_statuses_and_owners(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)

    page = console_queue.queue_view(desk, operator(desk, "sup-sun"), "zh-CN", "network_optimisation")

    text = visible_text(page)
    assert raw_keys(text) == []
    assert "网络优化中心" in text and "信号覆盖" in text and "已派单 · 待接单" in text
    assert f"({owner})" in text


def test_the_trends_follow_a_scripted_week_and_the_backlog_walks_back_from_now(desk: Desk) -> None:
    # Given three days: two complaints on the first, one closed on the second, one more on the third
    zone = desk.policy.calendar.zone
    first_day = clock.now().astimezone(zone).date()
    a, b = receive(desk), receive(desk)
    clock.advance(timedelta(days=1))
    _closed(desk, a)
    clock.advance(timedelta(days=1))
    receive(desk)
    # When a manager reads the week
    report = trends.trends(desk, operator(desk, "mgr-qian"), first_day, first_day + timedelta(days=6))
    days = {d.day: d for d in report.days}
    # Then each day shows what it counted, and the backlog at each day's end
    assert [days[first_day + timedelta(days=n)].received for n in range(3)] == [2, 0, 1]
    assert [days[first_day + timedelta(days=n)].closed for n in range(3)] == [0, 1, 0]
    assert [days[first_day + timedelta(days=n)].backlog for n in range(3)] == [2, 1, 2]
    assert days[first_day + timedelta(days=3)].backlog is None  # not yet ended
    assert days[first_day].promises["acknowledge"].kept == 2
    assert b != a
    # And the page draws them, with the numbers as a table
    page = console_reports.reports_view(desk, operator(desk, "mgr-qian"), "zh-CN", first_day,
                                        first_day + timedelta(days=6))
    assert f'data-series="received" data-day="{first_day.isoformat()}" data-value="2"' in page
    assert raw_keys(visible_text(page)) == []
    rows = trends.trends_csv(report, lambda series: series.upper()).splitlines()
    assert rows[0] == "day,series,value,name"
    assert f"{first_day.isoformat()},backlog,2,BACKLOG" in rows


def test_the_board_lists_missed_then_at_risk_promises_soonest_first_for_leads_only(desk: Desk) -> None:
    # Given a complaint whose first reply is missed and a later one whose first reply is close
    early = receive(desk)
    to_acceptance(desk, early)
    clock.advance(timedelta(days=1))
    late = receive(desk)
    to_acceptance(desk, late)
    due = next(p.due_at for p in record(desk, late).promises if p.kind == "first_reply")
    clock.advance(due - clock.now() - timedelta(minutes=30))

    found = supervision.board(desk, operator(desk, "sup-sun"))

    ordered = [(a.complaint_id, a.level) for a in found.alerts if a.kind == "first_reply"]
    assert ordered == [(early, "missed"), (late, "at-risk")]
    assert {a.agent_id for a in found.agents} >= {"a-wang", "a-liu"}
    assert sum(a.open_count for a in found.agents) == 2
    page = console_board.board_view(desk, operator(desk, "sup-sun"), "zh-CN")
    assert page.index(f'data-complaint="{early}" data-kind="first_reply"') < \
        page.index(f'data-complaint="{late}" data-kind="first_reply"')
    assert raw_keys(visible_text(page)) == [] and 'data-refresh="60"' in page
    with pytest.raises(Forbidden):
        supervision.board(desk, operator(desk, "a-wang"))


def test_search_finds_by_id_reference_and_phone_within_what_the_operator_may_see(desk: Desk) -> None:
    cid = receive(desk, phone="13912345678")
    to_acceptance(desk, cid)
    stored = record(desk, cid)
    lead = operator(desk, "sup-sun")

    assert [h.complaint.complaint_id for h in search.search(desk, lead, cid.lower()).hits] == [cid]
    assert [h.matched_by for h in search.search(desk, lead, stored.external_id).hits] == ["external_id"]
    by_phone = search.search(desk, lead, "139 1234 5678")
    assert [(h.complaint.complaint_id, h.matched_by) for h in by_phone.hits] == [(cid, "phone")] and by_phone.phone
    # Another department's agent learns nothing, and the page never repeats the number typed
    assert search.search(desk, operator(desk, "a-wu"), "13912345678").hits == []
    page = search_view(desk, operator(desk, "a-wu"), "zh-CN", "13912345678")
    assert "13912345678" not in page and "没有找到" in page


def test_a_refusal_is_a_page_in_the_desk_s_language_with_the_reason_escaped() -> None:
    page = console_html.error_page(Forbidden("complaint <b>X</b> belongs to billing"), "zh-CN")
    assert "<h1>您无权查看</h1>" in page and "&lt;b&gt;X&lt;/b&gt;" in page and "<b>X" not in page
    assert "<h1>You may not see this</h1>" in console_html.error_page(Forbidden("no"), "en")


def test_a_failed_workflow_is_offered_for_redrive_on_the_board_and_its_page_to_its_supervisor(desk: Desk) -> None:
    # Given a complaint whose step failed while it waited for acceptance
    cid = receive(desk)
    to_acceptance(desk, cid)
    steps.fail_step(desk, cid, "States.Timeout")

    # Then the department's supervisor sees it among the failed workflows with a redrive button
    page = console_board.board_view(desk, operator(desk, "sup-sun"), "zh-CN")
    failed = page[page.index('class="board-part failed"'):page.index('class="board-part incidents"')]
    assert f'data-api="/v1/complaints/{cid}/redrive"' in failed and "重新驱动" in failed
    assert raw_keys(visible_text(page)) == []
    # and on the complaint's page; the owner, who may not redrive, is not offered it
    lead_page = console_complaint.complaint_view(desk, operator(desk, "sup-sun"), cid, "en")
    assert 'data-action="redrive"' in lead_page and raw_keys(visible_text(lead_page)) == []
    owner = record(desk, cid).owner_id
    assert owner and 'data-action="redrive"' not in console_complaint.complaint_view(
        desk, operator(desk, owner), cid, "en")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_complaint_page_shows_redress_collaboration_and_what_holds_the_resolution(desk: Desk, lang: str) -> None:
    # Given compensation above the owner's limit, an apology, an open assist, an answered consultation
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    agent = operator(desk, owner)
    redress.record_redress(desk, cid, agent, RedressRequest(kind=RedressKind.COMPENSATION, amount=Decimal("500"),
                                                            reason="信号中断三周"))
    redress.record_redress(desk, cid, agent, RedressRequest(kind=RedressKind.APOLOGY, form=ApologyForm.PHONE,
                                                            reason="致歉"))
    collaboration.open_assist(desk, cid, agent, AssistRequest(department="maintenance", owner="a-zhou",
                                                              task="更换电源模块"))
    collaboration.consult(desk, cid, agent, ConsultRequest(department="billing", question="可否减免月租？"))
    collaboration.answer_consult(desk, cid, "Q1", operator(desk, "a-wu"), ConsultAnswerRequest(answer="可以"))

    page = console_complaint.complaint_view(desk, operator(desk, "mgr-qian"), cid, lang)

    # Then each shows in the desk's words, with its state, and what still holds the resolution
    text = visible_text(page)
    assert raw_keys(text) == []
    assert 'data-redress="R1"' in page and 'class="redress pending_approval"' in page
    assert ("赔偿" if lang == "zh-CN" else "Compensation") in text and "500 CNY" in text
    assert ("电话致歉" if lang == "zh-CN" else "By phone") in text
    assert 'class="assist open" data-assist="A1"' in page and 'data-consult="Q1"' in page
    assert ("协办未完成" if lang == "zh-CN" else "assist still open") in text
    assert ("补救待审批" if lang == "zh-CN" else "redress awaiting approval") in text
    assert ("部门会商" if lang == "zh-CN" else "Department consulted") in text  # the timeline's event name
    assert ("协办 A1" if lang == "zh-CN" else "Assist A1") in text  # the assist's promise by name


def test_the_reports_page_shows_causes_against_the_period_before_and_returns(desk: Desk) -> None:
    # Given a complaint closed with antenna tilt as its cause, and one returned by its department
    cid = receive(desk)
    _closed(desk, cid)
    other = receive(desk)
    owner = to_acceptance(desk, other)
    collaboration.return_to_dispatcher(desk, other, operator(desk, owner),
                                       ReturnRequest(reason=ReturnReason.NOT_OURS, note="是宽带问题"))
    today = clock.now().astimezone(desk.policy.calendar.zone).date()

    page = console_reports.reports_view(desk, operator(desk, "mgr-qian"), "zh-CN", today, today + timedelta(days=6))

    assert 'data-cause="antenna_tilt" data-change="1"' in page
    text = visible_text(page)
    assert raw_keys(text) == [] and "天线下倾角" in text and "非本部门职责" in text


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_row_of_the_summary_csv_has_a_name_in_the_desk_s_language(desk: Desk, lang: str) -> None:
    # Given a day with redress granted and a return
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    redress.record_redress(desk, cid, operator(desk, owner), RedressRequest(
        kind=RedressKind.REFUND, amount=Decimal("30"), reason="多扣的月租"))
    other = receive(desk)
    collaboration.return_to_dispatcher(desk, other, operator(desk, to_acceptance(desk, other)),
                                       ReturnRequest(reason=ReturnReason.INCOMPLETE, note="缺少地址"))
    today = clock.now().astimezone(desk.policy.calendar.zone).date()
    report = reports.summary(desk, operator(desk, "mgr-qian"), today, today)

    rows = reports.summary_csv(report, summary_name(desk.policy, lang)).splitlines()

    named = {tuple(row.split(",")[:2]): row.split(",")[-1] for row in rows[1:]}
    assert named[("outcome", "authority_reports")] == ("报告监管部门的延期" if lang == "zh-CN"
                                                      else "Extensions reported to the authority")
    assert named[("redress:refund", "amount_CNY")] == ("退款 · CNY" if lang == "zh-CN" else "Refund · CNY")
    assert named[("return_reason", "incomplete")] == ("信息不全" if lang == "zh-CN" else "Incomplete")
