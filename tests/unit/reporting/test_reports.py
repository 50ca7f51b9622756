"""Report counters kept as complaints change, each counted once; the summary and verification figures from them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from complaints.core import clock
from complaints.core.errors import BadRequest, Forbidden
from complaints.desk.context import Desk
from complaints.handling import confirmation, survey
from complaints.reporting import reports
from complaints.workflow import reminders, steps
from tests.unit.support import (
    CallbackOutcome,
    CallbackRequest,
    MemoryNotifier,
    Rating,
    Stage,
    SurveyRequest,
    operator,
    park,
    receive,
    record,
    to_confirmation,
    today_counts,
)


def _closed_and_rated(desk: Desk, notifier: MemoryNotifier, cid: str, score: int, **ratings: Rating) -> None:
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    park(desk, cid, Stage.SURVEY)
    clock.advance(timedelta(hours=5))  # the survey goes out after its delay
    reminders.sweep(desk)
    survey.answer_survey(desk, notifier.link(cid, "survey"), SurveyRequest(score=score, **ratings))


def _today(desk: Desk) -> date:
    return clock.now().astimezone(desk.policy.calendar.zone).date()


def test_a_complaint_is_counted_received_and_classified_once_however_often_it_is_saved(desk: Desk) -> None:
    cid = receive(desk, channel="wechat", area="east-area")
    for _ in range(2):
        steps.classify_step(desk, cid)
        desk.complaints.save(record(desk, cid))

    assert today_counts(desk) == {"received": 1, "channel:wechat": 1, "category:network.coverage": 1,
                                  "department:network_optimisation": 1, "area:east-area": 1,
                                  "promise_kept:acknowledge": 1, "backlog_in": 1}


def test_a_first_time_fix_rated_10_gives_the_verification_figures(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)

    _closed_and_rated(desk, notifier, cid, 10, result=Rating.SATISFIED)

    report = reports.verification(desk, operator(desk, "mgr-qian"), _today(desk), _today(desk))
    assert {k: v for k, v in report.totals.items() if v} == {"closed_confirmed": 1, "first_time_fix": 1,
                                                             "surveyed": 1, "score_sum": 10, "score_10": 1}
    assert (report.first_time_fix_rate, report.reopen_rate, report.mean_score, report.share_of_10) == (
        1.0, 0.0, 10.0, 1.0)
    assert report.unconfirmed_share == 0.0 and report.low_score_share == 0.0


def test_a_low_score_counts_its_reasons_and_opens_a_recovery(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)

    _closed_and_rated(desk, notifier, cid, 4, speed=Rating.UNSATISFIED, attitude=Rating.SATISFIED)

    summary = reports.summary(desk, operator(desk, "mgr-qian"), _today(desk), _today(desk))
    assert (summary.surveyed, summary.mean_score, summary.low_score_share) == (1, 4.0, 1.0)
    assert summary.low_score_reasons == {"speed": 1}
    assert [p.state for p in record(desk, cid).promises if p.kind == "recovery"] == ["pending"]
    assert len(notifier.to_staff("sup-sun", "low_score")) == 0  # not urgent: it waits for the digest


def test_the_summary_counts_by_channel_category_area_and_repeats(desk: Desk) -> None:
    first = receive(desk, phone="13900000001", area="east-area")
    second = receive(desk, phone="13900000001", area="north-area", channel="app")
    for cid in (first, second):
        steps.classify_step(desk, cid)

    summary = reports.summary(desk, operator(desk, "sup-sun"), _today(desk), _today(desk))

    assert summary.received == 2 and summary.repeats == 1 and summary.repeat_share == 0.5
    assert summary.by_channel == {"app": 1, "hotline": 1}
    assert summary.by_category == {"network.coverage": 2}
    assert summary.by_area == {"east-area": 1, "north-area": 1}
    assert summary.promises["acknowledge"].kept == 2


def test_unresolved_network_complaints_are_a_hotspot_until_they_close(desk: Desk, notifier: MemoryNotifier) -> None:
    ids = [receive(desk, area="east-area") for _ in range(2)] + [receive(desk, area="west-area")]
    for cid in ids:
        steps.classify_step(desk, cid)
    mgr = operator(desk, "mgr-qian")
    assert reports.summary(desk, mgr, _today(desk), _today(desk)).hotspots == {"east-area": 2, "west-area": 1}
    closing = ids[1]

    _closed_and_rated(desk, notifier, closing, 9)

    assert reports.summary(desk, mgr, _today(desk), _today(desk)).hotspots == {"east-area": 1, "west-area": 1}


def test_the_summary_exports_as_csv_rows(desk: Desk) -> None:
    steps.classify_step(desk, receive(desk))

    text = reports.summary_csv(reports.summary(desk, operator(desk, "mgr-qian"), _today(desk), _today(desk)))

    lines = text.splitlines()
    assert lines[0] == "section,item,value" and "received,total,1" in lines
    assert "category,network.coverage,1" in lines


@pytest.mark.parametrize("agent, days, refused", [
    ("a-wang", 0, Forbidden),  # reports are for supervisors and managers
    ("sup-sun", -1, BadRequest),  # the period ends before it starts
    ("sup-sun", reports.MAX_DAYS, BadRequest),  # longer than a report covers
])
def test_a_report_is_refused_to_agents_and_for_impossible_periods(
        desk: Desk, agent: str, days: int, refused: type[Exception]) -> None:
    start = _today(desk)
    with pytest.raises(refused):
        reports.summary(desk, operator(desk, agent), start, start + timedelta(days=days))


def test_unknown_counters_are_refused_before_anything_is_written(desk: Desk) -> None:
    with pytest.raises(AssertionError):
        reports.counts(desk, closed_twice=1)
