"""Every change the local stack makes to moto's and botocore's internals, each checked before it is made.

The local stack promises that what passes on it works on AWS. Where moto
behaves otherwise (Lambda in containers, writes without a lock, a copy of the
whole table for every transaction, queries that walk every item), the stack
changes moto's private code. Private code changes without notice, and a patch
applied over a changed signature tends to give wrong answers rather than fail.
So each patch here says what it restores, names the version it was written
for (requirements.lock's pin) and lists the signatures, attributes and source
lines it relies on. `install()` checks all of them first and refuses to run
on any mismatch, naming the patch, what it expected, what it found and what
to check. Every patch can be removed again. tests/unit/local holds each one
to its promise against moto in-process.
"""

from __future__ import annotations

import copy
import functools
import importlib
import importlib.metadata
import inspect
import json
import pickle
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra.local import durable, indexed_queries, runtime

# The versions the patches were written for and checked against: requirements.lock's pins.
WRITTEN_FOR = {"moto": "5.2.5", "botocore": "1.44.5"}
_UPGRADE = ("read that patch below against the new {package} source, run tests/unit/local, "
            "then update WRITTEN_FOR in infra/local/moto_patches.py")


class PatchMismatch(RuntimeError):
    """moto or botocore is not what a patch was written for; the local stack does not run on it."""


# ---------------------------------------------------------------- what a patch relies on
def _resolve(path: str) -> Any:
    """An object by dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            target = _original(getattr(target, name))
        return target
    raise ImportError(f"no module in {path}")


def _original(value: Any) -> Any:
    """Where a patch here stands, what it relies on is what it replaced."""
    while id(value) in _replaced:
        value = _replaced[id(value)][1]
    return value


@dataclass(frozen=True)
class Expectation:
    """One thing a patch relies on: `describe` tells what the target is now, in the words of `expected`."""

    target: str
    expected: str
    describe: Callable[[Any], str]

    def found(self) -> str:
        try:
            return self.describe(_resolve(self.target))
        except (ImportError, AttributeError) as exc:
            return f"nothing there ({exc})"


def _parameter_list(function: Any) -> str:
    marks: dict[Any, str] = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    names = (marks.get(p.kind, "") + p.name for p in inspect.signature(function).parameters.values())
    return f"parameters ({', '.join(names)})"


def parameters(target: str, *names: str) -> Expectation:
    """The target's parameters, by name and position (the patch calls or replaces it)."""
    return Expectation(target, f"parameters ({', '.join(names)})", _parameter_list)


def source_with(target: str, *fragments: str) -> Expectation:
    """Lines of the target's source that the patch's reasoning depends on."""
    expected = "source containing " + "; ".join(repr(f) for f in fragments)

    def describe(obj: Any) -> str:
        text = inspect.getsource(obj)
        missing = [f for f in fragments if f not in text]
        return expected if not missing else "source without " + "; ".join(repr(f) for f in missing)

    return Expectation(target, expected, describe)


def module_copy_calls(target: str, *allowed: str) -> Expectation:
    """The module's own `copy` is the standard library's and it calls only these functions of it."""
    expected = f"the standard library's copy module, used as copy.{'/'.join(allowed)} only"

    def describe(module: Any) -> str:
        own = _original(getattr(module, "copy", None))
        if own is not copy:
            return f"copy is {own!r}"
        used = sorted(set(re.findall(r"\bcopy\.(\w+)\(", inspect.getsource(module))))
        return expected if set(used) <= set(allowed) else f"copy.{', copy.'.join(used)} used"

    return Expectation(target, expected, describe)


def a_list(target: str) -> Expectation:
    return Expectation(target, "a list", lambda obj: "a list" if isinstance(obj, list) else type(obj).__name__)


# ---------------------------------------------------------------- patches
@dataclass
class _Swaps:
    """What one patch changed, so it can be put back (and refused when someone changed it again since)."""

    patch: str
    changed: list[tuple[Any, str, Any, Any]] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def swap(self, owner: Any, name: str, replacement: Any) -> Any:
        before = vars(owner).get(name, _MISSING)
        setattr(owner, name, replacement)
        self.changed.append((owner, name, before, replacement))
        if before is not _MISSING:
            _replaced[id(replacement)] = (replacement, before)
        return before

    def undo(self) -> None:
        for owner, name, _, replacement in self.changed:
            if vars(owner).get(name, _MISSING) is not replacement:
                raise PatchMismatch(f"patch {self.patch}: {getattr(owner, '__name__', owner)}.{name} was replaced "
                                    "again after it was patched; remove that later change first")
        for owner, name, before, replacement in reversed(self.changed):
            _replaced.pop(id(replacement), None)
            if before is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, before)
        for cleanup in reversed(self.cleanups):
            cleanup()
        self.changed.clear()
        self.cleanups.clear()


