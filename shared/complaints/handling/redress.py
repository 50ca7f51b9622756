"""Redress (补救): compensation, refunds, fee adjustments, apologies and written explanations.

The owner or a lead records it on the complaint. An amount within the
recorder's limit (the policy's, by role) stands at once; a larger one waits
for the approval of a lead whose limit covers it, and until then the
complaint cannot be reported resolved. What stands is told to the customer,
shown on the timeline and counted in the reports. A dispute's settlement
records its compensation here too (handling/disputes.py), under the same
limits: approved, the settlement stands and keeps its deadline; refused, that
settlement is withdrawn and its deadline stays pending.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.enums import ApologyForm, EventType, RedressKind, RedressState
from complaints.core.errors import Conflict, Forbidden, InvalidField
from complaints.core.observability import count, logger
from complaints.core.record import ComplaintRecord
from complaints.core.redress import RedressDecisionRequest, RedressRecord, RedressRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.promises import terms as sla


def _detail(item: RedressRecord) -> dict[str, str | int | float | bool | None]:
    return {"redress_id": item.redress_id, "kind": item.kind.value, "state": item.state.value,
            "amount": None if item.amount is None else str(item.amount), "currency": item.currency,
            "form": item.form.value if item.form else None}


def tell(desk: Desk, record: ComplaintRecord, item: RedressRecord) -> None:
    """The customer hears of redress that stands, in the template of its kind."""
    params: dict[str, object] = {"reason": item.reason}
    if item.kind.money:
        params.update(amount=str(item.amount), currency=str(item.currency))
    if item.kind is RedressKind.APOLOGY:
        params["form"] = str(item.form)
    desk.notices.tell_customer(record, f"redress_{item.kind.value}", **params)


def record_redress(desk: Desk, complaint_id: str, operator: Operator, request: RedressRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    check_recorder(record, operator)
    rules = desk.policy.redress
    if request.currency is not None and request.currency != rules.currency:
        raise InvalidField("currency", f"the desk pays in {rules.currency}")
    now = clock.now()
    item = add(desk, record, operator, request.kind, request.amount, request.reason, now, form=request.form)
    record = desk.complaints.save(record, [recorded(item, now)])
    return ActionAnswer(complaint_id=complaint_id, status=record.status, message=announce(desk, record, item,
                                                                                          operator))


def add(desk: Desk, record: ComplaintRecord, operator: Operator, kind: RedressKind, amount: Decimal | None,
        reason: str, now: datetime, form: ApologyForm | None = None) -> RedressRecord:
    """New redress on the record (not yet saved): money within the recorder's limit approved by them, above it
    waiting for approval; an apology or an explanation given."""
    rules = desk.policy.redress
    waits = kind.money and amount is not None and not rules.covers(operator.role, amount)
    state = (RedressState.PENDING_APPROVAL if waits else RedressState.APPROVED if kind.money
             else RedressState.GIVEN)
    item = RedressRecord(redress_id=f"R{len(record.redress) + 1}", kind=kind, amount=amount,
                         currency=rules.currency if kind.money else None, form=form,
                         reason=reason, by=operator.agent_id, at=clock.iso(now), state=state,
                         decided_by=None if waits or not kind.money else operator.agent_id,
                         decided_at=None if waits or not kind.money else clock.iso(now))
    record.redress = [*record.redress, item]
    return item


def recorded(item: RedressRecord, now: datetime) -> TimelineEvent:
    """The timeline's event of redress recorded (its kind, amount and state; never its reason)."""
    return TimelineEvent(at=now, type=EventType.REDRESS_RECORDED, actor=item.by, detail=_detail(item))


