"""What a piece of work costs on AWS, metered on the local stack.

Counts, while a meter is on, every request AWS bills: DynamoDB requests and
the read and write capacity units they would consume (computed from each
request's and answer's item sizes by DynamoDB's sizing rules), Lambda
invocations and their billed GB-seconds (each duration rounded up to the
millisecond, at the function's MemorySize from template.yaml), HTTP API
requests, SQS requests (each 64 KB chunk of a request's payload, and the
event source's receive and delete of each batch it hands a function), and
every other AWS request a function makes, by service and operation.
The reminders sweeps' invocations and their queries of the timers index are
left out: they run every minute whatever the number of complaints; what a
sweep does for a complaint whose timer fell due is metered. Messages (SMS, e-mail) are counted
from the outbox by whoever runs the meter.

The meter sees every AWS call a function's container makes at the local AWS
endpoint (infra.local.aws_endpoint), with the invocation that made it, and
observes the local functions' invocations through infra.local.runtime;
`uninstall()` takes both away again.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.dynamodb_billing import (
    INDEX_ATTRIBUTES,
    INDEX_KEY_NAMES,
    INDEX_KEYS,
    item_size,
    key_id,
    key_of,
    rru,
    stored,
    stored_size,
    updated_names,
    written_keys,
    wru,
)
from infra.local import aws_endpoint, runtime

UNMETERED_HEADER = "x-local-unmetered"  # a benchmark's own polling, left out of what it measures


@dataclass
class Meter:
    dynamodb_requests: Counter[str] = field(default_factory=Counter)
    # The same requests by the function that made them ("ClassifyFunction GetItem").
    requests_by_function: Counter[str] = field(default_factory=Counter)
    rru: float = 0.0
    wru: float = 0.0
    invocations: Counter[str] = field(default_factory=Counter)
    durations_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    api_requests: int = 0
    # Every AWS request the functions made, "service Operation" (DynamoDB's too).
    aws_requests: Counter[str] = field(default_factory=Counter)
    sqs_requests: float = 0.0  # as SQS bills them: each 64 KB chunk of a request's payload is one request
    lambda_gb_seconds: float = 0.0  # billed: each invocation's duration rounded up to 1 ms, at its MemorySize
    on: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # The sizes of the items a write request finds before moto acts on it, by request: DynamoDB bills an
    # update, a delete and an overwrite by the larger of the item's sizes before and after.
    _found: dict[int, dict[tuple[str, str], dict[str, Any]]] = field(default_factory=dict)
    _removals: list[Callable[[], None]] = field(default_factory=list)

    # ------------------------------------------------------------ switching
    def reset(self) -> None:
        with self._lock:
            self.dynamodb_requests.clear()
            self.requests_by_function.clear()
            self.rru = self.wru = 0.0
            self.invocations.clear()
            self.durations_ms.clear()
            self.api_requests = 0
            self.aws_requests.clear()
            self.sqs_requests = self.lambda_gb_seconds = 0.0
            self._found.clear()

    # ------------------------------------------------------------ DynamoDB
    def _call(self, call: aws_endpoint.Call) -> None:
        if not self.on or _unmetered(call.event) or (_scheduled(call.event) and call.operation == "Query"):
            return  # the sweeps read the timers every minute, a fixed cost; what they do with a due one is not
        with self._lock:
            self.aws_requests[f"{call.service_id} {call.operation}"] += 1
            if call.service_id == "sqs":
                self.sqs_requests += _sqs_units(call.params)
        if call.service_id != "dynamodb":
            return
        self._written_units(call.operation, call.params)
        with self._lock:
            self.requests_by_function[f"{call.function.logical_id} {call.operation}"] += 1
        if call.status == 200 and call.answer is not None:
            self._read_units(call.operation, call.answer, bool(call.params.get("ConsistentRead")))

    def _before(self, call: aws_endpoint.Call) -> None:
        """The items a write is about to change, as they stand (their sizes), for billing it afterwards."""
        if not self.on or call.service_id != "dynamodb" or _unmetered(call.event):
            return
        found = {(table, key_id(key)): stored(table, key) or {} for table, key in written_keys(call.operation,
                                                                                              call.params)}
        if found:
            with self._lock:
                self._found[id(call.params)] = found

    def _written_units(self, name: str, params: dict[str, Any]) -> None:
        with self._lock:
            before = self._found.pop(id(params), {})
        units = 0.0
        if name in ("PutItem", "UpdateItem", "DeleteItem"):
            units = self._write(name, params, before)
        elif name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                if kind == "ConditionCheck":
                    units += 2 * wru(stored_size(body["TableName"], body["Key"]))
                else:  # the table's write is transactional (twice the units); the indexes' are not
                    units += self._write(f"{kind}Item", body, before, transactional=True)
        elif name == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    put, delete = request.get("PutRequest"), request.get("DeleteRequest")
                    units += (self._write("PutItem", {"TableName": table, **put}, before) if put
                              else self._write("DeleteItem", {"TableName": table, **delete}, before))
        with self._lock:
            self.dynamodb_requests[name] += 1
            self.wru += units

    def _write(self, name: str, body: dict[str, Any], before: dict[tuple[str, str], dict[str, Any]], *,
               transactional: bool = False) -> float:
        """One item's write as DynamoDB bills it: 1 KB units of the larger of its sizes before and after (twice in a
        transaction), and each index that holds what it changed (two writes where its index key changed)."""
        table = body["TableName"]
        key = key_of(table, body["Item"]) if name == "PutItem" else body["Key"]
        previous = before.get((table, key_id(key)), {})
        old = item_size(previous) if previous else 0
        if name == "PutItem":
            new, after = item_size(body["Item"]), body["Item"]
        elif name == "UpdateItem":
            after = stored(table, key) or {}
            new = item_size(after)
        else:
            new, after = 0, {}
        units = (2 if transactional else 1) * wru(max(old, new, 1))
        changed: set[str] | None = None  # the attributes the write changed; None: all of them (a new item)
        if name == "UpdateItem":
            changed = updated_names(body)
        elif name == "PutItem" and previous:
            changed = {k for k in previous.keys() | after.keys() if previous.get(k) != after.get(k)}
        for index, key_name in INDEX_KEYS.items():
            held = INDEX_ATTRIBUTES[index]
            if key_name not in after and key_name not in previous:
                continue
            if changed is not None and not (changed if held is None else changed & held):
                continue  # the write changed nothing this index holds
            size = wru(max(old, new, 1)) if held is None else 1
            moved = (changed is not None and bool(changed & INDEX_KEY_NAMES[index]) and key_name in previous
                     and key_name in after)
            units += size * (2 if moved else 1)  # a moved entry is a delete and a put
        return float(units)

    def _read_units(self, name: str, parsed: dict[str, Any], consistent: bool) -> None:
        units = 0.0
        if name == "GetItem":
            units = rru(item_size(parsed.get("Item") or {}), consistent)
        elif name in ("Query", "Scan"):
            units = rru(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
        elif name == "BatchGetItem":
            units = sum(rru(item_size(i), consistent) for items in parsed.get("Responses", {}).values()
                        for i in items)
        elif name == "TransactGetItems":
            units = sum(2 * rru(item_size(r.get("Item") or {}), True) for r in parsed.get("Responses", []))
        with self._lock:
            self.rru += units

    @contextmanager
    def _observe(self, function: runtime.LocalFunction, event: Any) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if self.on and not _unmetered(event) and not _scheduled(event):
                with self._lock:
                    self.invocations[function.logical_id] += 1
                    self.durations_ms[function.logical_id].append(elapsed)
                    self.lambda_gb_seconds += math.ceil(elapsed) / 1000 * function.memory / 1024
                    if _sqs_batch(event):  # the event source's ReceiveMessage that got it, and its delete
                        self.sqs_requests += 2
                    if isinstance(event, dict) and event.get("version") == "2.0" and "routeKey" in event:
                        self.api_requests += 1

    def install(self) -> Meter:
        """Meter every function's AWS calls and every local function invocation from now on."""
        self._removals = [aws_endpoint.observe_calls(self._call, before=self._before),
                          runtime.observe_invocations(self._observe)]
        return self

    def uninstall(self) -> None:
        """Stop metering: the botocore handlers and the invocation observer are removed."""
        for remove in reversed(self._removals):
            remove()
        self._removals = []


