"""Redrive: a new execution for a complaint whose workflow stopped, going on where the complaint stands.

An execution can end with its complaint's work unfinished: a step failed (MarkFailed recorded the error), a
wait outlived its TimeoutSeconds, someone stopped it, or the machine running the local stack restarted
without it. The state machine's resume entry takes a stage; `resume_state` derives it from the stored
complaint alone (the wait it stands in, or the automatic step it stands before), never from the caller.
Every step is once-only per complaint and stage (steps.park_step keeps a marker in the same write as the
wait), so entering a step again sends no message and takes no action twice.

Executions are named after the complaint, then `<id>-appeal` for an appeal, and `<id>-r1`, `<id>-r2`, … for
redrives and for the executions a decision on a held wait starts (complaints.desk.continuation); the
complaint records them in order, and the timeline says who redrove it, when, and from which stage. A wait
held by its timer (the survey, the review, a tracking ticket) has no execution to redrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import HELD_STAGES, EventType, Status
from complaints.core.errors import Conflict, Forbidden
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord, ExecutionRun
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk import continuation
from complaints.desk.context import Desk
from complaints.workflow.contract import HOLDS, WAITS, State

RUNNING = "RUNNING"
_SUCCEEDED = "SUCCEEDED"
_EVER = datetime.max.replace(tzinfo=UTC)
SYSTEM_RESTART = "system:restart"  # the actor of the redrives the local stack makes when it starts again

# The automatic step a complaint stands before, by its status, when no wait holds it.
_BY_STATUS: dict[Status, State] = {
    Status.IN_PROGRESS: State.AWAIT_RESOLUTION,
    Status.PENDING_CUSTOMER: State.AWAIT_RESOLUTION,
    Status.QUALITY_CHECK: State.AWAIT_QUALITY_CHECK,
    Status.TRACKING: State.HOLD_TRACKING,
}


def resume_state(record: ComplaintRecord) -> State | None:
    """Where a new execution of the complaint goes on; None when nothing is left for the workflow to do.

    A failed complaint goes on from where it stood when its step failed. A decision already taken (the
    claim changed the status and cleared the wait) leads to the state the decision leads to.
    """
    failed = record.status is Status.FAILED
    status = record.failed_status if failed else record.status
    stage = record.failed_stage if failed else record.stage
    if status is None or status is Status.FAILED:
        return None  # failed before where it stood was recorded
    if stage in HELD_STAGES:
        # Held by its timer with no execution (a tracking ticket once handed over, the survey, the review): a
        # decision on it starts the execution it needs. One still owed its handover goes on at the hold.
        held = record.announced is stage and not record.task_token
        return None if held or stage not in HOLDS else HOLDS[stage]
    if stage is not None:
        return WAITS[stage]
    if status in (Status.ACKNOWLEDGED, Status.ASSIGNED):
        # Assign keeps an owner already named, and sends a complaint nobody can take to AwaitAssignment.
        return State.CLASSIFY if record.classification is None else State.ASSIGN
    if status is Status.RESOLVED:
        return State.CLOSE if record.verified else State.AWAIT_CONFIRMATION
    if status is Status.CLOSED:
        return None if record.survey_sent else State.CLOSE  # Close holds the survey it did not hold yet
    return _BY_STATUS.get(status)


def latest_status(desk: Desk, record: ComplaintRecord) -> str | None:
    """The status of the complaint's latest execution; None when it has none (never started, or lost)."""
    return desk.workflow.status(record.execution_names[-1])


def redrive_by(desk: Desk, complaint_id: str, operator: Operator) -> ActionAnswer:
    """A supervisor of the complaint's department (or a manager) redrives it."""
    record = desk.complaints.get(complaint_id)
    department = record.department or desk.policy.triage.department
    if not operator.oversees(department):
        raise Forbidden(f"only a supervisor of {department} may redrive complaint {complaint_id}", department)
    return redrive(desk, record, operator.agent_id)


