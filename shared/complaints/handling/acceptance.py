"""What people do to a complaint before the work starts: accepting it, and assigning it by hand.

Reading complaints is in `reading`; resolution reports and quality checks in
`resolution`, deferred fixes in `tracking`, confirmation in `confirmation`,
surveys, recovery and appeals in `survey`.

A decision the workflow waits for is taken in two moves: a conditional write
that claims the waiting task (so of two people acting at once one wins and
the other gets a clear conflict), then SendTaskSuccess with the decision.
"""

from __future__ import annotations

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_lead
from complaints.core.enums import EventType, Stage, Status
from complaints.core.errors import Conflict, Forbidden, NotAwaiting
from complaints.core.record import ComplaintRecord
from complaints.core.requests import AssignRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling.decisions import claim
from complaints.promises import keeping as promises
from complaints.promises import terms as sla


def answer(record: ComplaintRecord, message: str) -> ActionAnswer:
    return ActionAnswer(complaint_id=record.complaint_id, status=record.status, message=message)


def accept(desk: Desk, complaint_id: str, operator: Operator) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    if record.owner_id is None:
        raise NotAwaiting(f"complaint {complaint_id} waits for an owner: nobody can accept it until it is assigned")
    if not operator.owns(record):
        raise Forbidden(f"complaint {complaint_id} is offered to its owner {record.owner_id}, "
                        f"not to {operator.agent_id}", record.department)

    made: list[str] = []

    def change(r: ComplaintRecord) -> None:
        r.status = Status.IN_PROGRESS
        r.promises = sla.keep_by(desk.policy, r.promises, EventType.ACCEPTED, clock.now())
        made[:] = promises.make_after(desk, r, EventType.ACCEPTED)  # the order reached its owner

    event = TimelineEvent(at=clock.now(), type=EventType.ACCEPTED, actor=operator.agent_id)
    record = claim(desk, record, Stage.ACCEPTANCE, event, {"accepted_by": operator.agent_id}, change,
                   status_event="assigned")
    for kind in made:
        promises.start(desk, record, kind)
    # The customer learns who handles it and whom to call; anew when the owner changed.
    desk.notices.tell_customer(record, "handler_changed" if record.previous_owners else "handler",
                               **desk.notices.handler(record))
    return answer(record, "accepted")


def assign_by_hand(desk: Desk, complaint_id: str, operator: Operator, request: AssignRequest) -> ActionAnswer:
    """A supervisor names the owner: of a complaint nobody could take, or instead of the one offered it."""
    record = desk.complaints.get(complaint_id)
    require_lead(record, operator, f"may assign complaint {complaint_id}")
    agent = desk.policy.agent(request.agent_id)
    if agent is None or record.department not in agent.departments:
        raise Conflict(f"agent_id {request.agent_id!r} is not an agent of {record.department}")
    event = TimelineEvent(at=clock.now(), type=EventType.ASSIGNED, actor=operator.agent_id,
                          detail={"owner": agent.id, "department": record.department, "by_hand": True})
    previous = record.owner_id
    if record.stage is Stage.ACCEPTANCE:
        # Re-offer the waiting acceptance to another agent; the workflow keeps waiting.
        record.owner_id, record.needs_supervisor = agent.id, False
        record.previous_owners = [*record.previous_owners, previous] if previous else record.previous_owners
        record = desk.complaints.save(record, [event])
        if previous:
            desk.loads.adjust(previous, -1)
        desk.notices.tell_staff(agent.id, record, "assigned", due=desk.local_time(record.timer_due or clock.now()),
                                category=record.classification.category if record.classification else "other",
                                priority=record.priority.value)
    else:
        def change(r: ComplaintRecord) -> None:
            r.owner_id, r.needs_supervisor = agent.id, False

        record = claim(desk, record, Stage.ASSIGNMENT, event, {"owner_id": agent.id}, change)
    desk.loads.adjust(agent.id, +1)
    return answer(record, f"assigned to {agent.id}")
