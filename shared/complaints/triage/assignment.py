"""Assignment (派单): one accountable owner per complaint.

Inside the department the owner is an agent who has the skill for the
category, covers the area, speaks the customer's language, is on duty now and
under capacity; among those the one with the least open work, then the one
assigned longest ago (round robin among equals). Capacity is taken with a
conditional counter update, so concurrent assignments never overfill an agent.
An owner who does not accept in time loses the complaint to the next agent and
the miss is counted against them. Transfers need a reason. One hop out of a
department too many within the policy's window, a transfer back to a
department the complaint already left, or back to an agent who passed it on
(ping-pong, at its first return) goes to the supervisor instead and is flagged
as passing around (推诿).
"""

from __future__ import annotations

from complaints.core import clock
from complaints.core.access import Operator, require_owner_or_lead
from complaints.core.enums import EventType, Role, Stage, WorkflowError
from complaints.core.errors import BadRequest, NotAwaiting
from complaints.core.observability import logger
from complaints.core.policy_sections import Agent
from complaints.core.record import ComplaintRecord
from complaints.core.requests import TransferRequest
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.promises import keeping as promises
from complaints.reporting import reports
from complaints.reporting.counting import assess_key


def candidates(desk: Desk, record: ComplaintRecord) -> list[Agent]:
    """Agents who could own the complaint now, best first."""
    assert record.department is not None
    category = record.classification.category if record.classification else "other"
    area = record.location.area if record.location else None
    local = clock.now().astimezone(desk.policy.calendar.zone)
    fitting = [a for a in desk.policy.agents
               if record.department in a.departments and a.role is Role.AGENT
               and a.id not in record.previous_owners and a.on_duty(local)
               and a.can_take(category, area, record.language)]
    loads = desk.loads.of([a.id for a in fitting])
    order = {a.id: n for n, a in enumerate(desk.policy.agents)}
    open_now = [a for a in fitting if int(loads[a.id]["open_count"]) < a.capacity]
    return sorted(open_now, key=lambda a: (int(loads[a.id]["open_count"]), str(loads[a.id]["last_assigned_at"]),
                                           order[a.id]))


def pick_owner(desk: Desk, record: ComplaintRecord) -> Agent | None:
    for agent in candidates(desk, record):
        if desk.loads.take_capacity(agent.id, agent.capacity):
            return agent
    return None


def hand_over_unaccepted(desk: Desk, record: ComplaintRecord) -> None:
    """The owner did not accept in time: record the miss and let the workflow assign the next agent."""
    owner, token = record.owner_id, record.task_token
    if owner:
        record.previous_owners = [*record.previous_owners, owner]
    record.owner_id = None
    record.stage = record.task_token = None
    record.set_timer(None, None)
    missed = {assess_key(record, "acceptance_missed", agent=owner): 1} if owner and record.department else {}
    desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.ACCEPTANCE_MISSED, actor="system",
                                                detail={"owner": owner})], reports.counts(desk, missed))
    if owner:
        desk.loads.record_missed_acceptance(owner)
    if token:
        desk.workflow.fail(token, WorkflowError.ACCEPTANCE_TIMED_OUT, "the owner did not accept in time")


def _passing_around(desk: Desk, record: ComplaintRecord, current: str, target: str,
                    target_agent: Agent | None) -> str | None:
    """Why this transfer is passing around, if it is: ping-pong at its first return, or one hop too many."""
    if target != current and target in record.departments_left:
        return "bounced back"
    if target_agent is not None and target_agent.id in record.previous_owners and target_agent.id != record.owner_id:
        return "back to an agent who passed it on"
    if target == current:
        return None
    rule, now = desk.policy.transfers, clock.now()
    recent = [at for at in record.hops_at if desk.policy.calendar.add(at, rule.window) >= now]
    return "too many transfers" if len(recent) + 1 > rule.max else None


def transfer(desk: Desk, complaint_id: str, operator: Operator, request: TransferRequest) -> ActionAnswer:
    record = desk.complaints.get(complaint_id)
    if record.stage not in (Stage.ACCEPTANCE, Stage.RESOLUTION) or not record.task_token:
        raise NotAwaiting(f"complaint {complaint_id} can be transferred only while it awaits acceptance or "
                          f"resolution")
    require_owner_or_lead(record, operator, f"transfer complaint {complaint_id}")
    target_agent = desk.policy.agent(request.agent_id) if request.agent_id else None
    if request.agent_id and target_agent is None:
        raise BadRequest(f"agent_id {request.agent_id!r} is not a known agent")
    target = request.department or (target_agent.departments[0] if target_agent else None)
    if target is None or target not in {d.id for d in desk.policy.departments}:
        raise BadRequest("name a known department or agent_id to transfer to")
    if target_agent is not None and target not in target_agent.departments:
        raise BadRequest(f"agent {target_agent.id} is not in {target}")
    current = str(record.department)
    token, previous_owner = record.task_token, record.owner_id
    made: list[str] = []
    now = clock.now()
    why = _passing_around(desk, record, current, target, target_agent)
    record.transfer_count += 1
    if target != current:
        record.hops_at = [*record.hops_at, now]
    if why:
        record.passing_around = record.needs_supervisor = True
        record.owner_id = None
        event = TimelineEvent(at=now, type=EventType.PASSING_AROUND, actor=operator.agent_id,
                              detail={"reason": request.reason, "wanted": target, "why": why,
                                      "transfers": record.transfer_count})
    else:
        if target != current:
            record.departments_left = [*record.departments_left, current]
            # A transfer has its own deadline by the receiving department: kept when it accepts.
            made = promises.make_after(desk, record, EventType.TRANSFERRED, department=target)
        record.department = target
        record.owner_id = target_agent.id if target_agent else None
        event = TimelineEvent(at=now, type=EventType.TRANSFERRED, actor=operator.agent_id,
                              detail={"from": current, "to": target, "agent": record.owner_id,
                                      "reason": request.reason, "transfers": record.transfer_count})
    if previous_owner and previous_owner != record.owner_id:
        record.previous_owners = [*record.previous_owners, previous_owner]
    record.stage = record.task_token = None
    record.set_timer(None, None)
    # The assessment counts the transfer, and a flag, against whoever passed it on from the department it was in.
    passed = {assess_key(record, "transfers", current, operator.agent_id): 1}
    if why:
        passed[assess_key(record, "passing_around", current, operator.agent_id)] = 1
    record = desk.complaints.save(record, [event], reports.counts(desk, passed))
    for kind in made:
        promises.start(desk, record, kind)
    if previous_owner and previous_owner != record.owner_id:
        desk.loads.adjust(previous_owner, -1)
    if record.owner_id and record.owner_id != previous_owner:
        desk.loads.adjust(record.owner_id, +1)
    if record.passing_around and record.needs_supervisor:
        supervisor = desk.policy.department(current).supervisor
        desk.notices.tell_staff(supervisor, record, "passing_around", transfers=record.transfer_count)
        logger.warning("complaint passed around", extra={"complaint_id": complaint_id,
                                                         "transfers": record.transfer_count})
    desk.workflow.fail(token, WorkflowError.TRANSFERRED, "transferred by an operator")
    return ActionAnswer(complaint_id=complaint_id, status=record.status,
                        message="sent to the supervisor: passing around" if record.needs_supervisor
                        else f"transferred to {record.owner_id or target}")
