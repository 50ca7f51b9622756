"""Closing only what is really fixed (回单与回访).

The owner reports the outcome (resolved, temporary measure, or deferred to a
planned long-term fix), a root cause from the policy's list for the category,
the actions and the evidence. The policy may send the report to a
supervisor's quality check (质检) first; a failed check goes back to the
owner. A deferred fix becomes a tracking ticket (投诉跟踪单), followed up on
the policy's interval until the fix lands. Then the customer confirms: the
owner records callback attempts (never in quiet hours unless urgent), or the
customer answers the signed link in the message. Fixed closes; not fixed
reopens to the same owner at a higher priority; the policy's number of
unanswered calls over at least its span closes the complaint unconfirmed.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from complaints import clock, links, promises, reports, sla
from complaints.actions import answer, authorize, require_owner_or_lead
from complaints.auth import Operator
from complaints.claims import claim
from complaints.desk import Desk
from complaints.errors import Forbidden, InvalidField, LinkUsed, NotAwaiting, QuietHours
from complaints.models import (
    ActionAnswer,
    CallbackOutcome,
    CallbackRequest,
    ConfirmRequest,
    FollowUpRequest,
    Priority,
    QualityCheckRequest,
    ResolutionOutcome,
    ResolveRequest,
    Stage,
    Status,
    TimelineEvent,
)
from complaints.observability import count
from complaints.record import ComplaintRecord

_RAISED = {Priority.LOW: Priority.NORMAL, Priority.NORMAL: Priority.HIGH,
           Priority.HIGH: Priority.URGENT, Priority.URGENT: Priority.URGENT}



def _category(record: ComplaintRecord) -> str:
    return record.classification.category if record.classification else "other"


def _sample_draw(record: ComplaintRecord) -> float:
    """A number in [0, 1) fixed for this report of this complaint: the quality-check sample."""
    digest = hashlib.sha256(f"{record.complaint_id}:{record.version}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def _end_of_day(desk: Desk, day: date) -> datetime:
    """A planned date as a promise: the end of that working day, local time."""
    return datetime.combine(day, desk.policy.working_hours.end, desk.policy.calendar.zone)


def _check_expected(desk: Desk, expected_by: date) -> None:
    now = clock.now()
    today = now.astimezone(desk.policy.calendar.zone).date()
    latest = desk.policy.calendar.add(now, desk.policy.tracking.max_expected).astimezone(
        desk.policy.calendar.zone).date()
    if not today < expected_by <= latest:
        raise InvalidField("expected_by", f"must be after {today} and no later than {latest}")


def reopen(desk: Desk, record: ComplaintRecord) -> list[str]:
    """The fix did not hold: back to work at a higher priority, with a solution promise to keep.

    Returns the kinds of the promises made, whose timers start once the record is saved.
    """
    record.status = Status.IN_PROGRESS
    record.reopen_count += 1
    record.verified = record.confirm_nonce = None
    record.closed_at = None
    record.unreachable_attempts, record.first_unreachable_at = 0, None
    if record.classification is not None:
        record.classification = record.classification.model_copy(
            update={"priority": _RAISED[record.classification.priority]})
    return ["solution"] if promises.ensure_solution(desk, record) else []


# ---------------------------------------------------------------- the report
def resolve(desk: Desk, complaint_id: str, operator: Operator, request: ResolveRequest) -> ActionAnswer:
    record = desk.repo.get(complaint_id)
    authorize(operator, record)
    require_owner_or_lead(record, operator)
    category = _category(record)
    causes = desk.policy.root_causes_for(category)
    if request.root_cause not in causes:
        raise InvalidField("root_cause", f"{request.root_cause!r} is not a root cause of {category}; "
                                         f"one of: {', '.join(causes)}")
    if record.stage is Stage.TRACKING:
        return _fix_landed(desk, record, operator, request)
    deferred = request.outcome is ResolutionOutcome.DEFERRED
    if deferred:
        assert request.expected_by is not None
        _check_expected(desk, request.expected_by)
    check = desk.policy.needs_quality_check(category, record.priority, record.sensitive, _sample_draw(record))
    now = clock.now()
    report = {"outcome": request.outcome.value, "root_cause": request.root_cause, "actions": request.actions,
              "by": operator.agent_id, "at": clock.iso(now)}
    if request.evidence:
        report["evidence"] = request.evidence
    if deferred:
        report.update(plan=str(request.plan), expected_by=str(request.expected_by))

    def change(r: ComplaintRecord) -> None:
        r.status = Status.QUALITY_CHECK if check else Status.TRACKING if deferred else Status.RESOLVED
        r.resolution = report
        r.quality_check = None
        r.unreachable_attempts, r.first_unreachable_at = 0, None
        r.promises = sla.keep(sla.keep(r.promises, "first_reply", now), "investigation", now)
        if deferred:
            r.tracking = {"plan": str(request.plan), "expected_by": str(request.expected_by),
                          "opened_at": clock.iso(now), "follow_ups": 0}

    event = TimelineEvent(at=now, type="resolved", actor=operator.agent_id,
                          detail={"outcome": request.outcome.value, "root_cause": request.root_cause,
                                  "quality_check": check})
    record = claim(desk, record, Stage.RESOLUTION, event,
                   {"outcome": request.outcome.value, "quality_check": check}, change,
                   reports.counts(desk, tracking_opened=int(deferred and not check)))
    if check:
        desk.tell_staff(desk.policy.department(str(record.department)).supervisor, record, "quality_check",
                        outcome=request.outcome.value)
        return answer(record, "reported; a supervisor checks the handling before the customer is called")
    if deferred:
        return answer(record, f"deferred; tracked until the planned fix lands by {request.expected_by}")
    return answer(record, "resolved; awaiting the customer's confirmation")


def _fix_landed(desk: Desk, record: ComplaintRecord, operator: Operator, request: ResolveRequest) -> ActionAnswer:
    """The planned long-term fix of a tracking ticket landed: back through verification."""
    if request.outcome is not ResolutionOutcome.RESOLVED:
        raise InvalidField("outcome", "a tracking ticket is resolved when its planned fix lands: report resolved")
    now = clock.now()

    def change(r: ComplaintRecord) -> None:
        r.status = Status.RESOLVED
        r.resolution = {"outcome": request.outcome.value, "root_cause": request.root_cause,
                        "actions": request.actions, "by": operator.agent_id, "at": clock.iso(now),
                        **({"evidence": request.evidence} if request.evidence else {})}
        r.tracking = {**(r.tracking or {}), "landed_at": clock.iso(now)}
        r.unreachable_attempts, r.first_unreachable_at = 0, None

    event = TimelineEvent(at=now, type="fix_landed", actor=operator.agent_id,
                          detail={"root_cause": request.root_cause})
    record = claim(desk, record, Stage.TRACKING, event, {"landed": True}, change,
                   reports.counts(desk, fix_landed=1))
    return answer(record, "the planned fix landed; awaiting the customer's confirmation")


def quality_check(desk: Desk, complaint_id: str, operator: Operator, request: QualityCheckRequest) -> ActionAnswer:
    record = desk.repo.get(complaint_id)
    if operator.role not in ("supervisor", "manager", "admin") or record.department not in operator.departments:
        raise Forbidden(f"only a supervisor of {record.department} checks the handling of complaint {complaint_id}")
    if operator.agent_id == record.owner_id:
        raise Forbidden("the owner does not check their own handling")
    outcome = (record.resolution or {}).get("outcome", ResolutionOutcome.RESOLVED.value)
    deferred = outcome == ResolutionOutcome.DEFERRED.value
    now = clock.now()

    def change(r: ComplaintRecord) -> None:
        r.quality_check = {"passed": "yes" if request.passed else "no", "by": operator.agent_id,
                           "at": clock.iso(now), **({"reason": request.reason} if request.reason else {})}
        if request.passed:
            r.status = Status.TRACKING if deferred else Status.RESOLVED
        else:
            r.status, r.tracking = Status.IN_PROGRESS, None

    event = TimelineEvent(at=now, type="quality_checked", actor=operator.agent_id,
                          detail={"passed": request.passed, "reason": request.reason})
    counted = reports.counts(desk, quality_passed=int(request.passed), quality_failed=int(not request.passed),
                             tracking_opened=int(request.passed and deferred))
    record = claim(desk, record, Stage.QUALITY_CHECK, event, {"passed": request.passed, "outcome": outcome},
                   change, counted)
    if not request.passed:
        if record.owner_id:
            desk.tell_staff(record.owner_id, record, "quality_failed", reason=str(request.reason))
        return answer(record, f"returned to {record.owner_id}: {request.reason}")
    return answer(record, "quality check passed")


# ---------------------------------------------------------------- tracking tickets
def follow_up(desk: Desk, complaint_id: str, operator: Operator, request: FollowUpRequest) -> ActionAnswer:
    """Progress on a tracking ticket: the next follow-up falls due an interval later; a new date is told."""
    record = desk.repo.get(complaint_id)
    authorize(operator, record)
    require_owner_or_lead(record, operator)
    if record.stage is not Stage.TRACKING:
        raise NotAwaiting(f"complaint {complaint_id} is not a tracking ticket awaiting its fix")
    now = clock.now()
    tracking = dict(record.tracking or {})
    tracking["follow_ups"] = int(tracking.get("follow_ups", 0)) + 1
    tracking["last_follow_up_at"] = clock.iso(now)
    moved = request.expected_by is not None and str(request.expected_by) != tracking.get("expected_by")
    if moved:
        assert request.expected_by is not None
        _check_expected(desk, request.expected_by)
        tracking["expected_by"] = str(request.expected_by)
        promises.renegotiate(record, "solution", _end_of_day(desk, request.expected_by), request.note)
    record.tracking = tracking
    record.set_timer(Stage.TRACKING, desk.policy.calendar.add(now, desk.policy.tracking.follow_up_interval))
    record = desk.repo.save(record, [TimelineEvent(at=now, type="follow_up", actor=operator.agent_id,
                                                   detail={"note": request.note,
                                                           "expected_by": tracking["expected_by"]})])
    if moved:
        promises.start(desk, record, "solution")
        desk.tell_customer(record, "tracking", plan=str(tracking.get("plan")), date=str(tracking["expected_by"]))
    return answer(record, f"follow-up {tracking['follow_ups']} recorded")


def park_tracking(desk: Desk, record: ComplaintRecord) -> bool:
    """On entering tracking: the solution promise moves to the planned date once. True if the customer is told."""
    tracking = dict(record.tracking or {})
    if tracking.get("told"):
        return False
    expected = date.fromisoformat(str(tracking["expected_by"]))
    promises.renegotiate(record, "solution", _end_of_day(desk, expected), "deferred to a planned fix")
    record.tracking = {**tracking, "told": 1}
    return True


def tracking_due(desk: Desk, record: ComplaintRecord) -> None:
    """The sweep found a tracking ticket's follow-up due: remind the owner, and the supervisor once it is late."""
    tracking = record.tracking or {}
    now = clock.now()
    expected = date.fromisoformat(str(tracking.get("expected_by")))
    late = now.astimezone(desk.policy.calendar.zone).date() > expected
    record.set_timer(Stage.TRACKING, desk.policy.calendar.add(now, desk.policy.tracking.follow_up_interval),
                     record.timer_level + 1)
    desk.repo.save(record, [TimelineEvent(at=now, type="follow_up_due", actor="system",
                                          detail={"expected_by": str(expected), "late": late})])
    people = [record.owner_id]
    if late and record.department:
        people.append(desk.policy.department(record.department).supervisor)
    for person in dict.fromkeys(p for p in people if p):
        desk.tell_staff(person, record, "follow_up_due", date=str(expected), late="yes" if late else "no")


