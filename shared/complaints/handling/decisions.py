"""Taking a decision the workflow waits for, safely under concurrency.

A claim is a conditional write that consumes the waiting task (so of two
people acting at once one wins and the other gets a clear conflict), then
SendTaskSuccess with the decision; if Step Functions does not take it, the
wait is put back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from complaints.core import clock
from complaints.core.enums import EventType, Stage
from complaints.core.errors import NotAwaiting, VersionConflict, WorkflowUnavailable
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent
from complaints.desk.context import Desk


def claim(desk: Desk, record: ComplaintRecord, stage: Stage, event: TimelineEvent,
           output: dict[str, Any], change: Callable[[ComplaintRecord], None],
           counts: tuple[str, dict[str, int]] | None = None) -> ComplaintRecord:
    if record.stage is not stage or not record.task_token:
        waiting = record.stage.value if record.stage else "nothing from people"
        raise NotAwaiting(f"complaint {record.complaint_id} is not awaiting {stage.value} (it awaits {waiting})")
    token = record.task_token
    change(record)
    record.stage = record.task_token = None
    record.set_timer(None, None)
    saved = desk.complaints.save(record, [event], counts)
    try:
        desk.workflow.succeed(token, output)
    except WorkflowUnavailable:
        _restore(desk, saved.complaint_id, saved.version, stage, token)
        raise
    return saved


def _restore(desk: Desk, complaint_id: str, version: int, stage: Stage, token: str) -> None:
    """Put the wait back when Step Functions did not take the decision."""
    record = desk.complaints.get(complaint_id)
    if record.version == version:
        record.stage, record.task_token = stage, token
        try:
            desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.DECISION_ROLLED_BACK,
                                                        actor="system", detail={"stage": stage.value})])
        except VersionConflict:
            logger.warning("could not restore the wait", extra={"complaint_id": complaint_id})
