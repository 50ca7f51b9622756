"""In-process Lambda: moto's Lambda service dispatches invocations to functions/.

The state machine invokes functions through moto's Lambda API, exactly as on
AWS; this module replaces moto's container runner with a call to the handler
imported from the function's CodeUri, shaping errors the way Lambda does so
the ASL catches them by name.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from sortedcontainers import SortedList

from complaints.core.observability import metrics

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


@dataclass
class LocalFunction:
    """A function with its own pool of containers, as Lambda runs it.

    Lambda gives each concurrent invocation a container of its own, so module
    state (an Event Handler's current event and context) is never shared by
    two requests. Here each container is a separate import of the handler
    module; an invocation takes an idle one or starts a new one.
    """

    logical_id: str
    name: str
    code_dir: Path
    handler_name: str
    memory: int
    arn: str = ""
    _idle: list[Handler] = field(default_factory=list)
    _started: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _container(self) -> Handler:
        with self._lock:
            if self._idle:
                return self._idle.pop()
            self._started += 1
            number = self._started
        return load_handler(self.code_dir, self.handler_name, f"{self.logical_id}_{number}")

    def warm(self) -> None:
        """Start one container now, as a deployment's first invocation would."""
        container = self._container()
        with self._lock:
            self._idle.append(container)

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.name, self.memory, invoked_function_arn=self.arn)
        handler = self._container()
        try:
            return handler(event, context)
        finally:
            # With metrics disabled Powertools never clears its buffer; Lambda starts each
            # invocation clean, so the shared local process does the same.
            metrics.clear_metrics()
            with self._lock:
                self._idle.append(handler)


_functions: dict[str, LocalFunction] = {}
_write_lock = threading.RLock()


