"""Tracking tickets (投诉跟踪单): a planned long-term fix followed until it lands.

A ticket opens when the owner defers the fix to a plan, or reports a
temporary measure together with the long-term plan (what, its owner, its
date), so the complaint is not forgotten once the temporary fix holds. The
solution promise moves to the planned date and the customer is told the
plan; a follow-up falls due on the policy's interval (the owner reminded, the
supervisor too once the date has passed); a new date is told to the customer.
When the fix lands, the owner reports it and the complaint goes back through
the customer's confirmation. The plan's owner is reminded of each
follow-up beside the complaint's owner.
"""

from __future__ import annotations

from datetime import date, datetime

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.enums import EventType, PromiseKind, ResolutionOutcome, Stage, Status
from complaints.core.errors import InvalidField, NotAwaiting
from complaints.core.outcomes import Resolution, TrackingTicket
from complaints.core.record import ComplaintRecord
from complaints.core.requests import FollowUpRequest, ResolveRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling.acceptance import answer
from complaints.handling.decisions import claim
from complaints.promises import keeping as promises
from complaints.reporting import reports


def end_of_day(desk: Desk, day: date) -> datetime:
    """A planned date as a promise: the end of that working day, local time."""
    return datetime.combine(day, desk.policy.working_hours.end, desk.policy.calendar.zone)


def check_expected(desk: Desk, expected_by: date) -> None:
    now = clock.now()
    today = now.astimezone(desk.policy.calendar.zone).date()
    latest = desk.policy.calendar.add(now, desk.policy.tracking.max_expected).astimezone(
        desk.policy.calendar.zone).date()
    if not today < expected_by <= latest:
        raise InvalidField("expected_by", f"must be after {today} and no later than {latest}")


def plan_due_after(desk: Desk, not_fixed: int) -> bool:
    """Whether this many "not fixed" answers make the next report carry a long-term plan, by the policy."""
    limit = desk.policy.confirmation.not_fixed_to_tracking
    return limit is not None and not_fixed >= limit


def supervisor_of(desk: Desk, record: ComplaintRecord) -> str | None:
    return desk.policy.department(record.department).supervisor if record.department else None


def check_plan_required(record: ComplaintRecord, request: ResolveRequest) -> None:
    """After too many "not fixed" answers, a report without a long-term plan is refused."""
    if record.plan_required and not request.tracked:
        raise InvalidField("plan", f"the customer said not fixed {record.not_fixed} times: report the long-term "
                                   f"plan with its expected_by date (deferred, or with a temporary measure); the "
                                   f"complaint becomes a tracking ticket")


def check_plan_owner(desk: Desk, plan_owner: str | None) -> None:
    if plan_owner is not None and desk.policy.agent(plan_owner) is None:
        raise InvalidField("plan_owner", f"{plan_owner!r} is not on the roster")


def ticket(report: Resolution, now: datetime) -> TrackingTicket:
    """The ticket a report with a plan opens; a temporary measure's actions are what holds until the plan lands."""
    assert report.plan is not None and report.expected_by is not None
    temporary = report.actions if report.outcome is ResolutionOutcome.TEMPORARY_MEASURE else None
    return TrackingTicket(plan=report.plan, expected_by=report.expected_by, opened_at=clock.iso(now),
                          owner=report.plan_owner, temporary_measure=temporary)


def fix_landed(desk: Desk, record: ComplaintRecord, operator: Operator, request: ResolveRequest) -> ActionAnswer:
    """The planned long-term fix of a tracking ticket landed: back through the customer's confirmation."""
    if request.outcome is not ResolutionOutcome.RESOLVED:
        raise InvalidField("outcome", "a tracking ticket is resolved when its planned fix lands: report resolved")
    now = clock.now()

    def change(r: ComplaintRecord) -> None:
        r.status = Status.RESOLVED
        r.resolution = Resolution(outcome=request.outcome, root_cause=request.root_cause, actions=request.actions,
                                  by=operator.agent_id, at=clock.iso(now), evidence=request.evidence or None)
        if r.tracking is not None:
            r.tracking = r.tracking.model_copy(update={"landed_at": clock.iso(now)})
        r.unreachable_attempts, r.first_unreachable_at = 0, None

    event = TimelineEvent(at=now, type=EventType.FIX_LANDED, actor=operator.agent_id,
                          detail={"root_cause": request.root_cause})
    record = claim(desk, record, Stage.TRACKING, event, {"landed": True}, change,
                   reports.counts(desk, fix_landed=1))
    return answer(record, "the planned fix landed; awaiting the customer's confirmation")



def follow_up(desk: Desk, complaint_id: str, operator: Operator, request: FollowUpRequest) -> ActionAnswer:
    """Progress on a tracking ticket: the next follow-up falls due an interval later; a new date is told."""
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    require_owner_or_lead(record, operator)
    if record.stage is not Stage.TRACKING:
        raise NotAwaiting(f"complaint {complaint_id} is not a tracking ticket awaiting its fix")
    now = clock.now()
    assert record.tracking is not None, "a deferred resolution opened the ticket"
    tracking = record.tracking.model_copy()
    tracking.follow_ups += 1
    tracking.last_follow_up_at = clock.iso(now)
    moved = request.expected_by is not None and request.expected_by != tracking.expected_by
    if moved:
        assert request.expected_by is not None
        check_expected(desk, request.expected_by)
        tracking.expected_by = request.expected_by
        promises.renegotiate(record, PromiseKind.SOLUTION, end_of_day(desk, request.expected_by), request.note)
    record.tracking = tracking
    record.set_timer(Stage.TRACKING, desk.policy.calendar.add(now, desk.policy.tracking.follow_up_interval))
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.FOLLOW_UP, actor=operator.agent_id,
                                                         detail={"note": request.note,
                                                           "expected_by": str(tracking.expected_by)})])
    if moved:
        promises.start(desk, record, PromiseKind.SOLUTION)
        desk.notices.tell_customer(record, "tracking", plan=tracking.plan, date=str(tracking.expected_by))
    return answer(record, f"follow-up {tracking.follow_ups} recorded")


def park_tracking(desk: Desk, record: ComplaintRecord) -> bool:
    """On entering tracking: the solution promise moves to the planned date once. True if the customer is told."""
    tracking = record.tracking
    assert tracking is not None, "a deferred resolution opened the ticket"
    if tracking.told:
        return False
    promises.renegotiate(record, PromiseKind.SOLUTION, end_of_day(desk, tracking.expected_by),
                         "deferred to a planned fix")
    record.tracking = tracking.model_copy(update={"told": True})
    return True


def tracking_due(desk: Desk, record: ComplaintRecord) -> None:
    """The sweep found a tracking ticket's follow-up due: remind the owner, and the supervisor once it is late."""
    assert record.tracking is not None, "a deferred resolution opened the ticket"
    now = clock.now()
    expected = record.tracking.expected_by
    late = now.astimezone(desk.policy.calendar.zone).date() > expected
    record.set_timer(Stage.TRACKING, desk.policy.calendar.add(now, desk.policy.tracking.follow_up_interval),
                     record.timer_level + 1)
    desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.FOLLOW_UP_DUE, actor="system",
                                                detail={"expected_by": str(expected), "late": late})])
    people = [record.owner_id, record.tracking.owner]
    if late and record.department:
        people.append(desk.policy.department(record.department).supervisor)
    for person in dict.fromkeys(p for p in people if p):
        desk.notices.tell_staff(person, record, "follow_up_due", date=str(expected), late="yes" if late else "no")


