"""Redress (补救): compensation, refunds, fee adjustments, apologies and written explanations.

The owner or a lead records it on the complaint. An amount within the
recorder's limit (the policy's, by role) stands at once; a larger one waits
for the approval of a lead whose limit covers it, and until then the
complaint cannot be reported resolved. What stands is told to the customer,
shown on the timeline and counted in the reports.
"""

from __future__ import annotations

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.enums import EventType, RedressKind, RedressState
from complaints.core.errors import Conflict, Forbidden, InvalidField
from complaints.core.observability import count, logger
from complaints.core.record import ComplaintRecord
from complaints.core.redress import RedressDecisionRequest, RedressRecord, RedressRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk


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
    waits = request.kind.money and request.amount is not None and not rules.covers(operator.role, request.amount)
    state = (RedressState.PENDING_APPROVAL if waits else RedressState.APPROVED if request.kind.money
             else RedressState.GIVEN)
    item = RedressRecord(redress_id=f"R{len(record.redress) + 1}", kind=request.kind, amount=request.amount,
                         currency=rules.currency if request.kind.money else None, form=request.form,
                         reason=request.reason, by=operator.agent_id, at=clock.iso(now), state=state,
                         decided_by=None if waits or not request.kind.money else operator.agent_id,
                         decided_at=None if waits or not request.kind.money else clock.iso(now))
    record.redress = [*record.redress, item]
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.REDRESS_RECORDED,
                                                         actor=operator.agent_id, detail=_detail(item))])
    count("Redress", kind=item.kind.value, state=state.value)
    if waits:
        department = desk.policy.department(str(record.department))
        desk.notices.tell_staff(department.manager, record, "redress_approval", redress_id=item.redress_id,
                                kind=item.kind.value, amount=str(item.amount), currency=str(item.currency),
                                by=operator.agent_id)
        limit = rules.limit(operator.role)
        return ActionAnswer(complaint_id=complaint_id, status=record.status,
                            message=f"{item.redress_id} recorded; above the {operator.role.value}'s limit of {limit} "
                                    f"{rules.currency}, it waits for {department.manager}'s approval")
    tell(desk, record, item)
    return ActionAnswer(complaint_id=complaint_id, status=record.status,
                        message=f"{item.redress_id} recorded and told to the customer")


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
    record = desk.complaints.save(record, [TimelineEvent(at=now, type=EventType.REDRESS_DECIDED,
                                                         actor=operator.agent_id,
                                                         detail={**_detail(decided), "note": request.note})])
    logger.info("redress decided", extra={"complaint_id": complaint_id, "redress_id": redress_id,
                                          "state": decided.state.value})
    desk.notices.tell_staff(item.by, record, "redress_decided", redress_id=redress_id, state=decided.state.value,
                            by=operator.agent_id)
    if request.approved:
        tell(desk, record, decided)
        return ActionAnswer(complaint_id=complaint_id, status=record.status,
                            message=f"{redress_id} approved and told to the customer")
    return ActionAnswer(complaint_id=complaint_id, status=record.status, message=f"{redress_id} refused")
