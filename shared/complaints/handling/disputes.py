"""Disputes: harm claimed and redress demanded, a track of its own beside the complaint.

A profile that names disputes (a hospital's medical disputes, 医疗纠纷) has one
opened when the complaint's text names both a harm and a claim, or when an
agent opens one. The dispute's department owns the complaint from then on;
the steps the profile names are recorded as they happen (the evidence sealed,
mediation or an appraisal asked for), those it requires before settling must
be there, and a settlement records the way it was reached and the
compensation paid. The compensation is the complaint's redress
(handling/redress.py), under the same approval limits: above the settler's
limit it waits for a lead whose limit covers it, the customer is told once it
stands, and a refusal withdraws the settlement. The promises a settlement keeps
(settled within so many working days) are kept when it stands: at once without
a compensation or within the settler's limit, at the approval otherwise. Until
then they stay pending and their timers keep running, so a refusal leaves them
to a new settlement in time, or to the sweep that marks them missed; each is
counted once, when it ends. The complaint cannot be
reported resolved while its dispute is unsettled or its compensation waits,
and the reports count disputes, settlements and compensation apart.

Nothing of a dispute goes into the workflow's input or output, nor into the
logs: its notes and references stay on the complaint's own timeline, and what
the customer is told of the compensation names the settlement's way and
agreement, never its note.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.enums import EventType, PromiseState, RedressKind
from complaints.core.errors import BadRequest, Conflict, InvalidField
from complaints.core.outcomes import Dispute, DisputeStep, Settlement
from complaints.core.policy import Policy
from complaints.core.policy_vocabulary import Disputes
from complaints.core.record import ComplaintRecord
from complaints.core.requests import DisputeRequest, DisputeStepRequest, SettlementRequest, TransferRequest
from complaints.core.values import Promise, TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling import redress
from complaints.promises import keeping as promises
from complaints.promises import terms as sla
from complaints.triage import assignment


def _mentions(words: list[str], text: str) -> list[str]:
    """The words the text contains: Chinese as written, English on word boundaries."""
    lowered = text.lower()
    return [word for word in words
            if (re.search(rf"\b{re.escape(word.lower())}\b", lowered) if word.isascii() else word in text)]


def claimed_in(policy: Policy, text: str) -> bool:
    """Whether the text names a harm done and a claim made: a dispute, by the profile's words."""
    rule = policy.disputes
    return rule is not None and bool(_mentions(rule.harm_words, text)) and bool(_mentions(rule.claim_words, text))


def open_on(desk: Desk, record: ComplaintRecord, by: str, now: datetime) -> tuple[TimelineEvent, list[str]]:
    """Make the record a dispute owned by the profile's department; its event and the promises it made (whose
    timers `promises.start` once the record is saved)."""
    rule = _rule(desk.policy)
    record.dispute = Dispute(opened_at=clock.iso(now), opened_by=by)
    record.department = rule.department
    made = promises.make_after(desk, record, EventType.DISPUTE_OPENED)
    return TimelineEvent(at=now, type=EventType.DISPUTE_OPENED, actor=by,
                         detail={"department": rule.department}), made


def open_by_agent(desk: Desk, complaint_id: str, operator: Operator, request: DisputeRequest) -> ActionAnswer:
    """An agent opens a dispute the text did not show; the complaint moves to the dispute's department."""
    rule = _rule(desk.policy)
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    check_opener(record, operator)
    department_before = record.department
    now = clock.now()
    event, made = open_on(desk, record, operator.agent_id, now)
    event.detail["reason"] = request.reason
    record.department = department_before  # the transfer below moves it, through the workflow
    saved = desk.complaints.save(record, [event])
    for kind in made:
        promises.start(desk, saved, kind)
    if department_before != rule.department:
        return assignment.transfer(desk, complaint_id, operator, TransferRequest(
            reason="dispute opened: owned by the dispute department", department=rule.department))
    return _answer(saved, "dispute opened")


def record_step(desk: Desk, complaint_id: str, operator: Operator, request: DisputeStepRequest) -> ActionAnswer:
    rule = _rule(desk.policy)
    if request.step not in rule.steps:
        raise InvalidField("step", f"must be one of {', '.join(rule.steps)}")
    record = _open_dispute(desk, complaint_id, operator)
    assert record.dispute is not None
    now = clock.now()
    record.dispute.steps.append(DisputeStep(step=request.step, at=clock.iso(now), by=operator.agent_id,
                                            reference=request.reference))
    record.promises = _keep_by_step(desk.policy, record.promises, request.step, now)
    saved = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.DISPUTE_STEP, actor=operator.agent_id,
        detail={"step": request.step, "reference": request.reference, "note": request.note})])
    return _answer(saved, f"dispute step {request.step} recorded")


