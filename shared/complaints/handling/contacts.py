"""The owner's contacts with the customer: staged replies (阶段回复) and field visits.

A staged reply records how the customer was reached (a kind of contact from
the policy), what was said, and optionally the next promised time. It keeps
the promises the policy says a reply keeps (the first reply, an authority's
reply, the same-day clearing, the previous staged reply) and a new promised
time becomes a promise of its own, which the customer gets in writing. The
summary stays on the complaint's timeline: no reply goes through the workflow.

A field visit is booked for an agreed window, which keeps the promise of
booking it; the arrival within the window keeps the promise of arriving. A
window in the customer's quiet hours is refused unless the customer asked for
that time, which is recorded. The customer is told the window and reminded
before it, outside quiet hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.enums import EventType, Priority
from complaints.core.errors import Conflict, InvalidField, NotAwaiting
from complaints.core.outcomes import Appointment
from complaints.core.record import ComplaintRecord
from complaints.core.requests import AppointmentRequest, ArrivalRequest, ReplyRequest
from complaints.core.values import Promise, TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling.acceptance import answer
from complaints.promises import keeping
from complaints.promises import terms as sla
from complaints.reporting import reports

_QUIET_PROBE = timedelta(minutes=15)


def _open_for_contact(desk: Desk, complaint_id: str, operator: Operator) -> ComplaintRecord:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    require_owner_or_lead(record, operator)
    if not record.is_open:
        raise NotAwaiting(f"complaint {complaint_id} is {record.status.value}")
    return record


def _latest(desk: Desk, start: datetime, limit: str, field: str, at: datetime) -> None:
    furthest = desk.policy.calendar.add(start, limit)
    if at > furthest:
        raise InvalidField(field, f"must be no later than {desk.local_time(furthest)}")


def reply(desk: Desk, complaint_id: str, operator: Operator, request: ReplyRequest) -> ActionAnswer:
    rules = desk.policy.replies
    if rules is None:
        raise Conflict("this desk's policy records no staged replies")
    if request.kind not in rules.kinds:
        raise InvalidField("kind", f"{request.kind!r} is not a kind of contact; one of: {', '.join(rules.kinds)}")
    record = _open_for_contact(desk, complaint_id, operator)
    now = clock.now()
    if desk.policy.quiet.is_quiet(now) and record.priority is not Priority.URGENT:
        raise Conflict("customers are not contacted in quiet hours unless the complaint is urgent")
    if request.next_reply_at is not None:
        _latest(desk, now, rules.max_ahead, "next_reply_at", request.next_reply_at)
    record.promises = sla.keep_by(desk.policy, record.promises, EventType.REPLIED, now)
    if request.next_reply_at is not None:
        record.promises = [*record.promises, Promise(kind=rules.next_kind, due_at=request.next_reply_at, made_at=now)]
    detail: dict[str, str | int | float | bool | None] = {"kind": request.kind, "summary": request.summary}
    if request.next_reply_at is not None:
        detail["next_reply_at"] = clock.iso(request.next_reply_at)
    desk.pushes.announce(record, "replied", reply_kind=request.kind,
                         next_reply_at=clock.iso(request.next_reply_at) if request.next_reply_at else None)
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.REPLIED, actor=operator.agent_id,
                                                         detail=detail)],
                                  reports.counts(desk, keyed={f"reply:{request.kind}": 1}))
    if request.next_reply_at is not None:
        keeping.start(desk, record, rules.next_kind)
        desk.notices.tell_customer(record, "reply_promised", due=desk.local_time(request.next_reply_at),
                                   **desk.notices.handler(record))
    return answer(record, f"{request.kind} recorded" + (
        f"; next reply promised by {desk.local_time(request.next_reply_at)}" if request.next_reply_at else ""))


def _quiet_within(desk: Desk, start: datetime, end: datetime) -> bool:
    quiet = desk.policy.quiet
    probe = start
    while probe < end:
        if quiet.is_quiet(probe):
            return True
        probe += _QUIET_PROBE
    return quiet.is_quiet(end - timedelta(minutes=1))


def book(desk: Desk, complaint_id: str, operator: Operator, request: AppointmentRequest) -> ActionAnswer:
    rules = desk.policy.appointments
    if rules is None:
        raise Conflict("this desk's policy books no field visits")
    record = _open_for_contact(desk, complaint_id, operator)
    now = clock.now()
    if request.start < now:
        raise InvalidField("start", "must not be in the past")
    _latest(desk, now, rules.max_ahead, "start", request.start)
    _latest(desk, request.start, rules.max_window, "end", request.end)
    if _quiet_within(desk, request.start, request.end) and not request.customer_requested:
        raise InvalidField("start", "the window falls in the customer's quiet hours; book it there only when the "
                                    "customer asked for that time (customer_requested: true)")
    record.promises = sla.keep_by(desk.policy, record.promises, EventType.APPOINTMENT_BOOKED, now)
    moved = keeping.renegotiate(record, rules.arrival_kind, request.end, "visit rebooked")
    if moved is None:
        record.promises = [*record.promises, Promise(kind=rules.arrival_kind, due_at=request.end, made_at=now)]
    record.appointment = Appointment(start=clock.iso(request.start), end=clock.iso(request.end),
                                     customer_requested=request.customer_requested, booked_by=operator.agent_id,
                                     booked_at=clock.iso(now), note=request.note)
    record = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.APPOINTMENT_BOOKED, actor=operator.agent_id,
        detail={"start": clock.iso(request.start), "end": clock.iso(request.end),
                "customer_requested": request.customer_requested, "rebooked": moved is not None})])
    keeping.start(desk, record, rules.arrival_kind)
    window = {"start": desk.local_time(request.start), "end": desk.local_time(request.end)}
    handler = desk.notices.handler(record)
    desk.notices.tell_customer(record, "appointment", **window, **handler)
    remind_at = request.start - (desk.policy.calendar.add(request.start, rules.remind_before) - request.start)
    if desk.policy.quiet.next_allowed(remind_at) < request.start and remind_at > now:
        desk.notices.tell_customer_at(record, "visit_reminder", remind_at, **window, phone=handler["phone"])
    return answer(record, f"visit booked from {window['start']} to {window['end']}")


def arrive(desk: Desk, complaint_id: str, operator: Operator, request: ArrivalRequest) -> ActionAnswer:
    record = _open_for_contact(desk, complaint_id, operator)
    visit = record.appointment
    if visit is None or visit.arrived_at is not None:
        raise NotAwaiting(f"complaint {complaint_id} has no booked visit awaiting arrival")
    now = clock.now()
    within = now <= datetime.fromisoformat(visit.end)
    record.promises = sla.keep_by(desk.policy, record.promises, EventType.ARRIVED, now)
    record.appointment = visit.model_copy(update={"arrived_at": clock.iso(now)})
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.ARRIVED, actor=operator.agent_id,
                                                         detail={"within_window": within, "note": request.note})])
    return answer(record, "arrived within the window" if within else "arrived after the window")
