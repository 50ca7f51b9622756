"""After the close (满意度回访): the survey, the recovery of a low score, and appeals (申诉).

A complaint confirmed fixed gets one survey, sent after the policy's delay and
never in quiet hours. A score below the policy's threshold, or an unsatisfied
result, becomes a recovery task for the department's supervisor with its own
promise: the supervisor records the cause and the action and may reopen the
complaint. A customer may appeal a closed complaint once within the policy's
window; it goes to the second-handling department and a new owner there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from complaints.core import clock
from complaints.core.access import Operator, require_lead
from complaints.core.enums import EventType, Priority, PromiseKind, Rating, ResumeAt, Stage, Status, WorkflowError
from complaints.core.errors import Conflict, LinkUsed
from complaints.core.observability import MetricUnit, count
from complaints.core.outcomes import Appeal, SurveyAnswer
from complaints.core.record import ComplaintRecord
from complaints.core.requests import ReviewRequest, SurveyRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk import continuation
from complaints.desk.context import Desk
from complaints.handling import links
from complaints.handling.acceptance import answer
from complaints.handling.decisions import claim
from complaints.handling.resolution import reopen
from complaints.promises import keeping as promises
from complaints.promises import terms as sla
from complaints.reporting import reports


def survey_open(desk: Desk, token: str) -> ComplaintRecord:
    """The complaint behind a survey link that can still be answered; reading changes nothing."""
    link = links.open_link(desk, links.SURVEY, token)
    record = link.record
    if record.survey and record.survey.score is not None:
        raise LinkUsed("this survey has already been answered")
    if record.survey_nonce != link.nonce or record.stage is not Stage.SURVEY:
        raise LinkUsed("this survey is no longer open")
    return record


def answer_survey(desk: Desk, token: str, request: SurveyRequest) -> ActionAnswer:
    record = survey_open(desk, token)
    return answer(record_answer(desk, record, request, actor="customer", channel="web"), "thank you for your rating")


def awaits_survey(record: ComplaintRecord) -> bool:
    """Whether the complaint's survey is out and unanswered: a link, a phone call or an SMS reply may answer it."""
    return record.stage is Stage.SURVEY and record.survey_nonce is not None and not (
        record.survey and record.survey.score is not None)


def record_answer(desk: Desk, record: ComplaintRecord, request: SurveyRequest, *, actor: str,
                  channel: Literal["web", "phone", "sms"], asked_by: str | None = None,
                  asked_at: datetime | None = None, message_id: str | None = None) -> ComplaintRecord:
    """The survey's answer, however it came: ends the survey wait; a low score becomes a recovery task."""
    unsatisfied = [name for name in ("attitude", "speed", "result") if getattr(request, name) is Rating.UNSATISFIED]
    rule = desk.policy.survey
    low = request.score < rule.low_score_below or request.result is Rating.UNSATISFIED
    now = clock.now()

    def change(r: ComplaintRecord) -> None:
        r.survey = SurveyAnswer(score=request.score, comment=request.comment, at=clock.iso(now),
                                attitude=request.attitude, speed=request.speed, result=request.result,
                                channel=channel, asked_by=asked_by, asked_at=clock.iso(asked_at) if asked_at else None,
                                message_id=message_id)
        r.survey_nonce = None
        if low:
            promises.add(desk, r, PromiseKind.RECOVERY, rule.recovery_within)

    event = TimelineEvent(at=now, type=EventType.SURVEYED, actor=actor,
                          detail={"score": request.score, "low": low, "channel": channel,
                                  "satisfied": rule.satisfied(request.score),
                                  "unsatisfied": ",".join(unsatisfied) or None})
    reasons = {f"low_reason:{name}": 1 for name in unsatisfied} if low else {}
    if low and not reasons:
        reasons = {"low_reason:unstated": 1}
    keyed = {**reasons, f"score:{request.score}": 1, f"survey_channel:{channel}": 1}
    counted = reports.counts(desk, keyed, surveyed=1, score_sum=request.score, score_10=int(request.score == 10),
                             low_scores=int(low))
    record = claim(desk, record, Stage.SURVEY, event, {"score": request.score, "low": low}, change, counted)
    count("SurveyScore", request.score, MetricUnit.NoUnit)
    count("SurveysAnswered", channel=channel)
    if low and record.department:
        promises.start(desk, record, PromiseKind.RECOVERY)
        desk.notices.tell_staff(desk.policy.department(record.department).supervisor, record, "low_score",
                                score=request.score, unsatisfied=", ".join(unsatisfied) or "none")
    return record


def survey_no_response(desk: Desk, record: ComplaintRecord) -> None:
    """The survey's time passed without an answer: recorded as no_response."""
    token = record.task_token
    record.survey = SurveyAnswer(outcome="no_response")
    record.survey_nonce = None
    record.stage = record.task_token = None
    record.set_timer(None, None)
    desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.SURVEY_NO_RESPONSE, actor="system")],
                         reports.counts(desk, survey_no_response=1))
    if token:
        desk.workflow.fail(token, WorkflowError.SURVEY_TIMED_OUT, "the customer did not answer the survey in time")