def redrive(desk: Desk, record: ComplaintRecord, actor: str) -> ActionAnswer:
    """Start a new execution at the complaint's current stage: refused while one runs, or when nothing waits."""
    complaint_id = record.complaint_id
    previous = record.execution_names[-1]
    status = desk.workflow.status(previous)
    if status == RUNNING:
        raise Conflict(f"the workflow of complaint {complaint_id} is still running ({previous}); "
                       f"stop that execution first, or let it go on")
    state = resume_state(record)
    if state is None:
        raise Conflict(f"complaint {complaint_id} is {record.status.value} and nothing waits on it: "
                       f"there is nothing to redrive")
    now = clock.now()
    run = ExecutionRun(name=continuation.next_name(record), started_at=now, by=actor, kind="redrive",
                       resume=state.value)
    revived = record.status is Status.FAILED
    if revived:  # back to where it stood; the step entered again takes no action twice
        assert record.failed_status is not None
        record.status, record.stage, record.task_token = record.failed_status, record.failed_stage, None
        record.failure = record.failed_status = record.failed_stage = None
    record.add_execution(run)
    record = desk.complaints.save(record, [TimelineEvent(
        at=now, type=EventType.REDRIVEN, actor=actor,
        detail={"from": state.value, "execution": run.name, "previous": previous,
                "previous_status": status or "missing"})])
    if revived and record.is_open and record.owner_id:
        desk.loads.adjust(record.owner_id, +1)  # the failure gave the owner's capacity back
    desk.workflow.start(complaint_id, {"resume": {"stage": state.value}}, name=run.name)
    logger.info("complaint redriven", extra={"complaint_id": complaint_id, "resume": state.value,
                                             "execution": run.name, "previous_status": status})
    return ActionAnswer(complaint_id=complaint_id, status=record.status,
                        message=f"redriven from {state.value} as {run.name} (the earlier execution "
                                f"{previous} was {(status or 'missing').lower()})")


def redrive_stalled(desk: Desk, actor: str = SYSTEM_RESTART) -> list[str]:
    """Redrive every complaint with work left whose latest execution is not running; returns their ids.

    For the local stack when it starts again on its data directory. Failed complaints are left to a
    supervisor, who sees them in their queue. The complaints are found without a scan: from the machine's
    executions, the open queues, the waits' timers and the promises' timers (a complaint not yet classified is
    in no queue and waits for nobody, but its promises run).
    """
    redriven = []
    for complaint_id in sorted(_candidates(desk)):
        record = desk.complaints.get(complaint_id)
        if record.status is Status.FAILED or resume_state(record) is None:
            continue
        try:
            redrive(desk, record, actor)
        except Conflict as exc:  # running after all, or changed meanwhile: nothing to do for it now
            logger.info("not redriven", extra={"complaint_id": complaint_id, "error": type(exc).__name__})
            continue
        redriven.append(complaint_id)
    return redriven


def _candidates(desk: Desk) -> set[str]:
    seen: set[str] = set()
    found: set[str] = set()
    for name, status in desk.workflow.executions():  # newest first: a complaint's first seen is its latest
        complaint_id = _complaint_of(name)
        if complaint_id not in seen and status not in (RUNNING, _SUCCEEDED):
            found.add(complaint_id)
        seen.add(complaint_id)
    departments = {d.id for d in desk.policy.departments} | {desk.policy.triage.department}
    for department in departments:
        found.update(_ids(_queue(desk, department)))
    found.update(r.complaint_id for r in desk.complaints.due_timers(_EVER))  # every wait, survey and review too
    found.update(complaint_id for complaint_id, _, _ in desk.promise_timers.due(_EVER))  # not yet classified
    return found


def _queue(desk: Desk, department: str) -> Iterable[ComplaintRecord]:
    start = None
    while True:
        records, start = desk.complaints.list_by("queue", department, open_only=True, limit=100, start=start)
        yield from records
        if not start:
            return


def _ids(records: Iterable[ComplaintRecord]) -> Iterable[str]:
    return (r.complaint_id for r in records if r.status is not Status.FAILED)


def _complaint_of(name: str) -> str:
    """The complaint an execution belongs to, by its name: `<id>`, `<id>-appeal` or `<id>-r<n>`."""
    base, _, suffix = name.rpartition("-")
    return base if base and (suffix == "appeal" or (suffix[:1] == "r" and suffix[1:].isdigit())) else name

