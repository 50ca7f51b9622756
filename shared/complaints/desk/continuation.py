"""Executions after the first: named, recorded on the complaint with the change that needs them, started once.

A complaint's first execution ends when the work it orchestrates ends: at the close, or when the complaint
becomes a tracking ticket. The waits after that (a planned fix months away, the survey, a low score's review,
the appeal window) are held by the complaint's timer alone (`ComplaintRecord.held`), so open executions grow
with the complaints being handled, not with the complaints closed in the last weeks. A decision that leaves
work for the workflow (an appeal, a review that reopens, a planned fix that landed) starts a new execution
at the state it leads to.

The new execution is recorded on the complaint in the same conditional write as the decision: of two
decisions arriving at once one write wins and starts its execution, the other is refused and starts
nothing. The write also keeps a pending start with a timer a little ahead, so an execution whose start
failed (Step Functions refused, or the function stopped after the write) is started by the reminders sweep;
a repeated start of the same name is harmless, and the new execution's first wait or step clears it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from complaints.adapters.stepfunctions import Workflow
from complaints.core.enums import Stage
from complaints.core.errors import WorkflowUnavailable, WorkflowUncertain
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord, ExecutionRun, PendingDecision

# How long a saved decision (or a pending start) may wait for the workflow before the sweep sends it again.
REDELIVER_AFTER = timedelta(minutes=2)

_NUMBERED = re.compile(r"-r(\d+)$")


def next_name(record: ComplaintRecord) -> str:
    """`<id>-r1`, `<id>-r2`, …: numbered over every later execution (redrives and continuations alike)."""
    numbers = [int(match.group(1)) for name in record.execution_names
               if (match := _NUMBERED.search(name)) and name[:match.start()] == record.complaint_id]
    return f"{record.complaint_id}-r{max(numbers, default=0) + 1}"


def plan(record: ComplaintRecord, *, kind: str, by: str, resume: str | None, stage: Stage, now: datetime,
         name: str | None = None) -> ExecutionRun:
    """Record a new execution on the complaint, to be started once the write that carries it is saved."""
    run = ExecutionRun(name=name or next_name(record), started_at=now, by=by, kind=kind, resume=resume)
    record.add_execution(run)
    record.decision = PendingDecision(stage=stage, token="", output={}, start=run.name)
    record.set_timer(stage, now + REDELIVER_AFTER)
    return run


def facts(run: ExecutionRun) -> dict[str, Any]:
    """The execution's input beside the complaint id: where it goes on from (ids and state names only)."""
    return {"resume": {"stage": run.resume}} if run.resume else {"appeal": run.kind == "appeal"}


def start(workflow: Workflow, record: ComplaintRecord, name: str) -> bool:
    """Start a recorded execution; False when Step Functions did not take it now (the sweep starts it again)."""
    run = next(r for r in record.runs if r.name == name)
    try:
        workflow.start(record.complaint_id, facts(run), name=run.name)
    except (WorkflowUnavailable, WorkflowUncertain) as exc:
        logger.warning("execution not started yet; the sweep starts it again",
                       extra={"complaint_id": record.complaint_id, "execution": run.name,
                              "error": type(exc).__name__})
        return False
    logger.info("execution started", extra={"complaint_id": record.complaint_id, "execution": run.name,
                                            "kind": run.kind, "resume": run.resume})
    return True
