"""Taking a decision the workflow waits for, safely under concurrency and failure.

A claim is a conditional write that consumes the waiting task (so of two
people acting at once one wins and the other gets a clear conflict), then
SendTaskSuccess with the decision; if Step Functions refuses it, the wait is
put back. The write keeps the decision and its token on the complaint with a
timer a little ahead: if the send times out, or the function stops between
the write and the send, the reminders sweep sends it again. Sending again is
harmless: a token already taken is refused as gone, and the next park, close
or failure of the workflow clears the decision.

A wait held by the complaint's timer alone (no execution open: a tracking
ticket, the survey, a low score's review) takes its decision in one conditional
write too; where the decision leaves work for the workflow, the same write
records the new execution and `complaints.desk.continuation` starts it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from complaints.core import clock
from complaints.core.enums import EventType, ResumeAt, Stage, WorkflowError
from complaints.core.errors import NotAwaiting, VersionConflict, WorkflowUnavailable, WorkflowUncertain
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord, ExecutionRun, PendingDecision
from complaints.core.values import TimelineEvent
from complaints.desk import continuation
from complaints.desk.context import Desk
from complaints.desk.continuation import REDELIVER_AFTER
from complaints.promises import keeping as promises
from complaints.promises import terms as sla

__all__ = ["REDELIVER_AFTER", "claim", "redeliver", "routed"]


def claim(desk: Desk, record: ComplaintRecord, stage: Stage, event: TimelineEvent,
           output: dict[str, Any], change: Callable[[ComplaintRecord], None],
           counts: tuple[str, dict[str, int]] | None = None, status_event: str | None = None) -> ComplaintRecord:
    """Save the decision on the complaint, then hand it to the waiting execution; a refusal puts the wait back.

    status_event: what the complaint's portal hears of the decision, written with it (and taken back with it).
    """
    if record.stage is stage and record.held:
        return _claim_held(desk, record, stage, event, output, change, counts, status_event)
    if record.stage is not stage or not record.task_token:
        waiting = record.stage.value if record.stage else "nothing from people"
        raise NotAwaiting(f"complaint {record.complaint_id} is not awaiting {stage.value} (it awaits {waiting})")
    token = record.task_token
    timer = (record.timer_stage, record.timer_due, record.timer_level)
    resumed = promises.end_pause(desk, record, event.actor)  # a decision taken while waiting on the customer ends it
    change(record)
    record.stage = record.task_token = None
    error = routed(stage, output)
    record.decision = PendingDecision(stage=stage, token=token, output=output, error=error)
    record.set_timer(stage, clock.now() + REDELIVER_AFTER)
    if status_event:
        desk.pushes.announce(record, status_event)
    statuses = record.statuses
    saved = desk.complaints.save(record, [event, *([resumed] if resumed else [])], counts)
    try:
        desk.workflow.succeed(token, output, error)
    except WorkflowUnavailable:
        _restore(desk, saved.complaint_id, saved.version, stage, token, timer,
                 [status.message_id(saved.complaint_id, saved.version) for status in statuses])
        raise
    except WorkflowUncertain:
        # Saved, and maybe taken: the sweep sends it again, which is harmless if it was.
        logger.warning("decision saved; the workflow did not answer, it is sent again",
                       extra={"complaint_id": saved.complaint_id, "stage": stage.value})
    finally:
        if resumed:
            promises.restart(desk, saved)
    return saved


def routed(stage: Stage, output: dict[str, Any]) -> WorkflowError | None:
    """The named error a decision off the happy path is sent as (the wait's Catch routes it); None: its output."""
    outcome = output.get("outcome")
    if stage is Stage.RESOLUTION and output.get("quality_check"):
        return WorkflowError.QUALITY_CHECK_REQUIRED
    if stage is Stage.QUALITY_CHECK and output.get("passed") is False:
        return WorkflowError.QUALITY_CHECK_FAILED
    # A planned long-term fix opens a tracking ticket: deferred, or a temporary measure with its plan (the
    # output's tracking flag; a decision saved before the flag existed names only the deferred outcome).
    if stage in (Stage.RESOLUTION, Stage.QUALITY_CHECK) and (output.get("tracking") or outcome == "deferred"):
        return WorkflowError.DEFERRED
    if stage is Stage.CONFIRMATION and outcome == "not_fixed":
        return WorkflowError.NOT_FIXED
    return None


def _claim_held(desk: Desk, record: ComplaintRecord, stage: Stage, event: TimelineEvent,
                output: dict[str, Any], change: Callable[[ComplaintRecord], None],
                counts: tuple[str, dict[str, int]] | None, status_event: str | None) -> ComplaintRecord:
    """A decision on a held wait: saved with what follows it, and the new execution it needs, if any."""
    change(record)
    record.stage = record.task_token = None
    record.set_timer(None, None)
    run = _follow(desk, record, stage, output, event.actor)
    if status_event:
        desk.pushes.announce(record, status_event)
    saved = desk.complaints.save(record, [event], counts)
    if run is not None:
        continuation.start(desk.workflow, saved, run.name)
    return saved


def _follow(desk: Desk, record: ComplaintRecord, stage: Stage, output: dict[str, Any],
            actor: str) -> ExecutionRun | None:
    """What the state machine did after each wait when its executions stayed open through them."""
    now = clock.now()
    if stage is Stage.SURVEY and output.get("low"):  # a low score: the supervisor's review, held the same way
        record.stage = record.announced = Stage.REVIEW
        record.set_timer(Stage.REVIEW, sla.stage_due(Stage.REVIEW, record.priority, now, desk.policy,
                                                     record.promises))
    elif stage is Stage.REVIEW and output.get("reopen"):
        return continuation.plan(record, kind="reopen", by=actor, resume=ResumeAt.AWAIT_RESOLUTION,
                                 stage=stage, now=now)
    elif stage is Stage.TRACKING:
        return continuation.plan(record, kind="fix_landed", by=actor, resume=ResumeAt.AWAIT_CONFIRMATION,
                                 stage=stage, now=now)
    return None


def redeliver(desk: Desk, record: ComplaintRecord) -> bool:
    """Send a saved decision the workflow may not have; True once it is settled (taken now, or before)."""
    decision = record.decision
    assert decision is not None
    if decision.start is not None:
        return _start_again(desk, record, decision.start)
    try:
        taken = desk.workflow.redeliver(decision.token, dict(decision.output), decision.error)
    except (WorkflowUnavailable, WorkflowUncertain) as exc:
        logger.warning("decision not delivered yet; tried again later",
                       extra={"complaint_id": record.complaint_id, "error": type(exc).__name__})
        record.set_timer(decision.stage, clock.now() + REDELIVER_AFTER)
        desk.complaints.save(record)
        return False
    logger.info("decision delivered again", extra={"complaint_id": record.complaint_id,
                                                   "stage": decision.stage.value, "taken": taken})
    record.decision = None
    record.set_timer(None, None)
    desk.complaints.save(record)
    return True


def _start_again(desk: Desk, record: ComplaintRecord, name: str) -> bool:
    """Start a recorded execution again (harmless if it runs); settled once Step Functions has it."""
    assert record.decision is not None
    if not continuation.start(desk.workflow, record, name):
        record.set_timer(record.decision.stage, clock.now() + REDELIVER_AFTER)
        desk.complaints.save(record)
        return False
    record.decision = None
    if record.stage is None:  # the new execution has not entered its first wait yet; that sets its own timer
        record.set_timer(None, None)
    desk.complaints.save(record)
    return True


def _restore(desk: Desk, complaint_id: str, version: int, stage: Stage, token: str,
             timer: tuple[Stage | None, datetime | None, int], withdraw: list[str]) -> None:
    """Put the wait back, with its timer, when Step Functions refused the decision; the portal is not told of it."""
    record = desk.complaints.get(complaint_id)
    if record.version == version:
        record.stage, record.task_token, record.decision = stage, token, None
        record.set_timer(*timer)
        try:
            desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.DECISION_ROLLED_BACK,
                                                        actor="system", detail={"stage": stage.value})],
                                 withdraw=withdraw)
        except VersionConflict:
            logger.warning("could not restore the wait", extra={"complaint_id": complaint_id})
