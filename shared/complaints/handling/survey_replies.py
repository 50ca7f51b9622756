"""Surveys answered off the link: by a phone call an agent records, or by the customer's SMS reply with digits.

Either answer ends the survey wait as the link's answer does (``survey.record_answer``), once: a repeat of
the same phone survey, or the gateway delivering the same SMS again, gets the first answer back; anything
else after the survey was answered is refused or dropped.

An SMS reply is matched to the complaint awaiting its survey through the customer index, by the keyed hash
of the sender's number, so the number itself is neither stored nor logged. An SMS that matches no open
survey is acknowledged and counted, never stored; a reply the desk cannot read changes nothing and tells
the customer how to answer.
"""

from __future__ import annotations

from complaints.adapters.signing_keys import phone_key
from complaints.core import clock
from complaints.core.access import Operator, authorize
from complaints.core.errors import Conflict, Forbidden, InvalidField, NotAwaiting, QuietHours, VersionConflict
from complaints.core.observability import count, logger
from complaints.core.phones import to_e164
from complaints.core.policy_sections import Portal
from complaints.core.record import ComplaintRecord
from complaints.core.requests import SurveyRequest
from complaints.core.surveys import InboundSms, PhoneSurveyRequest, SmsReceipt
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling.acceptance import answer
from complaints.handling.survey import awaits_survey, record_answer
from complaints.reporting import reports

# How many of a customer's latest complaints an SMS reply is matched against: a survey is sent after a
# close, so the one it answers is among the customer's latest.
MATCH_LATEST = 10


def _answered(record: ComplaintRecord) -> str:
    found = record.survey
    assert found is not None and found.score is not None
    how = {"phone": f"by phone, asked by {found.asked_by}", "sms": "by SMS"}.get(str(found.channel), "on the link")
    return f"the survey of complaint {record.complaint_id} was already answered {how} at {found.at}"


def record_phone_survey(desk: Desk, complaint_id: str, operator: Operator,
                        request: PhoneSurveyRequest) -> ActionAnswer:
    """An agent of the department (never the complaint's owner) records the answers of a survey call."""
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    asked_at = request.asked_at or clock.now()
    found = record.survey
    if found is not None and found.score is not None:
        given = (request.score, request.comment, request.attitude, request.speed, request.result)
        if (found.channel, found.asked_by) == ("phone", operator.agent_id) and given == (
                found.score, found.comment, found.attitude, found.speed, found.result):
            return answer(record, "phone survey already recorded")  # the same survey sent again
        raise Conflict(_answered(record))
    if not awaits_survey(record):
        raise NotAwaiting(f"complaint {complaint_id} is not awaiting its survey "
                          f"(it awaits {record.stage.value if record.stage else 'nothing from people'})")
    if operator.owns(record):
        raise Forbidden("the owner does not survey their own handling: another agent of the department or a "
                        "supervisor calls the customer", record.department)
    if record.closed_at is not None and asked_at < record.closed_at:
        raise InvalidField("asked_at", f"the call was before complaint {complaint_id} closed "
                                       f"({desk.local_time(record.closed_at)})")
    quiet = desk.policy.quiet
    if quiet.is_quiet(asked_at):
        raise QuietHours(f"customers are not called in quiet hours; call from "
                         f"{desk.local_time(quiet.next_allowed(asked_at))}")
    survey = SurveyRequest.model_validate(request.model_dump(exclude={"asked_at"}))
    saved = record_answer(desk, record, survey, actor=operator.agent_id, channel="phone",
                          asked_by=operator.agent_id, asked_at=asked_at)
    return answer(saved, "phone survey recorded")


def _awaiting(desk: Desk, customer_key: str, e164: str) -> tuple[ComplaintRecord | None, list[ComplaintRecord]]:
    """The customer's complaint awaiting its survey (the latest closed, if several), and the ones read."""
    read = [desk.complaints.get(cid) for cid in desk.complaints.latest_of_customer(customer_key, MATCH_LATEST)]
    theirs = [r for r in read if r.customer.phone == e164]  # a hash collision is no match
    waiting = sorted((r for r in theirs if awaits_survey(r)), key=lambda r: r.closed_at or r.updated_at)
    return (waiting[-1] if waiting else None), theirs


def receive_sms(desk: Desk, portal: Portal, sms: InboundSms, message_id: str) -> SmsReceipt:
    """A customer's SMS reply: the survey it answers recorded once, or why nothing changed."""
    rule = desk.policy.survey.sms_reply
    e164 = to_e164(sms.sender, portal.default_region, field="from")
    key = phone_key(e164, desk.settings.required("signing_secret_name"))
    record, theirs = _awaiting(desk, key, e164)
    if record is None:
        again = next((r for r in theirs if r.survey and r.survey.message_id == message_id), None)
        if again is not None:
            return SmsReceipt(outcome="already_recorded", complaint_id=again.complaint_id,
                              message="this SMS was recorded before")
        desk.reports.add_to_day(reports.day_of(desk, clock.now()), {"survey_sms_unmatched": 1}, message_id)
        count("SurveySmsUnmatched")
        logger.info("inbound SMS matched no open survey; dropped", extra={"webhook_id": message_id})
        return SmsReceipt(outcome="unmatched", message="no survey awaits an answer from this number; dropped")
    score = rule.score_of(sms.text) if rule is not None else None
    if rule is None or score is None:
        prompt = rule.prompt.get(record.language) or rule.prompt.get("en", "") if rule else ""
        count("SurveySmsUnreadable")
        logger.info("inbound SMS not a survey answer", extra={"complaint_id": record.complaint_id})
        if rule is not None:
            desk.notices.tell_customer_at_once(record, "survey_reply_unreadable", reply=prompt)
        return SmsReceipt(outcome="unreadable", complaint_id=record.complaint_id,
                          message=f"not a survey answer this desk reads; nothing recorded. {prompt}".strip())
    try:
        record_answer(desk, record, SurveyRequest(score=score), actor="customer", channel="sms",
                      message_id=message_id)
    except (NotAwaiting, VersionConflict):
        # The same SMS delivered twice at once: the first delivery recorded it.
        now = desk.complaints.get(record.complaint_id)
        if now.survey and now.survey.message_id == message_id:
            return SmsReceipt(outcome="already_recorded", complaint_id=now.complaint_id,
                              message="this SMS was recorded before")
        raise
    return SmsReceipt(outcome="recorded", complaint_id=record.complaint_id, message=f"score {score} recorded")
