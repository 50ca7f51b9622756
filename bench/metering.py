"""What a piece of work costs on AWS, metered on the local stack.

Counts, while a meter is on: DynamoDB requests and the read and write
capacity units they would consume (computed from each request's and answer's
item sizes by DynamoDB's sizing rules), Lambda invocations and their
durations, and HTTP API requests. Scheduled invocations (the reminders sweep)
are left out: they run every minute whatever the number of complaints.

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
from pathlib import Path
from typing import Any

from infra.local import aws_endpoint, runtime
from infra.local.dynamodb_sizes import attribute_size, item_size
from infra.local.template import load_template

# Index key attributes of the complaints table: an item carrying one is also written to that index.
# The complaints table's indexes as the template declares them: each one's partition key, and which keep
# only a few attributes (a small projection costs one unit per write).
_INDEXES = load_template(Path(__file__).resolve().parents[1] / "template.yaml")[
    "Resources"]["ComplaintsTable"]["Properties"]["GlobalSecondaryIndexes"]
INDEX_KEYS = {index["IndexName"]: next(k["AttributeName"] for k in index["KeySchema"] if k["KeyType"] == "HASH")
              for index in _INDEXES}
INCLUDE_PROJECTIONS = {index["IndexName"] for index in _INDEXES if index["Projection"]["ProjectionType"] != "ALL"}
UNMETERED_HEADER = "x-local-unmetered"  # a benchmark's own polling, left out of what it measures


def _wru(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _rru(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return float(units) if consistent else units / 2


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
    on: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
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

    # ------------------------------------------------------------ DynamoDB
    def _call(self, call: aws_endpoint.Call) -> None:
        if not self.on or call.service_id != "dynamodb" or _unmetered(call.event):
            return
        self._written_units(call.operation, call.params)
        with self._lock:
            self.requests_by_function[f"{call.function.logical_id} {call.operation}"] += 1
        if call.status == 200 and call.answer is not None:
            self._read_units(call.operation, call.answer, bool(call.params.get("ConsistentRead")))

    def _written_units(self, name: str, params: dict[str, Any]) -> None:
        units = 0.0
        if name == "PutItem":
            units = self._written(params["Item"])
        elif name in ("UpdateItem", "DeleteItem"):
            units = _wru(item_size(params["Key"]) + sum(attribute_size(v) for v in
                                                         (params.get("ExpressionAttributeValues") or {}).values()))
        elif name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                if kind == "Put":  # the table's write is transactional (twice the units); the indexes' are not
                    units += 2 * _wru(item_size(body["Item"])) + self._index_writes(body["Item"])
                elif kind == "ConditionCheck":
                    units += 2 * _wru(item_size(body["Key"]))
                else:
                    units += 2 * _wru(item_size(body["Key"]) + sum(
                        attribute_size(v) for v in (body.get("ExpressionAttributeValues") or {}).values()))
        elif name == "BatchWriteItem":
            for requests in params["RequestItems"].values():
                for request in requests:
                    put = request.get("PutRequest")
                    units += self._written(put["Item"]) if put else 1
        with self._lock:
            self.dynamodb_requests[name] += 1
            self.wru += units

    @staticmethod
    def _written(item: dict[str, Any]) -> float:
        return _wru(item_size(item)) + Meter._index_writes(item)

    @staticmethod
    def _index_writes(item: dict[str, Any]) -> float:
        """Each index whose key the item carries gets its copy (the whole item where the projection is ALL)."""
        size = item_size(item)
        return float(sum(1 if index in INCLUDE_PROJECTIONS else _wru(size)
                         for index, key in INDEX_KEYS.items() if key in item))

    def _read_units(self, name: str, parsed: dict[str, Any], consistent: bool) -> None:
        units = 0.0
        if name == "GetItem":
            units = _rru(item_size(parsed.get("Item") or {}), consistent)
        elif name in ("Query", "Scan"):
            units = _rru(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
        elif name == "BatchGetItem":
            units = sum(_rru(item_size(i), consistent) for items in parsed.get("Responses", {}).values()
                        for i in items)
        elif name == "TransactGetItems":
            units = sum(2 * _rru(item_size(r.get("Item") or {}), True) for r in parsed.get("Responses", []))
        with self._lock:
            self.rru += units

    @contextmanager
    def _observe(self, function: runtime.LocalFunction, event: Any) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            if self.on and not _unmetered(event):
                with self._lock:
                    self.invocations[function.logical_id] += 1
                    self.durations_ms[function.logical_id].append(elapsed)
                    if isinstance(event, dict) and event.get("version") == "2.0" and "routeKey" in event:
                        self.api_requests += 1

    def install(self) -> Meter:
        """Meter every function's AWS calls and every local function invocation from now on."""
        self._removals = [aws_endpoint.observe_calls(self._call), runtime.observe_invocations(self._observe)]
        return self

    def uninstall(self) -> None:
        """Stop metering: the botocore handlers and the invocation observer are removed."""
        for remove in reversed(self._removals):
            remove()
        self._removals = []


def _unmetered(event: Any) -> bool:
    """The reminders schedules run whatever the load (their event is the schedule's input: a shard group, or the
    scheduler's own without one); a harness's polling reads are not the work."""
    return isinstance(event, dict) and (event.get("source") == "aws.scheduler" or "shard_group" in event
                                        or (event.get("headers") or {}).get(UNMETERED_HEADER) == "1")


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