_SQS_CHUNK = 64 * 1024


def _sqs_units(params: dict[str, Any]) -> float:
    """An SQS request as billed: one per 64 KB chunk of its payload (message bodies and attributes)."""
    bodies = [params] if "MessageBody" in params else list(params.get("Entries") or [])
    size = sum(len(str(entry.get("MessageBody", "")).encode()) + len(str(entry.get("MessageAttributes") or ""))
               for entry in bodies)
    return float(max(1, math.ceil(size / _SQS_CHUNK)))


def _sqs_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    first = records[0] if isinstance(records, list) and records else None
    return isinstance(first, dict) and first.get("eventSource") == "aws:sqs"


def _scheduled(event: Any) -> bool:
    """A reminders sweep: the schedules' event is their input (a shard group), or the scheduler's own without one.

    The sweeps run every minute whatever the number of complaints: their invocations and their queries of the
    timers index are a fixed cost (docs/capacity.md), left out. What a sweep does for a complaint whose timer
    fell due (the survey's message released, a promise's reminder, an escalation) is metered as that
    complaint's.
    """
    return isinstance(event, dict) and (event.get("source") == "aws.scheduler" or "shard_group" in event)


def _unmetered(event: Any) -> bool:
    """A harness's polling reads are not the work."""
    return isinstance(event, dict) and (event.get("headers") or {}).get(UNMETERED_HEADER) == "1"


_METER: Meter | None = None


def meter() -> Meter:
    """The process's one meter, installed on first use (before the local stack starts, to see its clients)."""
    global _METER
    if _METER is None:
        _METER = Meter().install()
    return _METER


def stop_metering() -> None:
    """Take the process's meter away again (a test that metered leaves nothing behind)."""
    global _METER
    if _METER is not None:
        _METER.uninstall()
        _METER = None
