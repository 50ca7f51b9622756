"""Surveys answered off the link: an agent's phone survey and the customer's SMS reply, each recorded once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.core import clock
from complaints.core.errors import Conflict, Forbidden, InvalidField, NotAwaiting, QuietHours
from complaints.core.policy import load_policy
from complaints.core.surveys import InboundSms, PhoneSurveyRequest
from complaints.desk.context import Desk
from complaints.handling import confirmation, survey, survey_replies
from complaints.reporting import reports
from complaints.workflow import reminders, steps
from tests.unit.support import (
    CallbackOutcome,
    CallbackRequest,
    FakeWorkflow,
    MemoryNotifier,
    Stage,
    SurveyRequest,
    move_clock_to,
    operator,
    park,
    receive,
    record,
    to_confirmation,
    today_counts,
)

PHONE = "13912345678"


def _surveyed(desk: Desk, phone: str = PHONE) -> tuple[str, str, str]:
    """A complaint confirmed fixed, closed and sent its survey: (id, owner, the survey wait's token)."""
    cid = receive(desk, phone=phone)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    token = park(desk, cid, Stage.SURVEY)
    clock.advance(timedelta(hours=5))  # the survey goes out after its delay
    reminders.sweep(desk)
    return cid, owner, token


def _sms(desk: Desk, text: str, message_id: str = "msg_1", sender: str = PHONE) -> survey_replies.SmsReceipt:
    gateway = desk.policy.portal("sms-gateway")
    assert gateway is not None and gateway.inbound_sms
    return survey_replies.receive_sms(desk, gateway, InboundSms.model_validate({"from": sender, "text": text}),
                                      message_id)


def test_the_survey_sms_says_how_to_reply_with_digits(desk: Desk, notifier: MemoryNotifier) -> None:
    cid, _, _ = _surveyed(desk)

    text = notifier.to_customer(cid, "survey")[-1].render()

    assert "回复本短信 1-10 的数字" in text and "/v1/surveys/" in text


def test_a_phone_survey_ends_the_wait_once_with_who_asked_and_when(desk: Desk, workflow: FakeWorkflow) -> None:
    cid, owner, token = _surveyed(desk)
    caller = next(a.id for a in desk.policy.agents if "network_optimisation" in a.departments and a.id != owner
                  and a.role.value == "agent")
    asked = clock.now() - timedelta(minutes=20)
    request = PhoneSurveyRequest(score=9, comment="修好了", asked_at=asked)

    survey_replies.record_phone_survey(desk, cid, operator(desk, caller), request)
    again = survey_replies.record_phone_survey(desk, cid, operator(desk, caller), request)

    answer = record(desk, cid).survey
    assert answer is not None
    assert (answer.score, answer.channel, answer.asked_by, answer.asked_at) == (9, "phone", caller, clock.iso(asked))
    assert workflow.output_for(token) == {"score": 9, "low": False}
    assert len(workflow.succeeded) == len({t for t, _ in workflow.succeeded})  # the repeat sent nothing
    assert again.message == "phone survey already recorded"
    counts = today_counts(desk)
    assert counts["surveyed"] == 1 and counts["score:9"] == 1 and counts["survey_channel:phone"] == 1
    with pytest.raises(Conflict, match="already answered by phone"):
        survey_replies.record_phone_survey(desk, cid, operator(desk, caller), PhoneSurveyRequest(score=3))


def test_the_owner_does_not_survey_their_own_handling_nor_anyone_at_night(desk: Desk) -> None:
    cid, owner, _ = _surveyed(desk)

    with pytest.raises(Forbidden, match="does not survey their own"):
        survey_replies.record_phone_survey(desk, cid, operator(desk, owner), PhoneSurveyRequest(score=10))
    move_clock_to("22:30", desk, working_day=False)
    with pytest.raises(QuietHours):
        survey_replies.record_phone_survey(desk, cid, operator(desk, "sup-sun"), PhoneSurveyRequest(score=10))
    assert record(desk, cid).survey is None and record(desk, cid).stage is Stage.SURVEY


def test_a_phone_survey_needs_the_survey_to_be_out(desk: Desk) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)

    with pytest.raises(NotAwaiting, match="not awaiting its survey"):
        survey_replies.record_phone_survey(desk, cid, operator(desk, "sup-sun"), PhoneSurveyRequest(score=10))


