"""Confirming the fix with the customer (回访).

The owner records callback attempts (never in quiet hours unless urgent), or
the customer answers the signed link in the message. Fixed closes; not fixed
reopens to the same owner at a higher priority, but from the policy's number
of "not fixed" answers on the next report must carry a long-term plan (a
tracking ticket) and the supervisor is told; the policy's number of
unanswered calls over at least its span closes the complaint unconfirmed.
"""

from __future__ import annotations

from datetime import timedelta

from complaints.core import clock
from complaints.core.access import Operator, authorize
from complaints.core.enums import CallbackOutcome, EventType, Priority, Stage
from complaints.core.errors import Conflict, LinkUsed, NotAwaiting, QuietHours
from complaints.core.observability import count
from complaints.core.record import ComplaintRecord
from complaints.core.requests import CallbackRequest, ConfirmRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling import links, tracking
from complaints.handling.acceptance import answer
from complaints.handling.decisions import claim
from complaints.handling.resolution import reopen
from complaints.promises import keeping as promises
from complaints.reporting import reports


def callback(desk: Desk, complaint_id: str, operator: Operator, request: CallbackRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    if record.stage is not Stage.CONFIRMATION:
        raise NotAwaiting(f"complaint {complaint_id} is not awaiting confirmation")
    now = clock.now()
    quiet = desk.policy.quiet
    if record.priority is not Priority.URGENT and quiet.is_quiet(now):
        allowed = desk.local_time(quiet.next_allowed(now))
        raise QuietHours(f"customers are not called in quiet hours; call from {allowed}")
    attempt = record.callback_attempts + 1
    detail: dict[str, str | int | bool | None] = {"outcome": request.outcome.value, "attempt": attempt,
                                                  "note": request.note}
    if request.outcome in (CallbackOutcome.FIXED, CallbackOutcome.NOT_FIXED):
        return _confirmed(desk, record, operator.agent_id, request.outcome is CallbackOutcome.FIXED, detail,
                          attempts=attempt)
    # One call is one attempt: the same call sent twice, or calls in a burst, count once (the save is
    # conditional on the version read, and a later one finds this one too recent).
    interval = timedelta(minutes=desk.policy.confirmation.attempt_interval_minutes)
    if record.last_attempt_at is not None and now < record.last_attempt_at + interval:
        raise Conflict(f"a call to this customer was recorded at {desk.local_time(record.last_attempt_at)}; "
                       f"the next attempt counts from {desk.local_time(record.last_attempt_at + interval)}")
    record.callback_attempts, record.last_attempt_at = attempt, now
    if request.outcome is CallbackOutcome.CUSTOMER_BUSY:
        desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.CALLBACK, actor=operator.agent_id,
                                                    detail=detail)])
        return answer(record, "callback attempt recorded; the customer asked to be called again")
    rule = desk.policy.confirmation
    first = record.first_unreachable_at or now
    unanswered = record.unreachable_attempts + 1
    detail["unanswered"] = unanswered
    closes_after = desk.policy.calendar.add(first, rule.unreachable_span)
    if unanswered >= rule.max_unreachable and now >= closes_after:
        return _close_unconfirmed(desk, record, operator.agent_id, detail, attempt, unanswered)
    record.unreachable_attempts, record.first_unreachable_at = unanswered, first
    desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.CALLBACK, actor=operator.agent_id,
                                                detail=detail)])
    return answer(record, f"callback attempt recorded; the customer was not reached ({unanswered} unanswered; "
                           f"closes unconfirmed after {rule.max_unreachable}, not before "
                           f"{desk.local_time(closes_after)})")


def _close_unconfirmed(desk: Desk, record: ComplaintRecord, actor: str, detail: dict[str, str | int | bool | None],
                       attempt: int, unanswered: int) -> ActionAnswer:
    def change(r: ComplaintRecord) -> None:
        r.callback_attempts, r.unreachable_attempts = attempt, unanswered
        r.verified, r.confirm_nonce = "unconfirmed", None

    event = TimelineEvent(at=clock.now(), type=EventType.UNCONFIRMED, actor=actor, detail=detail)
    record = claim(desk, record, Stage.CONFIRMATION, event, {"outcome": "unconfirmed"}, change)
    return answer(record, f"the customer was not reached after {unanswered} calls; closing unconfirmed")


def _confirmed(desk: Desk, record: ComplaintRecord, actor: str, fixed: bool,
               detail: dict[str, str | int | bool | None], attempts: int | None = None) -> ActionAnswer:
    started: list[str] = []
    not_fixed = record.not_fixed + int(not fixed)
    required = not fixed and tracking.plan_due_after(desk, not_fixed)
    supervisor = tracking.supervisor_of(desk, record) if required else None

    def change(r: ComplaintRecord) -> None:
        if attempts is not None:
            r.callback_attempts = attempts
        r.confirm_nonce = None
        if fixed:
            r.verified = "fixed"
        else:
            started.extend(reopen(desk, r))
            r.not_fixed, r.plan_required = not_fixed, required

    if required:
        detail = {**detail, "not_fixed": not_fixed, "supervisor": supervisor}
    kind = EventType.CONFIRMED_FIXED if fixed else EventType.TRACKING_REQUIRED if required else EventType.REOPENED
    event = TimelineEvent(at=clock.now(), type=kind, actor=actor, detail=detail)
    output: dict[str, str | bool] = {"outcome": "fixed"} if fixed else {"outcome": "not_fixed",
                                                                         "tracking_required": required}
    record = claim(desk, record, Stage.CONFIRMATION, event, output, change,
                   reports.counts(desk, reopened=int(not fixed), tracking_required=int(required)))
    if fixed:
        return answer(record, "confirmed fixed; closing")
    count("Reopens", reason="not_fixed")
    for started_kind in started:
        promises.start(desk, record, started_kind)
    if required:
        for person in dict.fromkeys(p for p in (supervisor, record.owner_id) if p):
            desk.notices.tell_staff(person, record, "tracking_required", times=not_fixed, owner=record.owner_id)
        return answer(record, f"not fixed {not_fixed} times: back to {record.owner_id}, whose next report must "
                              f"carry a long-term plan (a tracking ticket); {supervisor} is told")
    if record.owner_id:
        desk.notices.tell_staff(record.owner_id, record, "reopened")
    return answer(record, f"reopened to {record.owner_id}")


def confirm(desk: Desk, token: str, request: ConfirmRequest) -> ActionAnswer:
    """The customer answers the confirmation link: fixed closes, not fixed reopens."""
    link = links.open_link(desk, links.CONFIRM, token)
    record = link.record
    if record.confirm_nonce != link.nonce or record.stage is not Stage.CONFIRMATION:
        raise LinkUsed("this link was already answered, or the complaint has moved on")
    detail: dict[str, str | int | bool | None] = {"outcome": request.outcome, "via": "link",
                                                  "comment": request.comment}
    return _confirmed(desk, record, "customer", request.outcome == "fixed", detail)


def confirmation_open(desk: Desk, token: str) -> ComplaintRecord:
    """The complaint behind a confirmation link that can still be answered; reading changes nothing."""
    link = links.open_link(desk, links.CONFIRM, token)
    if link.record.confirm_nonce != link.nonce or link.record.stage is not Stage.CONFIRMATION:
        raise LinkUsed("this link was already answered, or the complaint has moved on")
    return link.record

