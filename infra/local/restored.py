"""Putting a data directory's state back into moto's backends at start-up.

Items go back into their tables through the backend (so indexes follow).
Executions come back as `StoredExecution`s: finished, with the history they
had, answering DescribeExecution, ListExecutions and GetExecutionHistory as
before the restart. One that was running when the stack stopped did not go
on (its interpreter thread is gone): it comes back ABORTED, with an
ExecutionAborted event that says why, and the desk starts a new execution
where the complaint stood (its redrive).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from infra.local.durable import DeskState, Store

STOPPED_CAUSE = "the local stack stopped while this execution ran; the complaint goes on in a new execution"


class _NoCallbacks:
    """A finished execution waits on no task token: SendTask* calls pass it by, as moto's own do."""

    @staticmethod
    def notify(callback_id: str, outcome: Any) -> bool:
        return False

    @staticmethod
    def heartbeat(callback_id: str) -> bool:
        return False


class _Env:
    callback_pool_manager = _NoCallbacks()


class _Worker:
    env = _Env()


class StoredExecution:
    """An execution from before the restart, as moto's backends and responses read one."""

    def __init__(self, start: dict[str, Any], events: list[dict[str, Any]], end: dict[str, Any],
                 state_machine: Any) -> None:
        from moto.stepfunctions.parser.api import ExecutionStatus

        self.name = start["name"]
        self.execution_arn = self.exec_arn = start["arn"]
        self.state_machine = state_machine
        self.state_machine_arn = start["sm"]
        self.execution_input = start["input"]
        self.input_data = json.loads(start["input"])
        self.trace_header = start.get("trace")
        self.start_date = datetime.fromisoformat(start["start"])
        self.exec_status = ExecutionStatus(end["status"])
        self.stop_date = datetime.fromisoformat(end["stop"]) if end.get("stop") else None
        self.output = end.get("output")
        self.output_details = {"included": True}
        self.error = end.get("error")
        self.cause = end.get("cause")
        self.exec_worker = _Worker()
        self._events = events

    @property
    def status(self) -> str:
        return str(self.exec_status.value)

    def to_history_output(self) -> dict[str, Any]:
        return {"events": [dict(event) for event in self._events]}

    def stop(self, stop_date: datetime, error: str | None, cause: str | None) -> None:
        """Stopping an execution that has ended changes nothing."""


def _aborted(arn: str, events: list[dict[str, Any]], now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    last = max((int(event.get("id", 0)) for event in events), default=0)
    event = {"id": last + 1, "previousEventId": last, "type": "ExecutionAborted",
             "timestamp": now.isoformat(timespec="milliseconds"),
             "executionAbortedEventDetails": {"error": "States.Runtime", "cause": STOPPED_CAUSE}}
    end = {"t": "ended", "arn": arn, "status": "ABORTED", "stop": now.isoformat(), "output": None,
           "error": "States.Runtime", "cause": STOPPED_CAUSE}
    return event, end


def tables(state: DeskState, backend: Any) -> int:
    """Every kept item back into its table; the count."""
    count = 0
    for table, items in state.tables.items():
        if table not in backend.tables:
            continue  # a table the template no longer has
        for attributes in items.values():
            backend.put_item(table, attributes)
            count += 1
    return count


def executions(state: DeskState, backend: Any, store: Store) -> list[str]:
    """Every kept execution back on its state machine; the ARNs of those that were running (now aborted)."""
    machines = {machine.arn: machine for machine in backend.state_machines}
    interrupted = []
    now = datetime.now(UTC)
    for arn, kept in state.executions.items():
        machine = machines.get(kept["start"]["sm"])
        if machine is None:
            continue
        end = kept["end"]
        if end is None:  # it was running: it ends here, and says so in its history
            event, end = _aborted(arn, kept["events"], now)
            kept["events"].append(event)
            kept["end"] = end
            store.append({"t": "event", "arn": arn, "e": event})
            store.append(end)
            interrupted.append(arn)
        machine.executions.append(StoredExecution(kept["start"], kept["events"], end, machine))
    store.sync()
    return interrupted
