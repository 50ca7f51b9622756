"""What people do to a complaint: accepting, assigning by hand, and reading it.

Resolution reports, quality checks and confirmation are in `verification`;
surveys, recovery and appeals in `satisfaction`.

A decision the workflow waits for is taken in two moves: a conditional write
that claims the waiting task (so of two people acting at once one wins and
the other gets a clear conflict), then SendTaskSuccess with the decision.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from complaints.adapters.signing_keys import mask_phone
from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import Stage, Status
from complaints.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
)
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.requests import AssignRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer, ComplaintList, ComplaintSummary, ComplaintView
from complaints.desk.context import Desk
from complaints.handling.decisions import claim
from complaints.promises import terms as sla


def authorize(operator: Operator, record: ComplaintRecord) -> None:
    """An agent sees complaints of their departments and those they own; anything else is refused and logged."""
    if operator.agent_id == record.owner_id or record.department in operator.departments:
        return
    if operator.role in ("manager", "admin") or (record.department is None and operator.role == "supervisor"):
        return  # managers see every department; supervisors see complaints not yet routed
    logger.warning("access refused", extra={"agent_id": operator.agent_id, "complaint_id": record.complaint_id,
                                            "department": record.department})
    raise Forbidden(f"complaint {record.complaint_id} belongs to {record.department}")


def require_owner_or_lead(record: ComplaintRecord, operator: Operator) -> None:
    if operator.agent_id == record.owner_id:
        return
    if operator.role in ("supervisor", "manager", "admin") and record.department in operator.departments:
        return
    raise Forbidden(f"only the owner or a supervisor of {record.department} may do this")


def answer(record: ComplaintRecord, message: str) -> ActionAnswer:
    return ActionAnswer(complaint_id=record.complaint_id, status=record.status, message=message)


def accept(desk: Desk, complaint_id: str, operator: Operator) -> ActionAnswer:
    record = desk.repo.get(complaint_id)
    authorize(operator, record)
    if operator.agent_id != record.owner_id:
        raise Forbidden(f"complaint {complaint_id} is offered to its owner, not to {operator.agent_id}")

    def change(r: ComplaintRecord) -> None:
        r.status = Status.IN_PROGRESS
        r.promises = sla.keep(r.promises, "first_contact", clock.now())  # the owner calls on accepting

    event = TimelineEvent(at=clock.now(), type="accepted", actor=operator.agent_id)
    record = claim(desk, record, Stage.ACCEPTANCE, event, {"accepted_by": operator.agent_id}, change)
    return answer(record, "accepted")


def assign_by_hand(desk: Desk, complaint_id: str, operator: Operator, request: AssignRequest) -> ActionAnswer:
    """A supervisor names the owner: of a complaint nobody could take, or instead of the one offered it."""
    record = desk.repo.get(complaint_id)
    if operator.role not in ("supervisor", "manager", "admin") or record.department not in operator.departments:
        raise Forbidden(f"only a supervisor of {record.department} may assign complaint {complaint_id}")
    agent = desk.policy.agent(request.agent_id)
    if agent is None or record.department not in agent.departments:
        raise Conflict(f"agent_id {request.agent_id!r} is not an agent of {record.department}")
    event = TimelineEvent(at=clock.now(), type="assigned", actor=operator.agent_id,
                          detail={"owner": agent.id, "department": record.department, "by_hand": True})
    previous = record.owner_id
    if record.stage is Stage.ACCEPTANCE:
        # Re-offer the waiting acceptance to another agent; the workflow keeps waiting.
        record.owner_id, record.needs_supervisor = agent.id, False
        record.previous_owners = [*record.previous_owners, previous] if previous else record.previous_owners
        record = desk.repo.save(record, [event])
        if previous:
            desk.repo.adjust_load(previous, -1)
        desk.notices.tell_staff(agent.id, record, "assigned", due=desk.local_time(record.timer_due or clock.now()),
                        category=record.classification.category if record.classification else "other",
                        priority=record.priority.value)
    else:
        def change(r: ComplaintRecord) -> None:
            r.owner_id, r.needs_supervisor = agent.id, False

        record = claim(desk, record, Stage.ASSIGNMENT, event, {"owner_id": agent.id}, change)
    desk.repo.adjust_load(agent.id, +1)
    return answer(record, f"assigned to {agent.id}")


# ------------------------------------------------------------------ views
def _summary(record: ComplaintRecord) -> dict[str, Any]:
    return {
        "complaint_id": record.complaint_id, "status": record.status, "awaiting": record.stage,
        "channel": record.channel, "sensitive": record.sensitive,
        "category": record.classification.category if record.classification else None,
        "priority": record.classification.priority if record.classification else None,
        "department": record.department, "owner_id": record.owner_id,
        "received_at": record.received_at, "next_due_at": sla.next_due(record.promises),
    }


def view(desk: Desk, complaint_id: str, operator: Operator) -> ComplaintView:
    record = desk.repo.get(complaint_id)
    authorize(operator, record)
    return ComplaintView(
        **_summary(record),
        customer_name=record.customer.name,
        customer_phone_masked=mask_phone(record.customer.phone),
        vip=record.customer.vip,
        service=record.service,
        text=record.text,
        area=record.location.area if record.location else None,
        classification=record.classification,
        promises=record.promises,
        resolution=record.resolution,
        quality_check=record.quality_check,
        tracking={k: v for k, v in (record.tracking or {}).items() if k != "told"} or None,
        reopen_count=record.reopen_count,
        callback_attempts=record.callback_attempts,
        unreachable_attempts=record.unreachable_attempts,
        appeal=record.appeal,
        survey={k: v for k, v in (record.survey or {}).items() if k != "comment"} or None,
        failure=record.failure,
        repeat_of=record.repeat_of,
        incident_id=record.incident_id,
        transfer_count=record.transfer_count,
        passing_around=record.passing_around,
        previous_owners=record.previous_owners,
        timeline=desk.repo.timeline(complaint_id),
    )


def list_complaints(desk: Desk, operator: Operator, *, queue: str | None, owner: str | None,
                    status: Status | None, limit: int, next_token: str | None) -> ComplaintList:
    if queue and owner:
        raise BadRequest("filter by queue or by owner, not both")
    lead = operator.role in ("supervisor", "manager", "admin")
    if queue:
        if queue not in operator.departments:
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "queue": queue})
            raise Forbidden(f"queue {queue} is not one of your departments")
        index, partition = "queue", f"Q#{queue}"
    else:
        if owner and owner != operator.agent_id and not lead:
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "owner": owner})
            raise Forbidden("only supervisors list other agents' work")
        index, partition = "owner", f"O#{owner or operator.agent_id}"
    try:
        start = json.loads(base64.urlsafe_b64decode(next_token)) if next_token else None
    except ValueError as exc:
        raise BadRequest("next_token is not a token this API returned") from exc
    open_only = status is None or status not in (Status.CLOSED, Status.FAILED)
    records, last = desk.repo.list_by(index, partition, open_only=open_only, limit=limit, start=start)
    items = [ComplaintSummary(**_summary(r)) for r in records if status is None or r.status is status]
    token = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
    return ComplaintList(items=items, next_token=token)