def review(desk: Desk, complaint_id: str, operator: Operator, request: ReviewRequest) -> ActionAnswer:
    """The supervisor's recovery of a low score: the cause, the action, and whether the complaint reopens."""
    record = desk.complaints.get(complaint_id)
    require_lead(record, operator, f"may review complaint {complaint_id}")
    now = clock.now()
    started: list[str] = []

    def change(r: ComplaintRecord) -> None:
        r.survey = (r.survey or SurveyAnswer()).model_copy(update={
            "review_cause": request.cause, "review_action": request.action, "reviewed_by": operator.agent_id})
        r.promises = sla.keep(r.promises, PromiseKind.RECOVERY, now)
        if request.reopen:
            started.extend(reopen(desk, r))

    event = TimelineEvent(at=now, type=EventType.REVIEWED, actor=operator.agent_id,
                          detail={"cause": request.cause, "reopen": request.reopen})
    counted = reports.counts(desk, recoveries=1, recovery_reopened=int(request.reopen), reopened=int(request.reopen))
    record = claim(desk, record, Stage.REVIEW, event, {"reviewed": True, "reopen": request.reopen}, change, counted)
    if not request.reopen:
        return answer(record, "review recorded")
    count("Reopens", reason="recovery")
    for kind in started:
        promises.start(desk, record, kind)
    if record.owner_id:
        desk.loads.adjust(record.owner_id, +1)
        desk.notices.tell_staff(record.owner_id, record, "reopened")
    return answer(record, f"review recorded; reopened to {record.owner_id}")


def appeal(desk: Desk, record: ComplaintRecord, reason: str, actor: str) -> ActionAnswer:
    """申诉: a second handling of a closed complaint by another team, once, within the window."""
    rule = desk.policy.appeals
    if record.appeal is not None:
        if record.appeal.reason == reason:
            return answer(record, "appeal already received")  # a repeated delivery of the same appeal
        raise Conflict(f"complaint {record.complaint_id} was already appealed once")
    if record.status not in (Status.CLOSED, Status.CLOSED_UNCONFIRMED) or record.closed_at is None:
        raise Conflict(f"complaint {record.complaint_id} is {record.status.value}; only a closed complaint "
                       f"may be appealed")
    now = clock.now()
    window_end = desk.policy.calendar.add(record.closed_at, rule.window)
    if now > window_end:
        raise Conflict(f"the appeal window of complaint {record.complaint_id} ended at "
                       f"{desk.local_time(window_end)}")
    # An execution of the earlier design may still wait at the survey or the review: it is told, and goes on.
    token = record.task_token if record.stage in (Stage.SURVEY, Stage.REVIEW) else None
    previous = record.owner_id
    record.appeal = Appeal(reason=reason, at=clock.iso(now), by=actor, from_department=str(record.department),
                           from_owner=str(previous))
    record.previous_owners = [*record.previous_owners, previous] if previous else record.previous_owners
    record.owner_id, record.department = None, rule.department
    if record.classification is not None:
        raised = record.classification.priority
        if raised in (Priority.LOW, Priority.NORMAL):
            raised = Priority.HIGH  # a second handling is never routine
        record.classification = record.classification.model_copy(
            update={"department": rule.department, "priority": raised})
    record.status, record.closed_at, record.verified = Status.ACKNOWLEDGED, None, None
    record.stage = record.task_token = record.survey_nonce = None
    record.set_timer(None, None)
    record.unreachable_attempts, record.first_unreachable_at = 0, None
    record.promises = sla.keep(record.promises, PromiseKind.RECOVERY, now)
    promises.ensure_solution(desk, record)
    name = f"{record.complaint_id}-appeal"
    if token is None:  # no execution open: the appeal runs as one of its own, recorded in the same write
        continuation.plan(record, kind="appeal", by=actor, resume=ResumeAt.ASSIGN, stage=Stage.ASSIGNMENT,
                          now=now, name=name)
    desk.pushes.announce(record, "appealed")
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.APPEALED, actor=actor,
                                                         detail={"reason": reason, "to": rule.department})],
                                  reports.counts(desk, appeals=1))
    promises.start(desk, record, PromiseKind.SOLUTION)
    if token is not None and not desk.workflow.fail(token, WorkflowError.APPEALED, "the customer appealed"):
        def add_run(r: ComplaintRecord) -> list[TimelineEvent] | None:
            if name in r.execution_names:
                return None
            continuation.plan(r, kind="appeal", by=actor, resume=ResumeAt.ASSIGN, stage=Stage.ASSIGNMENT,
                              now=now, name=name)
            return []

        record = desk.complaints.update(record.complaint_id, add_run) or record
        token = None
    if token is None:
        continuation.start(desk.workflow, record, name)
    return answer(record, f"appeal received; {rule.department} handles it again")
