"""Moving a promise later: the old one stays as renegotiated, and the customer is told.

A promise facing the customer may be moved by its owner up to the ceilings
that are pending (no promise passes a ceiling). A ceiling itself moves only as
the policy's extension rules say: with an explanation sent to the customer and
a report to the supervising authority, recorded with its reference as an
action on the complaint and pushed to the portal that sent it. Reports count
the old ceiling as renegotiated, never as missed.
"""

from __future__ import annotations

from complaints.core import clock
from complaints.core.access import Operator, require_owner_or_lead
from complaints.core.enums import EventType, PromiseState
from complaints.core.errors import BadRequest, Conflict, InvalidField
from complaints.core.policy_promises import PromiseKindRule
from complaints.core.record import ComplaintRecord
from complaints.core.requests import ExtendRequest
from complaints.core.values import Promise, TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.promises import keeping
from complaints.reporting import reports


def extend(desk: Desk, complaint_id: str, operator: Operator, kind: str, request: ExtendRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    require_owner_or_lead(record, operator, "move a promise")
    rule = desk.policy.kind(kind)
    current = next((p for p in record.promises if p.kind == kind and p.state is PromiseState.PENDING), None)
    if current is None or not (rule.customer_facing or rule.extension is not None):
        raise Conflict(f"complaint {complaint_id} has no pending promise {kind!r} the desk may move")
    if request.due_at.tzinfo is None or request.due_at <= current.due_at:
        raise BadRequest("due_at: must be later than the current promise, with a time zone offset")
    if rule.ceiling:
        _check_extension(rule, request)
    else:
        ceiling = _lowest_ceiling(desk, record)
        if ceiling is not None and request.due_at > ceiling.due_at:
            raise BadRequest(f"due_at: beyond the {ceiling.kind} ceiling ({desk.local_time(ceiling.due_at)}); "
                             f"extend the ceiling first")
    fresh = keeping.renegotiate(record, kind, request.due_at, request.reason)
    assert fresh is not None
    now = clock.now()
    events = [TimelineEvent(at=now, type=EventType.PROMISE_EXTENDED, actor=operator.agent_id,
                            detail={"promise": kind, "from": clock.iso(current.due_at),
                                    "to": clock.iso(request.due_at), "reason": request.reason})]
    reported = rule.ceiling and request.authority_reference is not None
    if reported:
        events.append(TimelineEvent(at=now, type=EventType.AUTHORITY_REPORTED, actor=operator.agent_id,
                                    detail={"promise": kind, "authority": request.authority,
                                            "reference": request.authority_reference}))
    if rule.ceiling:
        desk.pushes.announce(record, "extended", promise=kind, due_at=clock.iso(request.due_at),
                             authority_reference=request.authority_reference)
    record = desk.complaints.save(record, events, reports.counts(desk, authority_reports=int(reported)))
    desk.promise_timers.schedule(complaint_id, kind, keeping.plan(desk, fresh, record.received_at)[0][0])
    told = request.explanation if rule.ceiling and request.explanation else request.reason
    desk.notices.tell_customer(record, "promise_extended", due=desk.local_time(request.due_at), reason=told)
    return ActionAnswer(complaint_id=complaint_id, status=record.status, message=f"{kind} moved")


def _check_extension(rule: PromiseKindRule, request: ExtendRequest) -> None:
    if rule.extension is None:
        raise Conflict("this ceiling cannot be extended")
    if rule.extension.explanation and request.explanation is None:
        raise InvalidField("explanation", "extending a ceiling needs the explanation sent to the customer")
    if rule.extension.authority_report and (request.authority_reference is None or request.authority is None):
        raise InvalidField("authority_reference",
                           "extending a ceiling needs the report to the supervising authority: authority and "
                           "authority_reference")


def _lowest_ceiling(desk: Desk, record: ComplaintRecord) -> Promise | None:
    ceilings = [p for p in record.promises if p.state is PromiseState.PENDING and desk.policy.kind(p.kind).ceiling]
    return min(ceilings, key=lambda p: p.due_at, default=None)