def load_module(code_dir: Path, module_name: str, logical_id: str) -> ModuleType:
    """Import a function's module under a name of its own (every handler file is app.py)."""
    name = f"fn_{logical_id}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, code_dir / f"{module_name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_handler(code_dir: Path, handler: str, logical_id: str) -> Handler:
    module_name, _, attribute = handler.rpartition(".")
    function: Handler = getattr(load_module(code_dir, module_name, logical_id), attribute)
    return function


def register(function: LocalFunction) -> None:
    _functions[function.name] = function


def _invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> bytes:
    function = _functions[self.function_name]
    event = json.loads(body) if body else {}
    try:
        result = function.invoke(event)
    except Exception as exc:  # noqa: BLE001 - turned into a Lambda function error, as Lambda does
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps({
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_tb(exc.__traceback__)[-3:],
        }).encode()
    return json.dumps(result).encode()


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _write_lock:
            return method(*args, **kwargs)

    return locked


class _NoTableCopies:
    """moto backs up every table a transaction touches with a deep copy, which makes each
    transaction cost as much as the whole table; the rollback below restores just the
    items the transaction named instead."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_keys(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Table, Any, Any]]:
    keys = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.get_table(op["TableName"])
        key = op.get("Key") or op["Item"]
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        keys.append((table, hash_value, range_value))
    return keys


def _with_item_rollback(transact: Callable[..., Any]) -> Callable[..., Any]:
    def run(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> Any:
        keys = _item_keys(self, transact_items)
        before = [copy.deepcopy(table.get_item(h, r)) for table, h, r in keys]
        try:
            return transact(self, transact_items)
        except Exception:
            for (table, hash_value, range_value), item in zip(keys, before, strict=True):
                if item is not None:
                    if range_value is not None:
                        table.items[hash_value][range_value] = item
                    else:
                        table.items[hash_value] = item  # type: ignore[assignment]
                elif table.get_item(hash_value, range_value) is not None:
                    table.delete_item(hash_value, range_value)
            raise

    return run


def install() -> None:
    """Route moto's Lambda invocations to the registered handlers.

    DynamoDB applies each write atomically; moto's in-memory table does not
    lock, so writes are serialised here to keep conditional writes honest
    under concurrent requests.
    """
    if getattr(LambdaFunction.invoke, "_local_stack", False):
        return
    _invoke._local_stack = True  # type: ignore[attr-defined]
    LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    dynamodb_models.copy = _NoTableCopies  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = _with_item_rollback(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items)
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))


# ---------------------------------------------------------------- index-backed GSI queries
class _PartitionIndex:
    """For one table: GSI hash-key value → the items in that index partition.

    moto answers a query on a global secondary index by walking every item of
    the table; DynamoDB reads only the partition. Benchmarks that compare costs
    at different table sizes enable this so the local stack's query cost
    follows the partition, as DynamoDB's does.
    """

    def __init__(self, table: Table) -> None:
        # hash attribute of each index → its range attribute; entries sorted by the range value
        self.ranges = {next(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"):
                       next((k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"), None)
                       for index in table.global_indexes}
        self.partitions: dict[tuple[str, Any], SortedList] = {}
        self.placed: dict[tuple[Any, Any], list[tuple[tuple[str, Any], tuple[str, str]]]] = {}
        self.keys: dict[str, tuple[Any, Any]] = {}
        self.lock = threading.RLock()
        for item in table.all_items():
            self.place(item)

    def remove(self, key: tuple[Any, Any]) -> None:
        for slot, entry in self.placed.pop(key, []):
            partition = self.partitions.get(slot)
            if partition is not None:
                partition.discard(entry)

    def place(self, item: Any) -> None:
        key = (item.hash_key, item.range_key)
        self.remove(key)
        name = repr(key)
        self.keys[name] = key
        placed = []
        for attr, range_attr in self.ranges.items():
            if attr not in item.attrs or (range_attr and range_attr not in item.attrs):
                continue
            slot = (attr, item.attrs[attr])
            entry = (str(item.attrs[range_attr].value) if range_attr else "", name)
            self.partitions.setdefault(slot, SortedList()).add(entry)
            placed.append((slot, entry))
        self.placed[key] = placed

    def keys_in(self, slot: tuple[str, Any], comparison: str | None, values: list[Any]) -> list[tuple[Any, Any]]:
        """The partition's keys, narrowed by the range condition where it is a simple bound."""
        partition = self.partitions.get(slot)
        if partition is None:
            return []
        if comparison in ("<=", "<") and values:
            bound = str(values[0].value)
            entries = partition.irange(maximum=(bound, "\uffff") if comparison == "<=" else (bound, ""),
                                       inclusive=(True, comparison == "<="))
        else:
            entries = iter(partition)
        return [self.keys[name] for _, name in entries]


_partition_indexes: dict[int, _PartitionIndex] = {}


def _partition_index(table: Table) -> _PartitionIndex:
    index = _partition_indexes.get(id(table))
    if index is None:
        index = _partition_indexes[id(table)] = _PartitionIndex(table)
    return index


def install_indexed_queries() -> None:
    """Make GSI queries on the local tables cost what the partition holds, not the whole table."""
    if getattr(Table.query, "_indexed", False):
        return
    original_put, original_delete, original_query = Table.put_item, Table.delete_item, Table.query
    original_update = DynamoDBBackend.update_item

    def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        index = _partition_index(self)
        with index.lock:
            index.place(item)
        return item

    def delete_item(self: Table, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        index = _partition_index(self)
        with index.lock:
            index.remove((hash_key, range_key))
        return item

    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        result = original_update(self, table_name, key, *args, **kwargs)
        table = self.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = table.get_item(hash_value, range_value)
        if item is not None:
            index = _partition_index(table)
            with index.lock:
                index.place(item)
        return result

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        index_name = args[7] if len(args) > 7 else kwargs.get("index_name")  # moto passes it eighth
        conditions = kwargs.get("hash_key_conditions") or []
        index = _partition_index(self)
        with index.lock:
            if not index_name:
                # A query on the table itself reads one partition too.
                partition = self.items.get(args[0]) if args and self.range_key_attr else None
                if partition is None:
                    return original_query(self, *args, **kwargs)
                candidates = list(partition.values())
            elif len(conditions) == 1:
                ranges = kwargs.get("range_key_conditions") or []
                comparison, values = (ranges[-1][1], ranges[-1][2]) if len(ranges) == 1 else (None, [])
                keys = index.keys_in((conditions[0][0], conditions[0][1]), comparison, values)
                candidates = [item for h, r in keys if (item := self.get_item(h, r)) is not None]
            else:
                return original_query(self, *args, **kwargs)
            self.all_items = lambda: candidates  # type: ignore[method-assign]
            try:
                return original_query(self, *args, **kwargs)
            finally:
                del self.all_items

    query._indexed = True  # type: ignore[attr-defined]
    Table.put_item, Table.delete_item, Table.query = put_item, delete_item, query  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _serialised(update_item)  # type: ignore[method-assign]
