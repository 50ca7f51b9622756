"""Keeping promises: every pending promise has a timer on the sparse timers index.

Each promise walks its plan: at half its window the owner is reminded, at four
fifths the owner and supervisor are warned, when it falls due it is marked
missed if still pending — and a promise made to the customer brings the
customer an update whatever the progress ("whatever the progress, answer the
customer when that time comes"). An update that would fall in quiet hours
goes just before they start. Each step is claimed with a conditional write,
so overlapping sweeps act once.
"""

from __future__ import annotations

from datetime import datetime

from complaints import clock
from complaints.desk import Desk
from complaints.errors import ComplaintNotFound, VersionConflict
from complaints.models import Promise, PromiseState, Status, TimelineEvent
from complaints.record import ComplaintRecord

CUSTOMER_FACING = frozenset({"first_reply", "solution"})
_STATUS_TEXT = {
    "zh-CN": {Status.ACKNOWLEDGED: "已受理，正在安排处理人员", Status.ASSIGNED: "已派单给处理人员",
              Status.IN_PROGRESS: "正在处理中", Status.RESOLVED: "已处理，待您确认"},
    "en": {Status.ACKNOWLEDGED: "registered and being assigned", Status.ASSIGNED: "assigned to an engineer",
           Status.IN_PROGRESS: "being worked on", Status.RESOLVED: "handled and awaiting your confirmation"},
}


def plan(desk: Desk, promise: Promise, start: datetime) -> list[tuple[datetime, str]]:
    window = promise.due_at - start
    steps = [(start + window * 0.5, "remind"), (start + window * 0.8, "warn")]
    if promise.kind in CUSTOMER_FACING:
        steps.append((desk.policy.quiet.last_allowed_before(promise.due_at), "update"))
    steps.append((promise.due_at, "due"))
    return sorted(steps, key=lambda s: s[0])


def schedule(desk: Desk, record: ComplaintRecord) -> None:
    for promise in record.promises:
        if promise.state is PromiseState.PENDING:
            desk.repo.schedule_promise(record.complaint_id, promise.kind, plan(desk, promise, record.received_at)[0][0])


def sweep(desk: Desk, now: datetime) -> int:
    """Act on every promise step that is due; the number of steps taken."""
    taken = 0
    for complaint_id, kind, step in desk.repo.due_promises(now):
        try:
            record = desk.repo.get(complaint_id)
        except ComplaintNotFound:
            continue
        promise = next((p for p in record.promises if p.kind == kind), None)
        steps = plan(desk, promise, record.received_at) if promise else []
        while step < len(steps) and steps[step][0] <= now:
            following = steps[step + 1][0] if step + 1 < len(steps) else None
            live = promise is not None and promise.state is PromiseState.PENDING and record.is_open
            if not desk.repo.advance_promise(complaint_id, kind, step, following if live else None):
                break  # another sweep took this step
            taken += 1
            if not live:
                break
            record = _act(desk, record, kind, steps[step][1])
            step += 1
    return taken


def _act(desk: Desk, record: ComplaintRecord, kind: str, action: str) -> ComplaintRecord:
    department = desk.policy.department(record.department) if record.department else None
    promise = next(p for p in record.promises if p.kind == kind)
    due = desk.local_time(promise.due_at)
    if action in ("remind", "warn"):
        people = [record.owner_id or (department.supervisor if department else None)]
        if action == "warn" and department:
            people.append(department.supervisor)
        for person in dict.fromkeys(p for p in people if p):
            desk.tell_staff(person, record, "promise_due", kind=kind, due=due)
    elif action == "update":
        text = _STATUS_TEXT.get(record.language, _STATUS_TEXT["en"]).get(record.status, record.status.value)
        desk.tell_customer(record, "progress_update", status=text)
        desk.repo.add_event(record.complaint_id, TimelineEvent(at=clock.now(), type="customer_updated",
                                                               actor="system", detail={"promise": kind}))
    elif action == "due":
        return _mark_missed(desk, record, kind)
    return record


def _mark_missed(desk: Desk, record: ComplaintRecord, kind: str) -> ComplaintRecord:
    for _ in range(5):
        record.promises = [p.model_copy(update={"state": PromiseState.MISSED})
                           if p.kind == kind and p.state is PromiseState.PENDING else p for p in record.promises]
        try:
            return desk.repo.save(record, [TimelineEvent(at=clock.now(), type="promise_missed", actor="system",
                                                         detail={"promise": kind})])
        except VersionConflict:
            record = desk.repo.get(record.complaint_id)
            if next(p for p in record.promises if p.kind == kind).state is not PromiseState.PENDING:
                return record
    return record
