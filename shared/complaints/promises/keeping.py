"""Keeping promises: every pending promise has a timer on the sparse timers index.

Each promise walks its plan: at half its window the owner is reminded, at four
fifths the owner and supervisor are warned, when it falls due it is marked
missed if still pending, and the people the policy names for its kind are
told (the supervisor, and for some kinds the manager too; the miss on the
timeline names them as `escalated_to`) — and a promise made
to the customer brings the customer an update whatever the progress ("whatever
the progress, answer the customer when that time comes"). An update that would
fall in quiet hours goes just before they start. Each step is claimed with a
conditional write, so overlapping sweeps act once. What each kind of promise
is (facing the customer, pausable, held by the supervisor) is the policy's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import EventType, PromiseKind, PromiseState, Status
from complaints.core.errors import ComplaintNotFound, Conflict, Forbidden, VersionConflict
from complaints.core.observability import count
from complaints.core.record import ComplaintRecord
from complaints.core.requests import PauseRequest
from complaints.core.values import Promise, TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.desk.notices import status_text
from complaints.promises import terms

PARKED = datetime(9999, 1, 1, tzinfo=UTC)


def plan(desk: Desk, promise: Promise, received_at: datetime) -> list[tuple[datetime, str]]:
    start = promise.made_at or received_at
    window = promise.due_at - start
    steps = [(start + window * 0.5, "remind"), (start + window * 0.8, "warn")]
    if desk.policy.kind(promise.kind).customer_facing:
        steps.append((desk.policy.quiet.last_allowed_before(promise.due_at), "update"))
    steps.append((promise.due_at, "due"))
    return sorted(steps, key=lambda s: s[0])


def schedule(desk: Desk, record: ComplaintRecord, unchanged: frozenset[tuple[str, datetime]] = frozenset()) -> None:
    """The timer of each pending promise, but those already scheduled for the same due time (kind, due_at)."""
    for promise in record.promises:
        if promise.state is PromiseState.PENDING and (promise.kind, promise.due_at) not in unchanged:
            first_step = plan(desk, promise, record.received_at)[0][0]
            desk.promise_timers.schedule(record.complaint_id, promise.kind, first_step)


def sweep(desk: Desk, now: datetime) -> int:
    """Act on every promise step that is due; the number of steps taken."""
    taken = 0
    for complaint_id, kind, step in desk.promise_timers.due(now):
        try:
            record = desk.complaints.get(complaint_id)
        except ComplaintNotFound:
            continue
        promise = _pending(record, kind) or next((p for p in record.promises if p.kind == kind), None)
        if record.paused_at is not None and desk.policy.kind(kind).pausable:
            continue  # its clock stopped; resuming reschedules it
        steps = plan(desk, promise, record.received_at) if promise else []
        while step < len(steps) and steps[step][0] <= now:
            following = steps[step + 1][0] if step + 1 < len(steps) else None
            # Live while the complaint has work left: open, or closed and still awaiting someone (a low
            # score's review holds the recovery promise after the close, with no execution open).
            live = (promise is not None and promise.state is PromiseState.PENDING
                    and (record.is_open or record.stage is not None))
            if not desk.promise_timers.advance(complaint_id, kind, step, following if live else None):
                break  # another sweep took this step
            taken += 1
            if not live:
                break
            record = _act(desk, record, kind, steps[step][1])
            step += 1
    return taken


def _pending(record: ComplaintRecord, kind: str) -> Promise | None:
    return next((p for p in record.promises if p.kind == kind and p.state is PromiseState.PENDING), None)


def _helper(record: ComplaintRecord, kind: str) -> tuple[str, str, str | None] | None:
    """For a consultation's or an assist's promise: what it is, the department asked, and who does it."""
    for consultation in record.consultations:
        if consultation.promise_kind == kind:
            return f"consultation {consultation.consult_id}", consultation.department, None
    for assist in record.assists:
        if assist.promise_kind == kind:
            return f"assist {assist.assist_id}", assist.department, assist.owner
    return None


def _act_for_helper(desk: Desk, record: ComplaintRecord, kind: str, action: str, due: str,
                    helper: tuple[str, str, str | None]) -> ComplaintRecord:
    """The department asked is reminded and warned; once missed its supervisor and manager are told."""
    what, department_id, doer = helper
    department = desk.policy.department(department_id)
    if action == "due":
        record = _mark_missed(desk, record, kind)
        for person in dict.fromkeys((department.supervisor, department.manager)):
            desk.notices.tell_staff(person, record, "collaboration_overdue", what=what, department=department_id,
                                    due=due)
        return record
    people = [doer or department.supervisor] + ([department.supervisor] if action == "warn" else [])
    for person in dict.fromkeys(people):
        desk.notices.tell_staff(person, record, "promise_due", kind=kind, due=due)
    return record


def _act(desk: Desk, record: ComplaintRecord, kind: str, action: str) -> ComplaintRecord:
    department = desk.policy.department(record.department) if record.department else None
    promise = _pending(record, kind)
    if promise is None:
        return record
    due = desk.local_time(promise.due_at)
    helper = _helper(record, kind)
    if helper is not None:
        return _act_for_helper(desk, record, kind, action, due, helper)
    if action in ("remind", "warn"):
        lead = department.supervisor if department else None
        people = [lead if desk.policy.kind(kind).held_by == "supervisor" else record.owner_id or lead]
        if action == "warn" and department:
            people.append(department.supervisor)
        for person in dict.fromkeys(p for p in people if p):
            desk.notices.tell_staff(person, record, "promise_due", kind=kind, due=due)
    elif action == "update":
        desk.notices.tell_customer(record, "progress_update", status=status_text(desk.policy, record))
        desk.complaints.add_event(record.complaint_id, TimelineEvent(at=clock.now(), type=EventType.CUSTOMER_UPDATED,
                                                                     actor="system", detail={"promise": kind}))
    elif action == "due":
        return _mark_missed(desk, record, kind)
    return record


def _mark_missed(desk: Desk, record: ComplaintRecord, kind: str) -> ComplaintRecord:
    for _ in range(5):
        record.promises = [p.model_copy(update={"state": PromiseState.MISSED})
                           if p.kind == kind and p.state is PromiseState.PENDING else p for p in record.promises]
        try:
            told = _told_of_miss(desk, record, kind)
            detail: dict[str, str | int | float | bool | None] = {"promise": kind}
            if told:
                detail["escalated_to"] = ",".join(told)  # who was told it went up
            saved = desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.PROMISE_MISSED,
                                                                actor="system", detail=detail)])
            count("PromisesMissed", kind=kind)
            for person in told:
                desk.notices.tell_staff(person, saved, "promise_missed", kind=kind, owner=saved.owner_id or "none")
            return saved
        except VersionConflict:
            record = desk.complaints.get(record.complaint_id)
            if _pending(record, kind) is None:
                return record
    return record


def renegotiate(record: ComplaintRecord, kind: str, due_at: datetime, reason: str) -> Promise | None:
    """Replace the pending promise of a kind by a new one due later; the old one stays as renegotiated."""
    current = _pending(record, kind)
    if current is None:
        return None
    renegotiated = current.model_copy(update={"state": PromiseState.RENEGOTIATED, "reason": reason})
    fresh = Promise(kind=kind, due_at=due_at, made_at=clock.now())
    record.promises = [renegotiated if p is current else p for p in record.promises] + [fresh]
    return fresh


def add(desk: Desk, record: ComplaintRecord, kind: str, duration: str) -> Promise:
    """A new promise made now (a reopened complaint's solution, a supervisor's recovery)."""
    now = clock.now()
    fresh = Promise(kind=kind, due_at=desk.policy.calendar.add(now, duration), made_at=now)
    record.promises = [*record.promises, fresh]
    return fresh


def ensure_solution(desk: Desk, record: ComplaintRecord) -> bool:
    """A complaint back at work needs a pending solution promise: make one from the policy if none is.

    True when one was made (its timer starts once the record is saved).
    """
    if _pending(record, PromiseKind.SOLUTION) is not None:
        return False
    category = record.classification.category if record.classification else None
    add(desk, record, PromiseKind.SOLUTION,
        desk.policy.promise_table(record.priority, category).get(PromiseKind.SOLUTION, "7wd"))
    return True


def make_after(desk: Desk, record: ComplaintRecord, step: EventType, department: str | None = None) -> list[str]:
    """Add the promises the step makes by the policy; their kinds, whose timers `start` once the record is saved."""
    category = record.classification.category if record.classification else None
    made = terms.made_after(desk.policy, step, clock.now(), record.promises, category, record.channel, department,
                            record.priority)
    record.promises = [*record.promises, *made]
    return [p.kind for p in made]


def start(desk: Desk, record: ComplaintRecord, kind: str) -> None:
    """Start the timer of a promise made after intake, once the record holding it is saved."""
    promise = _pending(record, kind)
    if promise is not None:
        desk.promise_timers.schedule(record.complaint_id, kind, plan(desk, promise, record.received_at)[0][0])


def pause(desk: Desk, complaint_id: str, operator: Operator, request: PauseRequest) -> ActionAnswer:
    """The complaint waits on the customer: pausable promises stop until it resumes."""
    record = desk.complaints.get(complaint_id)
    if not operator.owns(record):
        raise Forbidden(f"only the owner of complaint {complaint_id} may pause it")
    if record.status is not Status.IN_PROGRESS or record.paused_at is not None:
        raise Conflict(f"complaint {complaint_id} is {record.status.value}; only work in progress can wait on "
                       f"the customer")
    record.paused_at, record.status = clock.now(), Status.PENDING_CUSTOMER
    record = desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.PAUSED, actor=operator.agent_id,
                                                         detail={"reason": request.reason})])
    for promise in record.promises:  # parked: their timers are not read while the clock is stopped
        if promise.state is PromiseState.PENDING and desk.policy.kind(promise.kind).pausable:
            desk.promise_timers.schedule(complaint_id, promise.kind, PARKED)
    return ActionAnswer(complaint_id=complaint_id, status=record.status, message="waiting on the customer")


def resume(desk: Desk, complaint_id: str, operator: Operator) -> ActionAnswer:
    """Work goes on: pausable promises move by the time spent waiting and their timers restart."""
    record = desk.complaints.get(complaint_id)
    if not operator.owns(record):
        raise Forbidden(f"only the owner of complaint {complaint_id} may resume it")
    resumed = end_pause(desk, record, operator.agent_id)
    if resumed is None:
        raise Conflict(f"complaint {complaint_id} is not waiting on the customer")
    if record.status is Status.PENDING_CUSTOMER:
        record.status = Status.IN_PROGRESS
    record = desk.complaints.save(record, [resumed])
    restart(desk, record)
    return ActionAnswer(complaint_id=complaint_id, status=record.status, message="work resumed")


def end_pause(desk: Desk, record: ComplaintRecord, actor: str) -> TimelineEvent | None:
    """End the complaint's wait on the customer, if it waits: pausable promises move by the time spent waiting.

    Every way out of a pause goes through here (resuming, and any decision taken while paused), so no promise
    stays stopped. Returns the timeline event to save with the change; after the save, `restart` the timers.
    """
    if record.paused_at is None:
        return None
    now = clock.now()
    waited = now - record.paused_at
    record.promises = [p.model_copy(update={"due_at": p.due_at + waited,
                                            "made_at": (p.made_at or record.received_at) + waited})
                       if p.state is PromiseState.PENDING and desk.policy.kind(p.kind).pausable else p
                       for p in record.promises]
    record.paused_at = None
    return TimelineEvent(at=now, type=EventType.RESUMED, actor=actor,
                         detail={"waited_minutes": int(waited.total_seconds() // 60)})


def restart(desk: Desk, record: ComplaintRecord) -> None:
    """The timers of the pausable promises, from their next step, once a pause has ended and been saved."""
    now = clock.now()
    for promise in record.promises:
        if promise.state is PromiseState.PENDING and desk.policy.kind(promise.kind).pausable:
            upcoming = [at for at, _ in plan(desk, promise, record.received_at) if at >= now]
            desk.promise_timers.schedule(record.complaint_id, promise.kind, upcoming[0] if upcoming else now)


def _told_of_miss(desk: Desk, record: ComplaintRecord, kind: str) -> list[str]:
    """Whom a missed promise goes up to, by its kind: the department's supervisor, and the manager for some."""
    department = desk.policy.department(record.department) if record.department else None
    if department is None:
        return []
    people = {"supervisor": department.supervisor, "manager": department.manager}
    return list(dict.fromkeys(people[rung] for rung in desk.policy.kind(kind).escalate_to))
