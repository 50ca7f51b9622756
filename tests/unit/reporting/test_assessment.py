"""The assessment (考核): each figure counted once, against the department and the agent it belongs to."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from complaints.core import clock
from complaints.core.enums import RedressKind
from complaints.core.errors import BadRequest, Forbidden
from complaints.core.redress import RedressRequest
from complaints.core.surveys import PhoneSurveyRequest
from complaints.desk.context import Desk
from complaints.handling import confirmation, redress, resolution, survey_replies
from complaints.reporting import assessment, causes
from complaints.triage import assignment
from complaints.web import console_assessment, console_reports
from complaints.web.console_text import Names
from complaints.workflow import steps
from tests.raw_keys import raw_keys, visible_text
from tests.unit.support import (
    BILLING,
    FIXED,
    CallbackOutcome,
    CallbackRequest,
    Stage,
    TransferRequest,
    operator,
    park,
    receive,
    record,
    to_acceptance,
    to_confirmation,
    to_resolution,
    today_assessed,
)


def _today(desk: Desk) -> date:
    return clock.now().astimezone(desk.policy.calendar.zone).date()


def test_a_missed_acceptance_counts_against_the_agent_who_missed_it(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)

    assignment.hand_over_unaccepted(desk, record(desk, cid))

    assert today_assessed(desk) == {f"network_optimisation|{owner}|acceptance_missed": 1}


def test_transfers_and_a_flag_count_against_who_passed_it_on(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    assignment.transfer(desk, cid, operator(desk, owner), TransferRequest(reason="计费问题", department="billing"))
    steps.assign_step(desk, cid)
    park(desk, cid, Stage.ACCEPTANCE)
    second = str(record(desk, cid).owner_id)

    assignment.transfer(desk, cid, operator(desk, second), TransferRequest(reason="不归我们", department="maintenance"))

    counted = today_assessed(desk)
    assert counted[f"network_optimisation|{owner}|transfers"] == 1
    assert (counted[f"billing|{second}|transfers"], counted[f"billing|{second}|passing_around"]) == (1, 1)
    assert f"network_optimisation|{owner}|passing_around" not in counted


def test_the_report_sums_agents_into_departments_by_the_profiles_rules(desk: Desk) -> None:
    # Given a network complaint reopened once, closed and scored 7 by phone (low), with 150 CNY compensation
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    redress.record_redress(desk, cid, operator(desk, owner), RedressRequest(
        kind=RedressKind.COMPENSATION, amount=Decimal("150"), reason="断网两周的补偿"))
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.NOT_FIXED))
    park(desk, cid, Stage.RESOLUTION)
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)
    park(desk, cid, Stage.CONFIRMATION)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    park(desk, cid, Stage.SURVEY)
    survey_replies.record_phone_survey(desk, cid, operator(desk, "sup-sun"), PhoneSurveyRequest(score=7))
    # and a billing complaint whose owner missed its acceptance
    other = receive(desk, BILLING)
    missed_by = to_acceptance(desk, other)
    assignment.hand_over_unaccepted(desk, record(desk, other))

    report = assessment.assessment(desk, operator(desk, "mgr-qian"), _today(desk), _today(desk))

    agents = {(line.department, line.agent_id): line for line in report.agents}
    line = agents[("network_optimisation", owner)]
    assert (line.reopened, line.surveyed, line.mean_score, line.low_scores, line.satisfied) == (1, 1, 7.0, 1, 0)
    assert line.compensation == Decimal("150.00") and line.promises_kept >= 1 and line.promises_missed == 0
    assert agents[("billing", missed_by)].acceptances_missed == 1
    departments = {d.department: d for d in report.departments}
    assert departments["network_optimisation"].compensation == Decimal("150.00")
    assert departments["billing"].acceptances_missed == 1
    # A supervisor sees the departments they lead; agents see no report
    led = assessment.assessment(desk, operator(desk, "sup-sun"), _today(desk), _today(desk))
    assert {d.department for d in led.departments} == {"network_optimisation"}
    with pytest.raises(Forbidden):
        assessment.assessment(desk, operator(desk, owner), _today(desk), _today(desk))
    # The CSV has a row per department and per agent, with the names
    rows = list(csv.DictReader(io.StringIO(assessment.assessment_csv(
        report, console_assessment.staff_name(desk.policy, "en")))))
    mine = next(r for r in rows if r["scope"] == "agent" and r["agent_id"] == owner)
    assert (mine["reopened"], mine["mean_score"], mine["compensation_CNY"], mine["low_scores"]) == (
        "1", "7.0", "150.00", "1")
    assert mine["department_name"] and mine["agent_name"] == desk.policy.agent(owner).name  # type: ignore[union-attr]
    # The console's reports page shows it in the desk's words
    page = console_reports.reports_view(desk, operator(desk, "mgr-qian"), "zh-CN", _today(desk), _today(desk))
    section = console_assessment.section(desk, operator(desk, "mgr-qian"), _today(desk), _today(desk),
                                         Names(desk.policy, "zh-CN"))
    assert section in page and "考核" in visible_text(section) and raw_keys(visible_text(section)) == []


def test_a_report_refuses_days_no_counter_can_hold(desk: Desk) -> None:
    with pytest.raises(BadRequest, match="between 2000-01-01 and 2199-12-31"):
        causes.causes(desk, operator(desk, "mgr-qian"), date(1, 1, 1), date(1, 1, 2))