# ---------------------------------------------------------------- confirming with the customer
def callback(desk: Desk, complaint_id: str, operator: Operator, request: CallbackRequest) -> ActionAnswer:
    record = desk.repo.get(complaint_id)
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
    record.callback_attempts = attempt
    if request.outcome is CallbackOutcome.CUSTOMER_BUSY:
        desk.repo.save(record, [TimelineEvent(at=now, type="callback", actor=operator.agent_id, detail=detail)])
        return answer(record, "callback attempt recorded; the customer asked to be called again")
    rule = desk.policy.verification
    first = record.first_unreachable_at or now
    unanswered = record.unreachable_attempts + 1
    detail["unanswered"] = unanswered
    closes_after = desk.policy.calendar.add(first, rule.unreachable_span)
    if unanswered >= rule.max_unreachable and now >= closes_after:
        return _close_unconfirmed(desk, record, operator.agent_id, detail, attempt, unanswered)
    record.unreachable_attempts, record.first_unreachable_at = unanswered, first
    desk.repo.save(record, [TimelineEvent(at=now, type="callback", actor=operator.agent_id, detail=detail)])
    return answer(record, f"callback attempt recorded; the customer was not reached ({unanswered} unanswered; "
                           f"closes unconfirmed after {rule.max_unreachable}, not before "
                           f"{desk.local_time(closes_after)})")


