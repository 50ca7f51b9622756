"""Taking a decision the workflow waits for, safely under concurrency and failure.

A claim is a conditional write that consumes the waiting task (so of two
people acting at once one wins and the other gets a clear conflict), then
SendTaskSuccess with the decision; if Step Functions refuses it, the wait is
put back. The write keeps the decision and its token on the complaint with a
timer a little ahead: if the send times out, or the function stops between
the write and the send, the reminders sweep sends it again. Sending again is
harmless: a token already taken is refused as gone, and the next park, close
or failure of the workflow clears the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from complaints.core import clock
from complaints.core.enums import EventType, Stage
from complaints.core.errors import NotAwaiting, VersionConflict, WorkflowUnavailable, WorkflowUncertain
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord, PendingDecision
from complaints.core.values import TimelineEvent
from complaints.desk.context import Desk
from complaints.promises import keeping as promises

# How long a saved decision may wait for the workflow before the sweep sends it again.
REDELIVER_AFTER = timedelta(minutes=2)


def claim(desk: Desk, record: ComplaintRecord, stage: Stage, event: TimelineEvent,
           output: dict[str, Any], change: Callable[[ComplaintRecord], None],
           counts: tuple[str, dict[str, int]] | None = None, status_event: str | None = None) -> ComplaintRecord:
    """Save the decision on the complaint, then hand it to the waiting execution; a refusal puts the wait back.

    status_event: what the complaint's portal hears of the decision, written with it (and taken back with it).
    """
    if record.stage is not stage or not record.task_token:
        waiting = record.stage.value if record.stage else "nothing from people"
        raise NotAwaiting(f"complaint {record.complaint_id} is not awaiting {stage.value} (it awaits {waiting})")
    token = record.task_token
    timer = (record.timer_stage, record.timer_due, record.timer_level)
    resumed = promises.end_pause(desk, record, event.actor)  # a decision taken while waiting on the customer ends it
    change(record)
    record.stage = record.task_token = None
    record.decision = PendingDecision(stage=stage, token=token, output=output)
    record.set_timer(stage, clock.now() + REDELIVER_AFTER)
    if status_event:
        desk.pushes.announce(record, status_event)
    statuses = record.statuses
    saved = desk.complaints.save(record, [event, *([resumed] if resumed else [])], counts)
    try:
        desk.workflow.succeed(token, output)
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


def redeliver(desk: Desk, record: ComplaintRecord) -> bool:
    """Send a saved decision the workflow may not have; True once it is settled (taken now, or before)."""
    decision = record.decision
    assert decision is not None
    try:
        taken = desk.workflow.redeliver(decision.token, dict(decision.output))
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