def announce(desk: Desk, record: ComplaintRecord, item: RedressRecord, operator: Operator) -> str:
    """Once saved: the department's manager is asked to approve what waits, the customer told of what stands;
    what the recorder is answered."""
    count("Redress", kind=item.kind.value, state=item.state.value)
    if item.state is RedressState.PENDING_APPROVAL:
        department = desk.policy.department(str(record.department))
        desk.notices.tell_staff(department.manager, record, "redress_approval", redress_id=item.redress_id,
                                kind=item.kind.value, amount=str(item.amount), currency=str(item.currency),
                                by=operator.agent_id)
        limit = desk.policy.redress.limit(operator.role)
        return (f"{item.redress_id} recorded; above the {operator.role.value}'s limit of {limit} {item.currency}, "
                f"it waits for {department.manager}'s approval")
    tell(desk, record, item)
    return f"{item.redress_id} recorded and told to the customer"


def check_recorder(record: ComplaintRecord, operator: Operator) -> None:
    """The owner or a lead of the complaint's department records redress (refuses anyone else)."""
    require_owner_or_lead(record, operator, "record redress")


def check_decider(desk: Desk, record: ComplaintRecord, item: RedressRecord, operator: Operator) -> None:
    """Redress that waits is decided by a lead of the department (or a manager) whose limit covers the amount,
    never by the one who recorded it (refuses anyone else, and redress that does not wait)."""
    if item.state is not RedressState.PENDING_APPROVAL:
        raise Conflict(f"redress {item.redress_id} is {item.state.value}, not awaiting approval")
    assert item.amount is not None
    if not operator.oversees(record.department) or not desk.policy.redress.covers(operator.role, item.amount):
        raise Forbidden(f"only a lead of {record.department} whose limit covers {item.amount} {item.currency} "
                        f"may decide redress {item.redress_id}", record.department)
    if operator.agent_id == item.by:
        raise Forbidden("redress is not approved by the person who recorded it")


def decide(desk: Desk, complaint_id: str, redress_id: str, operator: Operator,
           request: RedressDecisionRequest) -> ActionAnswer:
    """A lead whose limit covers the amount approves (the customer is told) or refuses redress that waits."""
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    item = next((r for r in record.redress if r.redress_id == redress_id), None)
    if item is None:
        raise InvalidField("redress_id", f"complaint {complaint_id} has no redress {redress_id!r}")
    check_decider(desk, record, item, operator)
    now = clock.now()
    decided = item.model_copy(update={
        "state": RedressState.APPROVED if request.approved else RedressState.REFUSED,
        "decided_by": operator.agent_id, "decided_at": clock.iso(now), "decision_note": request.note})
    record.redress = [decided if r.redress_id == redress_id else r for r in record.redress]
    # A dispute's settlement stands with its compensation. Approved, it keeps the promises a settlement keeps,
    # as of now: kept if it stands by their due time, missed after it (as the sweep marks a promise still
    # pending at its due time, so the two never disagree and none is counted twice). Refused, the settlement is
    # withdrawn and those promises stay pending, their timers running, for a new settlement in time.
    compensation = record.settlement_compensation
    if request.approved and compensation is not None and compensation.redress_id == redress_id:
        record.promises = sla.keep_by(desk.policy, record.promises, EventType.DISPUTE_SETTLED, now)
    withdrawn = not request.approved and record.dispute is not None and record.dispute.compensation_refused(
        redress_id)
    detail = {**_detail(decided), "note": request.note, **({"settlement": "withdrawn"} if withdrawn else {})}
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.REDRESS_DECIDED,
                                                         actor=operator.agent_id, detail=detail)])
    logger.info("redress decided", extra={"complaint_id": complaint_id, "redress_id": redress_id,
                                          "state": decided.state.value})
    desk.notices.tell_staff(item.by, record, "redress_decided", redress_id=redress_id, state=decided.state.value,
                            by=operator.agent_id)
    if request.approved:
        tell(desk, record, decided)
        return ActionAnswer(complaint_id=complaint_id, status=record.status,
                            message=f"{redress_id} approved and told to the customer")
    return ActionAnswer(complaint_id=complaint_id, status=record.status,
                        message=f"{redress_id} refused" + ("; the dispute's settlement is withdrawn" if withdrawn
                                                           else ""))