def _close_unconfirmed(desk: Desk, record: ComplaintRecord, actor: str, detail: dict[str, str | int | bool | None],
                       attempt: int, unanswered: int) -> ActionAnswer:
    def change(r: ComplaintRecord) -> None:
        r.callback_attempts, r.unreachable_attempts = attempt, unanswered
        r.verified, r.confirm_nonce = "unconfirmed", None

    event = TimelineEvent(at=clock.now(), type="unconfirmed", actor=actor, detail=detail)
    record = claim(desk, record, Stage.CONFIRMATION, event, {"outcome": "unconfirmed"}, change)
    return answer(record, f"the customer was not reached after {unanswered} calls; closing unconfirmed")


def _confirmed(desk: Desk, record: ComplaintRecord, actor: str, fixed: bool,
               detail: dict[str, str | int | bool | None], attempts: int | None = None) -> ActionAnswer:
    started: list[str] = []

    def change(r: ComplaintRecord) -> None:
        if attempts is not None:
            r.callback_attempts = attempts
        r.confirm_nonce = None
        if fixed:
            r.verified = "fixed"
        else:
            started.extend(reopen(desk, r))

    event = TimelineEvent(at=clock.now(), type="confirmed_fixed" if fixed else "reopened", actor=actor,
                          detail=detail)
    record = claim(desk, record, Stage.CONFIRMATION, event, {"outcome": "fixed" if fixed else "not_fixed"},
                   change, reports.counts(desk, reopened=int(not fixed)))
    if fixed:
        return answer(record, "confirmed fixed; closing")
    count("Reopens", reason="not_fixed")
    for kind in started:
        promises.start(desk, record, kind)
    if record.owner_id:
        desk.tell_staff(record.owner_id, record, "reopened")
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