def settle(desk: Desk, complaint_id: str, operator: Operator, request: SettlementRequest) -> ActionAnswer:
    """The way agreed and the agreement; a compensation is recorded as the complaint's redress, which stands at
    once within the settler's limit and otherwise waits for a lead's approval (and the settlement with it)."""
    rule = _rule(desk.policy)
    if request.way not in rule.ways:
        raise InvalidField("way", f"must be one of {', '.join(rule.ways)}")
    record = _open_dispute(desk, complaint_id, operator)
    assert record.dispute is not None
    missing = [step for step in rule.required_before_settling if not record.dispute.has(step)]
    if missing:
        raise Conflict(f"the dispute cannot be settled before {', '.join(missing)} is recorded")
    now = clock.now()
    compensation = redress.add(desk, record, operator, RedressKind.COMPENSATION, Decimal(request.compensation),
                               _told(desk.policy, record.language, request), now) if request.compensation else None
    record.dispute.settlement = Settlement(
        way=request.way, compensation=request.compensation, currency=desk.policy.redress.currency,
        agreement_reference=request.agreement_reference, at=clock.iso(now), by=operator.agent_id,
        redress_id=compensation.redress_id if compensation else None)
    if record.settlement_stands:  # a compensation that waits keeps them once approved (redress.decide)
        record.promises = sla.keep_by(desk.policy, record.promises, EventType.DISPUTE_SETTLED, now)
    saved = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.DISPUTE_SETTLED, actor=operator.agent_id,
        detail={"way": request.way, "compensation": request.compensation, "currency": desk.policy.redress.currency,
                "agreement_reference": request.agreement_reference, "note": request.note,
                "redress_id": compensation.redress_id if compensation else None}),
        *([redress.recorded(compensation, now)] if compensation else [])])
    message = f"dispute settled by {request.way}"
    return _answer(saved, f"{message}; {redress.announce(desk, saved, compensation, operator)}" if compensation
                   else message)


def _told(policy: Policy, language: str, request: SettlementRequest) -> str:
    """What the customer reads of why they are paid: the settlement, its way and its agreement, in the desk's
    words (never the settlement's note, which may hold clinical detail)."""
    return (f"{policy.label('event', EventType.DISPUTE_SETTLED.value, language)}: "
            f"{policy.label('dispute_way', request.way, language)}, {request.agreement_reference}")


def check_settled(record: ComplaintRecord) -> None:
    """A complaint that is a dispute is reported resolved only once the dispute is settled."""
    if record.dispute is not None and record.dispute.settlement is None:
        raise Conflict(f"complaint {record.complaint_id} is a dispute: settle it before reporting it resolved")


def _rule(policy: Policy) -> Disputes:
    if policy.disputes is None:
        raise BadRequest("this desk's profile names no disputes")
    return policy.disputes


def check_opener(record: ComplaintRecord, operator: Operator) -> None:
    """The owner or a lead opens a dispute on an open complaint that is not one yet."""
    complaint_id = record.complaint_id
    require_owner_or_lead(record, operator, f"open a dispute on complaint {complaint_id}")
    if not record.is_open:
        raise Conflict(f"complaint {complaint_id} is closed; a dispute is opened on an open complaint")
    if record.dispute is not None:
        raise Conflict(f"complaint {complaint_id} is already a dispute")


def check_handler(record: ComplaintRecord, operator: Operator) -> None:
    """The owner or a lead of the dispute's department records its steps and settles it, until it is settled."""
    complaint_id = record.complaint_id
    require_owner_or_lead(record, operator, f"act on the dispute of complaint {complaint_id}")
    if record.dispute is None:
        raise Conflict(f"complaint {complaint_id} is not a dispute")
    if record.dispute.settlement is not None:
        raise Conflict(f"the dispute of complaint {complaint_id} is already settled")


def _open_dispute(desk: Desk, complaint_id: str, operator: Operator) -> ComplaintRecord:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    check_handler(record, operator)
    return record


def _keep_by_step(policy: Policy, held: list[Promise], step: str, at: datetime) -> list[Promise]:
    for kind, rule in policy.promise_kinds.items():
        if step in rule.kept_by_steps and any(p.kind == kind and p.state is PromiseState.PENDING for p in held):
            held = sla.keep(held, kind, at)
    return held


def _answer(record: ComplaintRecord, message: str) -> ActionAnswer:
    return ActionAnswer(complaint_id=record.complaint_id, status=record.status, message=message)
