"""Corrective actions (整改): opened by a manager from a cause, followed up until done.

A manager opens an action from a root cause (narrowed, if they choose, to a
category, an area or a department), with what is to be done, an owner from
the roster, a due date and the complaints of that cause it answers; each of
those complaints gets a timeline event. Like a promise, it is followed by the
reminders sweep through the timers index: its owner is warned the policy's
number of days before it falls due, and once due it is overdue and the owner
and their department's manager are told. Its owner or a manager reports it
done (late, if after its due time); a manager may cancel it with a reason.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.corrective import (
    ActionEvent,
    ActionEventType,
    ActionStatus,
    CancelActionRequest,
    CauseScope,
    CloseActionRequest,
    CorrectiveAction,
    OpenActionRequest,
)
from complaints.core.enums import EventType
from complaints.core.errors import ComplaintNotFound, Conflict, Forbidden, InvalidField, VersionConflict
from complaints.core.observability import logger
from complaints.core.values import TimelineEvent
from complaints.desk.context import Desk

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _require_manager(operator: Operator, what: str) -> None:
    if not operator.role.across_departments:
        logger.warning("access refused", extra={"agent_id": operator.agent_id, "area": "corrective_actions"})
        raise Forbidden(f"only managers {what} corrective actions")


def _require_reader(operator: Operator) -> None:
    if not operator.role.leads:
        raise Forbidden("corrective actions are read by supervisors and managers, and their owners")


def _new_id(desk: Desk) -> str:
    local_day = clock.now().astimezone(desk.policy.calendar.zone).strftime("%Y%m%d")
    return f"CA{local_day}-" + "".join(secrets.choice(_ALPHABET) for _ in range(4))


def _scope(desk: Desk, request: OpenActionRequest) -> CauseScope:
    policy = desk.policy
    if request.category is not None:
        if request.category not in policy.categories:
            raise InvalidField("category", f"{request.category!r} is not a category of this desk")
        causes = policy.root_causes_for(request.category)
        if request.root_cause not in causes:
            raise InvalidField("root_cause", f"{request.root_cause!r} is not a root cause of {request.category}; "
                                             f"one of: {', '.join(causes)}")
    else:
        causes = list(dict.fromkeys(c for listed in policy.root_causes.values() for c in listed))
        if request.root_cause not in causes:
            raise InvalidField("root_cause", f"{request.root_cause!r} is not a root cause of this desk; "
                                             f"one of: {', '.join(sorted(causes))}")
    if request.department is not None and request.department not in {d.id for d in policy.departments}:
        raise InvalidField("department", f"{request.department!r} is not a department of this desk")
    return CauseScope(root_cause=request.root_cause, category=request.category, area=request.area,
                      department=request.department)


def _times(desk: Desk, opened: datetime, due: date) -> tuple[datetime, datetime]:
    """When it falls due (the end of the due date's working day) and when its owner is warned.

    The warning comes the policy's days before; an action due sooner than that is warned halfway.
    """
    due_at = datetime.combine(due, desk.policy.working_hours.end, desk.policy.calendar.zone)
    warn_at = due_at - timedelta(days=desk.policy.corrective_actions.warn_days_before)
    if warn_at <= opened:
        warn_at = opened + (due_at - opened) / 2
    return due_at, warn_at


def _check_complaints(desk: Desk, scope: CauseScope, complaint_ids: list[str]) -> None:
    """Each complaint named exists and was reported with the action's cause (in its narrower cell, if one)."""
    for complaint_id in complaint_ids:
        try:
            record = desk.complaints.get(complaint_id)
        except ComplaintNotFound as exc:
            raise InvalidField("complaint_ids", f"complaint {complaint_id} does not exist") from exc
        cause = record.resolution.root_cause if record.resolution else None
        if cause != scope.root_cause:
            raise InvalidField("complaint_ids", f"complaint {complaint_id} was not reported with root cause "
                                                f"{scope.root_cause} (its: {cause or 'none yet'})")
        category = record.classification.category if record.classification else None
        area = record.location.area if record.location else None
        for name, value in (("category", category), ("area", area), ("department", record.department)):
            wanted = getattr(scope, name)
            if wanted is not None and value != wanted:
                raise InvalidField("complaint_ids", f"complaint {complaint_id} is not of {name} {wanted} "
                                                    f"(its: {value or 'none'})")


def open_action(desk: Desk, operator: Operator, request: OpenActionRequest) -> CorrectiveAction:
    _require_manager(operator, "open")
    scope = _scope(desk, request)
    owner = desk.policy.agent(request.owner)
    if owner is None:
        raise InvalidField("owner", f"{request.owner!r} is not on the roster")
    now = clock.now()
    today = now.astimezone(desk.policy.calendar.zone).date()
    latest = today + timedelta(days=desk.policy.corrective_actions.max_due_days)
    if not today <= request.due <= latest:
        raise InvalidField("due", f"must be from {today} to {latest}")
    _check_complaints(desk, scope, request.complaint_ids)
    department = (request.department if request.department in owner.departments else owner.departments[0])
    due_at, warn_at = _times(desk, now, request.due)
    action = CorrectiveAction(
        action_id=_new_id(desk), scope=scope, action=request.action, owner=owner.id, department=department,
        due=request.due, due_at=due_at, warn_at=warn_at, complaint_ids=request.complaint_ids,
        opened_by=operator.agent_id, opened_at=now,
        history=[ActionEvent(at=now, type=ActionEventType.OPENED, actor=operator.agent_id, told=[owner.id])])
    desk.actions.create(action)
    _mark_complaints(desk, action, EventType.CORRECTIVE_ACTION_OPENED, operator.agent_id)
    desk.notices.tell_staff_now(owner.id, action.action_id, "action_opened", action_id=action.action_id,
                                cause=scope.shown(), due=str(action.due), by=operator.agent_id)
    logger.info("corrective action opened", extra={"action_id": action.action_id, "root_cause": scope.root_cause,
                                                   "complaints": len(action.complaint_ids)})
    return action


def _mark_complaints(desk: Desk, action: CorrectiveAction, event_type: EventType, actor: str) -> None:
    """A timeline event on each complaint the action answers (the complaint itself is not changed)."""
    detail: dict[str, str | int | float | bool | None] = {
        "action_id": action.action_id, "root_cause": action.scope.root_cause, "owner": action.owner,
        "due": str(action.due), "status": action.status.value}
    for complaint_id in action.complaint_ids:
        desk.complaints.add_event(complaint_id, TimelineEvent(at=clock.now(), type=event_type, actor=actor,
                                                              detail=detail))


def view_action(desk: Desk, action_id: str, operator: Operator) -> CorrectiveAction:
    action = desk.actions.get(action_id)
    if operator.agent_id != action.owner:
        _require_reader(operator)
    return action


def list_actions(desk: Desk, operator: Operator, status: ActionStatus | None = None) -> list[CorrectiveAction]:
    """Every action (supervisors and managers), or an agent's own; the open and overdue first, by due date."""
    found = [a for a in desk.actions.all() if status is None or a.status is status]
    if not operator.role.leads:
        found = [a for a in found if a.owner == operator.agent_id]
    return sorted(found, key=lambda a: (not a.status.live, a.due, a.action_id))


def close_action(desk: Desk, action_id: str, operator: Operator, request: CloseActionRequest) -> CorrectiveAction:
    """The owner or a manager reports the action done; the manager who opened it is told."""
    action = desk.actions.get(action_id)
    if operator.agent_id != action.owner:
        _require_manager(operator, "or their owners report done")
    return _close(desk, action, operator.agent_id, ActionStatus.DONE, request.result)


def cancel_action(desk: Desk, action_id: str, operator: Operator, request: CancelActionRequest) -> CorrectiveAction:
    _require_manager(operator, "cancel")
    return _close(desk, desk.actions.get(action_id), operator.agent_id, ActionStatus.CANCELLED, request.reason)


def _close(desk: Desk, action: CorrectiveAction, actor: str, status: ActionStatus, note: str) -> CorrectiveAction:
    if not action.status.live:
        raise Conflict(f"corrective action {action.action_id} is already {action.status.value}")
    now = clock.now()
    action.status, action.closed_at, action.closed_by, action.result = status, now, actor, note
    action.late = status is ActionStatus.DONE and now > action.due_at
    told = [p for p in dict.fromkeys([action.opened_by, action.owner]) if p != actor]
    event_type = ActionEventType.DONE if status is ActionStatus.DONE else ActionEventType.CANCELLED
    action.history = [*action.history, ActionEvent(at=now, type=event_type, actor=actor, note=note, told=told)]
    action = desk.actions.save(action)
    _mark_complaints(desk, action, EventType.CORRECTIVE_ACTION_CLOSED, actor)
    for person in told:
        desk.notices.tell_staff_now(person, action.action_id, f"action_{status.value}", action_id=action.action_id,
                                    cause=action.scope.shown(), by=actor, late="yes" if action.late else "no")
    return action


def sweep(desk: Desk, now: datetime) -> int:
    """Warn the owners of actions falling due and mark the due ones overdue; the number of steps taken."""
    taken = 0
    for action_id in desk.actions.due(now):
        try:
            taken += _step(desk, action_id, now)
        except VersionConflict:
            logger.info("corrective action changed meanwhile; the next sweep looks again",
                        extra={"action_id": action_id})
    return taken


def _step(desk: Desk, action_id: str, now: datetime) -> int:
    taken = 0
    action = desk.actions.get(action_id)
    while (step := action.next_step) is not None and step[0] <= now:
        kind = step[1]
        department = next((d for d in desk.policy.departments if d.id == action.department), None)
        manager = department.manager if department and kind is ActionEventType.OVERDUE else None
        told = [p for p in dict.fromkeys([action.owner, manager]) if p]
        if kind is ActionEventType.OVERDUE:
            action.status = ActionStatus.OVERDUE
        action.history = [*action.history, ActionEvent(at=now, type=kind, actor="system", told=told)]
        action = desk.actions.save(action)  # one sweep wins the version; only it tells anyone
        for person in told:
            desk.notices.tell_staff_now(person, action.action_id, f"action_{kind.value}", action_id=action.action_id,
                                        cause=action.scope.shown(), due=desk.local_time(action.due_at),
                                        owner=action.owner)
        taken += 1
    return taken