_MISSING = object()
_replaced: dict[int, tuple[Any, Any]] = {}  # id of a replacement in place → (it, what it replaced)


@dataclass(frozen=True)
class Patch:
    name: str
    restores: str  # the AWS behaviour it gives the local stack, and why moto needs it
    package: str
    relies_on: tuple[Expectation, ...]
    check_after_upgrade: str  # what to read in the new version beyond the signatures
    apply: Callable[[_Swaps], None] | None  # None: applied through its own function (see below)
    default: bool = True  # installed by every local stack; otherwise on request

    def problems(self) -> list[str]:
        found: list[str] = []
        written_for = WRITTEN_FOR[self.package]
        installed = importlib.metadata.version(self.package)
        if installed != written_for:
            found.append(f"patch {self.name}: written for {self.package} {written_for}, found {self.package} "
                         f"{installed}; {_UPGRADE.format(package=self.package)}; check {self.check_after_upgrade}")
        for expectation in self.relies_on:
            now = expectation.found()
            if now != expectation.expected:
                found.append(f"patch {self.name}: {expectation.target} — expected {expectation.expected}, found "
                             f"{now}; check {self.check_after_upgrade}")
        return found


# lambda_in_process ------------------------------------------------
def _invoke_in_process(self: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
    from moto.awslambda.exceptions import LambdaClientError

    function = runtime.registered(self.function_name)
    event = json.loads(body) if body else {}
    try:
        result = function.invoke(event)
    except runtime.RequestTooLarge as refused:
        error = LambdaClientError("RequestTooLargeException", str(refused))
        error.code = 413
        raise error from None
    except runtime.Throttled as throttled:
        error = LambdaClientError("TooManyRequestsException", str(throttled))
        error.code = 429
        raise error from None
    except runtime.FunctionError as failed:  # the function's error, answered as Lambda answers it
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(failed.payload()).encode()
    except Exception as exc:  # noqa: BLE001 - a failure around the function (tests inject the service's)
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(runtime.FunctionError(type(exc).__name__, str(exc)).payload()).encode()
    return json.dumps(result).encode()


def _lambda_in_process(swaps: _Swaps) -> None:
    from moto.awslambda.models import LambdaFunction

    swaps.swap(LambdaFunction, "invoke", _invoke_in_process)


# serialised_writes -------------------------------------------------
WRITE_LOCK = threading.RLock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
# Reads iterate a table's items; a write on another thread meanwhile changes the dict they iterate
# ("dictionary changed size during iteration"). BatchGetItem and TransactGetItems read through get_item.
_READS = ("get_item", "query", "scan")


def serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with WRITE_LOCK:
            return method(*args, **kwargs)

    return locked


def _serialised_writes(swaps: _Swaps) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in (*_WRITES, *_READS):
        swaps.swap(DynamoDBBackend, name, serialised(vars(DynamoDBBackend)[name]))


# transaction_rollback_by_item --------------------------------------
class _NoTableCopies:
    """Stands in for the copy module inside moto.dynamodb.models: a table is not deep-copied."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_keys(backend: Any, transact_items: Iterable[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

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
    @functools.wraps(transact)
    def run(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        with WRITE_LOCK:  # the snapshot, the writes and a rollback are one step for every other writer
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
                            table.items[hash_value] = item
                    elif table.get_item(hash_value, range_value) is not None:
                        table.delete_item(hash_value, range_value)
                    indexed_queries.restored(table, hash_value, range_value)
                raise

    return run


def _transaction_rollback_by_item(swaps: _Swaps) -> None:
    import moto.dynamodb.models as dynamodb_models

    swaps.swap(dynamodb_models, "copy", _NoTableCopies)
    backend = dynamodb_models.DynamoDBBackend
    swaps.swap(backend, "transact_write_items", _with_item_rollback(vars(backend)["transact_write_items"]))


# durable_state ------------------------------------------------------
_nested = threading.local()  # a transaction's own put/update/delete calls are journaled with it, not alone


def _write_keys(method_name: str, backend: Any, arguments: dict[str, Any]) -> list[tuple[Any, Any, Any]]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if method_name == "transact_write_items":
        return _item_keys(backend, arguments["transact_items"])
    table = backend.get_table(arguments["table_name"])
    key = arguments["item_attrs"] if method_name == "put_item" else arguments["key"]
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return [(table, DynamoType(key[table.hash_key_attr]), range_value)]


def _journaled(method_name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        store = durable.live()
        depth = getattr(_nested, "depth", 0)
        if store is None or depth:
            return method(self, *args, **kwargs)
        _nested.depth = 1
        try:
            with WRITE_LOCK:  # the journal's order is the order the writes were made in
                keys = _write_keys(method_name, self, signature.bind(self, *args, **kwargs).arguments)
                result = method(self, *args, **kwargs)
                images = []
                for table, hash_value, range_value in keys:
                    item = table.get_item(hash_value, range_value)
                    key = json.dumps([hash_value.to_json(), range_value.to_json() if range_value else None],
                                     sort_keys=True)
                    images.append([table.name, key, item.to_json()["Attributes"] if item is not None else None])
                store.append({"t": "items", "w": images})
                return result
        finally:
            _nested.depth = 0

    return write


def _execution_started(start: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(start)
    def started(self: Any) -> None:
        store = durable.live()
        if store is not None:  # before the interpreter's thread adds the first event
            store.append({"t": "execution", "arn": self.exec_arn, "name": self.name,
                          "sm": self.state_machine_arn, "input": self.execution_input,
                          "start": self.start_date.isoformat(), "trace": self.trace_header})
        start(self)

    return started


def _environment_named(make: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(make)
    def named(self: Any) -> Any:
        env = make(self)
        env.event_manager.durable_arn = self._evaluation_details.execution_details.arn
        return env

    return named


def _event_kept(publish: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(publish)
    def kept(self: Any, *args: Any, **kwargs: Any) -> None:
        publish(self, *args, **kwargs)
        store, arn = durable.live(), getattr(self, "durable_arn", None)
        if store is not None and arn is not None:
            store.append({"t": "event", "arn": arn, "e": self._history_event_list[-1]})

    return kept


def _end_kept(terminated: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(terminated)
    def ended(self: Any) -> None:
        terminated(self)
        store, execution = durable.live(), self.execution
        if store is not None:
            stop = execution.stop_date.isoformat() if execution.stop_date else None
            store.append({"t": "ended", "arn": execution.exec_arn, "status": execution.status, "stop": stop,
                          "output": execution.output, "error": execution.error, "cause": execution.cause})

    return ended


def _durable_state(swaps: _Swaps) -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    for name in _WRITES:
        swaps.swap(DynamoDBBackend, name, _journaled(name, vars(DynamoDBBackend)[name]))
    swaps.swap(Execution, "start", _execution_started(vars(Execution)["start"]))
    swaps.swap(ExecutionWorker, "_get_evaluation_environment",
               _environment_named(vars(ExecutionWorker)["_get_evaluation_environment"]))
    swaps.swap(EventManager, "_publish_history_event", _event_kept(vars(EventManager)["_publish_history_event"]))
    swaps.swap(BaseExecutionWorkerCommunication, "terminated",
               _end_kept(vars(BaseExecutionWorkerCommunication)["terminated"]))


# indexed_gsi_queries -----------------------------------------------
def _indexed_gsi_queries(swaps: _Swaps) -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    for owner, name, replacement in indexed_queries.replacements(Table, DynamoDBBackend, serialised):
        swaps.swap(owner, name, replacement)
    indexed_queries.enable()
    swaps.cleanups.append(indexed_queries.disable)


# parsed_once ---------------------------------------------------------
_PROGRAMS: dict[str, bytes] = {}  # a state machine's definition → its parsed program, pickled
_PROGRAMS_LOCK = threading.Lock()


def _program(definition: str) -> Any:
    """A fresh copy of the definition's parsed program: parsed the first time, unpickled after.

    Each execution gets a copy of its own, as a parse would give it (the interpreter keeps a
    retry's attempt count and the like under each component's key, created on first use).
    """
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    with _PROGRAMS_LOCK:  # held while parsing: executions starting together wait for one parse
        parsed = _PROGRAMS.get(definition)
        if parsed is None:
            program = AmazonStateLanguageParser.parse(definition)[0]
            try:
                _PROGRAMS[definition] = pickle.dumps(program)
            except (pickle.PicklingError, TypeError, AttributeError):
                pass  # a definition whose program does not pickle is parsed every time, as before
            return program
    return pickle.loads(parsed)  # noqa: S301 - the stack's own bytes, made just above


def _parsed_programs(swaps: _Swaps) -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    def entrypoint(self: Any) -> Any:
        return _program(self._evaluation_details.state_machine_details.definition)

    swaps.swap(ExecutionWorker, "_get_evaluation_entrypoint", entrypoint)
    swaps.cleanups.append(_PROGRAMS.clear)


def _cached_json_paths(swaps: _Swaps) -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        # A parsed path is read-only (find, update_or_create change the data, not the path).
        swaps.swap(module, "parse", functools.lru_cache(maxsize=4096)(vars(module)["parse"]))


def _reused_lambda_client(swaps: _Swaps) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    make = vars(lambda_eval_utils)["boto_client_for"]
    clients: dict[tuple[str, str], Any] = {}
    lock = threading.Lock()

    def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # botocore clients are thread-safe; the credentials are moto's placeholders, never the state's
        with lock:
            client = clients.get((region, service))
            if client is None:
                client = clients[(region, service)] = make(region=region, service=service)
            return client

    swaps.swap(lambda_eval_utils, "boto_client_for", client_for)
    swaps.cleanups.append(clients.clear)


# attribute_values_as_json -------------------------------------------
_SCALAR_TAGS = frozenset({"S", "N"})
_SET_TAGS = frozenset({"SS", "NS"})


def _attribute_value(value: dict[str, Any]) -> dict[str, Any] | None:
    """An AttributeValue in DynamoDB's JSON as moto's serializer writes it; None where that needs the serializer.

    Strings and numbers, string and number sets, booleans and NULL, maps and lists of them, exactly as the
    model-driven serializer leaves them; binary values (base64) go the serializer's way.
    """
    answer: dict[str, Any] = {}
    for tag, item in value.items():
        if item is None:
            continue
        if tag in _SCALAR_TAGS and type(item) is str:
            answer[tag] = item
        elif tag in ("BOOL", "NULL") and type(item) is bool:
            answer[tag] = item
        elif tag in _SET_TAGS and type(item) is list and all(type(member) is str for member in item):
            answer[tag] = list(item)
        elif tag == "M" and type(item) is dict:
            members = {}
            for name, member in item.items():
                plain = _attribute_value(member) if type(member) is dict else None
                if plain is None:
                    return None
                members[name] = plain
            answer[tag] = members
        elif tag == "L" and type(item) is list:
            elements = []
            for element in item:
                plain = _attribute_value(element) if type(element) is dict else None
                if plain is None:
                    return None
                elements.append(plain)
            answer[tag] = elements
        else:
            return None
    return answer


def _attribute_values_as_json(swaps: _Swaps) -> None:
    from moto.core.serialize import BaseJSONSerializer

    structure = vars(BaseJSONSerializer)["_serialize_type_structure"]

    @functools.wraps(structure)
    def serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and type(value) is dict:
            plain = _attribute_value(value)
            if plain is not None:
                self._default_serialize(serialized, plain, shape, key)
                return
        structure(self, serialized, value, shape, key)

    swaps.swap(BaseJSONSerializer, "_serialize_type_structure", serialize)


# backends_by_host_kept ---------------------------------------------
def _backends_by_host_kept(swaps: _Swaps) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    find = vars(DomainDispatcherApplication)["get_backend_for_host"]
    found: dict[tuple[int, str | None], Any] = {}

    @functools.wraps(find)
    def backend_for_host(self: Any, host: str | None) -> Any:
        key = (id(self), host)  # called under the application's own lock
        if key not in found:
            found[key] = find(self, host)
        return found[key]

    swaps.swap(DomainDispatcherApplication, "get_backend_for_host", backend_for_host)
    swaps.cleanups.append(found.clear)


# executions_listed_once_started ------------------------------------
def _listed_once_started(swaps: _Swaps) -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    listed = vars(StepFunctionsParserBackend)["_get_executions"]

    @functools.wraps(listed)
    def executions(self: Any, execution_status: Any = None) -> list[Any]:
        if execution_status is None:
            return listed(self, execution_status)
        # An execution being started has no status yet: it is not among those with the status asked for.
        return [execution for execution in listed(self, None)
                if execution.exec_status is not None and execution.status == execution_status]

    swaps.swap(StepFunctionsParserBackend, "_get_executions", executions)


_TABLE = "moto.dynamodb.models.table.Table"
_BACKEND = "moto.dynamodb.models.DynamoDBBackend"
_SFN = "moto.stepfunctions.parser"
_EXECUTION = f"{_SFN}.backend.execution.Execution"
_WRITE_PARAMETERS = {
    "put_item": ("self", "table_name", "item_attrs", "expected", "condition_expression",
                 "expression_attribute_names", "expression_attribute_values", "overwrite",
                 "return_values_on_condition_check_failure"),
    "update_item": ("self", "table_name", "key", "update_expression", "expression_attribute_names",
                    "expression_attribute_values", "attribute_updates", "expected", "condition_expression",
                    "return_values_on_condition_check_failure"),
    "delete_item": ("self", "table_name", "key", "expression_attribute_names", "expression_attribute_values",
                    "condition_expression", "return_values_on_condition_check_failure"),
    "transact_write_items": ("self", "transact_items"),
}

PATCHES: tuple[Patch, ...] = (
    Patch(
        name="lambda_in_process",
        restores="Lambda runs the function's own code: moto would start a Docker container; this hands each "
                 "invocation to the function's own process containers (infra.local.runtime) and answers a raised "
                 "exception as Lambda does, an Unhandled function error with errorType, so the ASL catches it by name",
        package="moto",
        relies_on=(
            parameters("moto.awslambda.models.LambdaFunction.invoke",
                       "self", "body", "request_headers", "response_headers"),
            source_with("moto.awslambda.models.LambdaBackend.invoke", "fn.invoke(body, headers, response_headers)"),
        ),
        check_after_upgrade="that moto's Lambda API still answers Invoke with LambdaFunction.invoke's bytes and "
                            "its x-amz-function-error header",
        apply=_lambda_in_process,
    ),
    Patch(
        name="serialised_writes",
        restores="a DynamoDB write is atomic: its condition is checked and the item written in one step, so of "
                 "concurrent conditional writes exactly one succeeds; and a read never sees a table mid-write. "
                 "moto's tables have no lock, and the local stack serves every function's containers on many "
                 "threads",
        package="moto",
        relies_on=(
            *(parameters(f"{_BACKEND}.{name}", *names) for name, names in _WRITE_PARAMETERS.items()),
            source_with("moto.dynamodb.responses.DynamoHandler.batch_write_item",
                        "self.dynamodb_backend.put_item(", "self.dynamodb_backend.delete_item("),
            parameters(f"{_BACKEND}.get_item", "self", "table_name", "keys", "projection_expressions"),
            source_with("moto.dynamodb.responses.DynamoHandler.batch_get_item", "self.dynamodb_backend.get_item("),
            source_with("moto.dynamodb.responses.DynamoHandler.transact_get_items", "self.dynamodb_backend.get_item("),
        ),
        check_after_upgrade="whether moto now locks its tables itself (then this patch can go) and that every write "
                            "request (BatchWriteItem too) still goes through these backend methods",
        apply=_serialised_writes,
    ),
    Patch(
        name="transaction_rollback_by_item",
        restores="TransactWriteItems is all or nothing at the cost of the items it names: moto backs up every "
                 "table a transaction touches with a deep copy (a transaction costs as much as the whole table); "
                 "this skips that copy and restores just the named items when the transaction fails",
        package="moto",
        relies_on=(
            module_copy_calls("moto.dynamodb.models", "deepcopy"),
            parameters(f"{_BACKEND}.transact_write_items", "self", "transact_items"),
            source_with(f"{_BACKEND}.transact_write_items", "copy.deepcopy(",
                        "self.tables[table_name] = original_table_state[table_name]"),
            parameters(f"{_TABLE}.get_item", "self", "hash_key", "range_key", "projection_expression"),
            parameters(f"{_TABLE}.delete_item", "self", "hash_key", "range_key"),
            source_with(f"{_TABLE}.put_item", "self.items[hash_value][range_value] = item",
                        "self.items[hash_value] = item"),
        ),
        check_after_upgrade="how moto's transact_write_items backs up and restores tables, and how Table stores "
                            "its items",
        apply=_transaction_rollback_by_item,
    ),
    Patch(
        name="indexed_gsi_queries",
        restores="a query reads one partition, of the table or of a global secondary index, so its cost follows "
                 "the partition as on DynamoDB; moto walks every item of the table (used by benchmarks that "
                 "compare table sizes)",
        package="moto",
        relies_on=(
            parameters(f"{_TABLE}.query", "self", "hash_key", "range_comparison", "range_objs", "limit",
                       "exclusive_start_key", "scan_index_forward", "projection_expressions", "index_name",
                       "consistent_read", "filter_expression", "hash_key_conditions", "range_key_conditions",
                       "**filter_kwargs"),
            source_with(f"{_TABLE}.query", "for item in self.all_items():", "self.all_items()\n"),
            parameters(f"{_TABLE}.put_item", "self", *_WRITE_PARAMETERS["put_item"][2:]),
            parameters(f"{_TABLE}.delete_item", "self", "hash_key", "range_key"),
            parameters(f"{_BACKEND}.update_item", *_WRITE_PARAMETERS["update_item"]),
            source_with(f"{_TABLE}.__init__", "self.global_indexes", "self.items = defaultdict(dict)"),
        ),
        check_after_upgrade="that Table.query still draws its candidates from self.all_items() and applies the key "
                            "conditions, sort, paging and filters to them",
        apply=_indexed_gsi_queries,
        default=False,
    ),
    Patch(
        name="durable_state",
        restores="what AWS keeps, kept across a restart (infra.local.durable): every DynamoDB write journals the "
                 "after-images of the items it changed (a transaction's in one record), and every Step Functions "
                 "execution journals its start, each history event as the interpreter adds it, and its end",
        package="moto",
        relies_on=(
            *(parameters(f"{_BACKEND}.{name}", *names) for name, names in _WRITE_PARAMETERS.items()),
            source_with(f"{_BACKEND}.transact_write_items", "self.put_item(", "self.update_item(",
                        "self.delete_item("),
            parameters(f"{_TABLE}.get_item", "self", "hash_key", "range_key", "projection_expression"),
            parameters("moto.dynamodb.models.dynamo_type.Item.to_json", "self", "root_attr_name"),
            parameters(f"{_EXECUTION}.start", "self"),
            source_with(f"{_EXECUTION}.start", "self.exec_worker.start()"),
            source_with(f"{_EXECUTION}.__init__", "self.exec_arn = exec_arn", "self.execution_input = input_data"),
            parameters(f"{_SFN}.backend.execution_worker.ExecutionWorker._get_evaluation_environment", "self"),
            source_with(f"{_SFN}.backend.execution_worker.ExecutionWorker._execution_logic",
                        "self.env = self._get_evaluation_environment()"),
            parameters(f"{_SFN}.asl.eval.event.event_manager.EventManager._publish_history_event", "self",
                       "event_id", "source_event_id", "event_type", "timestamp", "event_details"),
            source_with(f"{_SFN}.asl.eval.event.event_manager.EventManager._publish_history_event",
                        "self._history_event_list.append(history_event)"),
            parameters(f"{_SFN}.backend.execution.BaseExecutionWorkerCommunication.terminated", "self"),
            source_with(f"{_SFN}.models.StepFunctionsParserBackend.send_task_failure",
                        "execution.exec_worker.env.callback_pool_manager.notify("),
        ),
        check_after_upgrade="that every DynamoDB write still goes through these backend methods, and how the "
                            "Step Functions interpreter starts an execution, adds history events and ends it",
        apply=_durable_state,
        default=False,
    ),
    Patch(
        name="parsed_once",
        restores="nothing AWS does differently: Step Functions compiles a definition when it is created, while "
                 "moto parses the ASL again (ANTLR, 0.3-0.5 s of the stack's one core) at every execution's start; "
                 "this parses each definition once and gives every execution a fresh copy of the parsed program",
        package="moto",
        relies_on=(
            parameters(f"{_SFN}.backend.execution_worker.ExecutionWorker._get_evaluation_entrypoint", "self"),
            source_with(f"{_SFN}.backend.execution_worker.ExecutionWorker._get_evaluation_entrypoint",
                        "AmazonStateLanguageParser.parse(",
                        "self._evaluation_details.state_machine_details.definition", ")[0]"),
            source_with(f"{_SFN}.backend.execution_worker.ExecutionWorker._execution_logic",
                        "program = self._get_evaluation_entrypoint()"),
        ),
        check_after_upgrade="that the interpreter still keeps every execution's own state in its Environment, not "
                            "in the parsed components, beyond their lazily made heap keys",
        apply=_parsed_programs,
    ),
    Patch(
        name="json_paths_parsed_once",
        restores="nothing AWS does differently: moto builds a JSONPath parser (its yacc tables) for every path of "
                 "every state it evaluates; this keeps each parsed path",
        package="moto",
        relies_on=(
            source_with(f"{_SFN}.asl.utils.json_path.extract_json", "input_expr = parse(path)"),
            source_with(f"{_SFN}.asl.component.common.path.result_path.ResultPath._eval_body",
                        "result_expr = parse(self.result_path_src)"),
        ),
        check_after_upgrade="that moto still parses paths with jsonpath_ng's module-level parse in these modules",
        apply=_cached_json_paths,
    ),
    Patch(
        name="reused_lambda_client",
        restores="nothing AWS does differently: the interpreter makes a new boto3 Lambda client (a session, its "
                 "service model, its event hooks) for every Task that invokes a function; this makes one per "
                 "region and keeps it, as a long-lived service does",
        package="moto",
        relies_on=(
            parameters(f"{_SFN}.asl.utils.boto_client.boto_client_for", "region", "service", "state_credentials"),
            source_with(f"{_SFN}.asl.utils.boto_client.boto_client_for", "aws_access_key_id=\"ak\"",
                        "botocore_stubber.enabled"),
            source_with(f"{_SFN}.asl.component.state.exec.state_task.lambda_eval_utils._invoke_lambda_function",
                        "boto_client_for("),
        ),
        check_after_upgrade="that boto_client_for still ignores the state's credentials and that the Lambda tasks "
                            "still find boto_client_for in lambda_eval_utils",
        apply=_reused_lambda_client,
    ),
    Patch(
        name="attribute_values_as_json",
        restores="nothing AWS does differently: moto writes each DynamoDB answer through its model-driven "
                 "serializer, which asks every member of every AttributeValue (ten per value) for a value, so a "
                 "complaint's item costs the stack's one core more than the rest of the request; this writes "
                 "AttributeValues of strings, numbers, sets, booleans, NULL, maps and lists directly, as that "
                 "serializer writes them (binary values still go through it)",
        package="moto",
        relies_on=(
            parameters("moto.core.serialize.BaseJSONSerializer._serialize_type_structure",
                       "self", "serialized", "value", "shape", "key"),
            source_with("moto.core.serialize.ResponseSerializer._serialize_type_structure",
                        "self._serialize_structure_member(wrapper, value, member_shape, member_key)",
                        "self._default_serialize(serialized, wrapper, shape, key)"),
            source_with("moto.core.serialize.BaseJSONSerializer._serialize_type_string",
                        "string_value = str(value) if value not in [None, {}, []] else value"),
            source_with("moto.core.serialize.ResponseSerializer._default_serialize",
                        "serialized[serialization_key] = value"),
        ),
        check_after_upgrade="how moto's JSON serializer writes structures, strings, booleans and lists, and "
                            "whether DynamoDB's AttributeValue shape still has the members S, N, B, SS, NS, BS, M, "
                            "L, NULL and BOOL",
        apply=_attribute_values_as_json,
    ),
    Patch(
        name="backends_by_host_kept",
        restores="nothing AWS does differently: moto's server finds the service of every request by listing "
                 "every moto module and matching every service's URL patterns against its host; this keeps the "
                 "answer for each host",
        package="moto",
        relies_on=(
            parameters("moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host",
                       "self", "host"),
            source_with("moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host",
                        "backends.list_of_moto_modules()", "self.backend_url_patterns"),
            source_with("moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_application",
                        "with self.lock:", "backend = self.get_backend_for_host(host)"),
        ),
        check_after_upgrade="that the backend for a host still depends on the host alone (the service "
                            "overrides and URL patterns fixed when the application is made)",
        apply=_backends_by_host_kept,
    ),
    Patch(
        name="executions_listed_once_started",
        restores="a callback (SendTaskSuccess, SendTaskFailure) finds its execution while another execution is "
                 "being started: moto lists every execution by status, and one between its creation and its "
                 "start has none, so the callback failed with an internal error",
        package="moto",
        relies_on=(
            parameters(f"{_SFN}.models.StepFunctionsParserBackend._get_executions", "self", "execution_status"),
            source_with(f"{_SFN}.models.StepFunctionsParserBackend._get_executions",
                        "if execution_status is None or execution_status == execution.status:"),
            source_with(f"{_EXECUTION}.start", "self.exec_status = ExecutionStatus.RUNNING"),
            source_with(f"{_EXECUTION}.status.fget", "return self.exec_status.value"),
        ),
        check_after_upgrade="whether moto now gives an execution its status when it is created",
        apply=_listed_once_started,
    ),
    Patch(
        name="botocore_builtin_handlers",
        restores="event handlers on every botocore session made later (the benchmarks' meter counts DynamoDB "
                 "requests and capacity units): moto gives the mocked process fresh sessions, which register "
                 "botocore's BUILTIN_HANDLERS, as moto's own request stub does",
        package="botocore",
        relies_on=(
            a_list("botocore.handlers.BUILTIN_HANDLERS"),
            source_with("botocore.session.Session._register_builtin_handlers", "handlers.BUILTIN_HANDLERS"),
        ),
        check_after_upgrade="how botocore.session.Session registers its built-in handlers",
        apply=None,
    ),
)
BY_NAME = {patch.name: patch for patch in PATCHES}

_applied: dict[str, _Swaps] = {}  # in the order applied
_users: dict[str, int] = {}  # how many installations use each applied patch
_lock = threading.RLock()


def check(patches: Iterable[Patch] = PATCHES) -> None:
    """Refuse, with every mismatch named, unless moto and botocore are what the patches were written for."""
    problems = [problem for patch in patches for problem in patch.problems()]
    if problems:
        raise PatchMismatch("the local stack will not run on internals its patches were not written for:\n  "
                            + "\n  ".join(problems))


@dataclass
class Installation:
    """The patches one install() asked for; removing it releases just those (a patch comes off with its last user)."""

    keys: list[str]
    _released: bool = False

    def uninstall(self) -> None:
        if not self._released:
            self._released = True
            release(*self.keys)

    def __enter__(self) -> Installation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()


def _apply(key: str, apply: Callable[[_Swaps], None]) -> None:
    swaps = _Swaps(key)
    try:
        apply(swaps)
    except BaseException:
        swaps.undo()
        raise
    _applied[key] = swaps
    _users[key] = 1


def install(*optional: str) -> Installation:
    """Check every patch, then apply the default ones and those named (one already applied gains a user)."""
    choices = [p.name for p in PATCHES if p.apply is not None and not p.default]
    unknown = sorted(set(optional) - set(choices))
    if unknown:
        raise ValueError(f"no optional patch {unknown}; optional: {choices}")
    check()
    wanted = []
    with _lock:
        for patch in PATCHES:
            if patch.apply is None or not (patch.default or patch.name in optional):
                continue
            if patch.name in _applied:
                _users[patch.name] += 1
            else:
                _apply(patch.name, patch.apply)
            wanted.append(patch.name)
    return Installation(wanted)


def release(*keys: str) -> None:
    """One user fewer for each named patch; those left without users come off, the last applied first."""
    with _lock:
        for key in keys:
            if key in _users:
                _users[key] -= 1
        for key in reversed(list(_applied)):
            if _users.get(key, 0) <= 0:
                _remove(key)


def uninstall() -> None:
    """Remove every applied patch, whoever uses it, the last applied first."""
    with _lock:
        for key in reversed(list(_applied)):
            _remove(key)


def _remove(key: str) -> None:
    _applied[key].undo()
    del _applied[key]
    _users.pop(key, None)


def applied() -> list[str]:
    return list(_applied)


def add_botocore_handlers(specs: Sequence[tuple[str, Callable[..., Any]]]) -> Installation:
    """Register event handlers on every botocore session made from now on, removably.

    Removal takes them out of BUILTIN_HANDLERS and silences them on the
    sessions already made with them, so nothing keeps counting afterwards.
    """
    from botocore.handlers import BUILTIN_HANDLERS

    patch = BY_NAME["botocore_builtin_handlers"]
    check([patch])
    live = [True]

    def switchable(handler: Callable[..., Any]) -> Callable[..., Any]:
        def hook(**kwargs: Any) -> Any:
            return handler(**kwargs) if live[0] else None

        return hook

    added = [(event, switchable(handler)) for event, handler in specs]

    def add(swaps: _Swaps) -> None:
        BUILTIN_HANDLERS.extend(added)

        def remove() -> None:
            live[0] = False
            for spec in added:
                BUILTIN_HANDLERS.remove(spec)

        swaps.cleanups.append(remove)

    with _lock:
        key = f"{patch.name}#{id(added)}"
        _apply(key, add)
    return Installation([key])