def test_an_sms_reply_is_matched_by_the_senders_number_and_recorded_once(desk: Desk, workflow: FakeWorkflow) -> None:
    _surveyed(desk, phone="13900000001")  # another customer's survey, also open
    cid, _, token = _surveyed(desk)

    first = _sms(desk, " 9/10 ", "msg_a")
    again = _sms(desk, " 9/10 ", "msg_a")  # the gateway delivers it again

    assert (first.outcome, first.complaint_id, again.outcome) == ("recorded", cid, "already_recorded")
    answer = record(desk, cid).survey
    assert answer is not None and (answer.score, answer.channel, answer.message_id) == (9, "sms", "msg_a")
    assert workflow.output_for(token) == {"score": 9, "low": False}
    assert today_counts(desk)["survey_channel:sms"] == 1
    # a later SMS finds no open survey: acknowledged, counted, dropped
    assert _sms(desk, "10", "msg_b").outcome == "unmatched"
    assert today_counts(desk)["survey_sms_unmatched"] == 1 and record(desk, cid).survey == answer


def test_an_unreadable_reply_changes_nothing_and_tells_the_customer_how(desk: Desk,
                                                                       notifier: MemoryNotifier) -> None:
    cid, _, _ = _surveyed(desk)
    before = record(desk, cid)

    receipt = _sms(desk, "挺好的，谢谢")

    assert receipt.outcome == "unreadable" and "1-10" in receipt.message
    assert record(desk, cid).version == before.version and record(desk, cid).stage is Stage.SURVEY
    assert "1-10" in notifier.to_customer(cid, "survey_reply_unreadable")[-1].render()


def test_an_sms_from_a_number_with_no_open_survey_is_dropped_and_a_bad_number_refused(desk: Desk) -> None:
    assert _sms(desk, "10", sender="13700000000").outcome == "unmatched"
    assert today_counts(desk)["survey_sms_unmatched"] == 1
    with pytest.raises(InvalidField, match="from"):
        _sms(desk, "10", sender="1234")


def test_the_link_still_answers_and_the_sms_then_finds_nothing_open(desk: Desk, notifier: MemoryNotifier) -> None:
    cid, _, _ = _surveyed(desk)
    survey.answer_survey(desk, notifier.link(cid, "survey"), SurveyRequest(score=10))

    assert _sms(desk, "3").outcome == "unmatched"
    assert record(desk, cid).survey is not None and record(desk, cid).survey.score == 10  # type: ignore[union-attr]


def test_the_reports_count_satisfied_by_the_profiles_threshold(desk: Desk, notifier: MemoryNotifier) -> None:
    # Given the telecom profile, where only a 10 is satisfied, a 10 on the link and a 9 by SMS
    assert desk.policy.survey.satisfied_from == 10
    first, _, _ = _surveyed(desk, phone="13900000002")
    survey.answer_survey(desk, notifier.link(first, "survey"), SurveyRequest(score=10))
    _surveyed(desk)
    _sms(desk, "9")
    today = clock.now().astimezone(desk.policy.calendar.zone).date()

    found = reports.summary(desk, operator(desk, "mgr-qian"), today, today).satisfaction

    assert (found.satisfied_from, found.scored, found.satisfied, found.rate) == (10, 2, 1, 0.5)
    assert found.by_score == {"9": 1, "10": 1} and found.by_channel == {"sms": 1, "web": 1}
    assert reports.verification(desk, operator(desk, "mgr-qian"), today, today).satisfaction == found


@pytest.mark.parametrize(("profile", "reply", "score"), [
    ("telecom", "9", 9), ("telecom", "９/１０", 9), ("telecom", "10分", 10), ("telecom", " 1 。", 1),
    ("telecom", "11", None), ("telecom", "0", None), ("telecom", "很满意", None), ("telecom", "9 很好", None),
    ("property", "1", 10), ("property", "4", 2), ("property", "5", None), ("property", "10", None),
    ("hospital", "8/10", 8),
])
def test_each_profile_reads_the_replies_its_survey_sms_asks_for(profile: str, reply: str, score: int | None) -> None:
    rule = load_policy(profile).survey.sms_reply
    assert rule is not None and rule.score_of(reply) == score
