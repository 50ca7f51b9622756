"""One Lambda container of the local stack: a process that runs one function, one invocation at a time.

A container is a fresh interpreter (`python infra/local/worker.py FD`, started
by infra.local.runtime) with only the function's environment, as Lambda gives
it: the template's variables for that function, Lambda's own (function name,
memory, region, credentials, TZ) and the local endpoint of the AWS services
(`AWS_ENDPOINT_URL`). It reads its function (code directory, handler, layers)
as the first message on the socket FD; its init phase imports the handler;
then it answers invocations over the socket until the socket closes. Like
Lambda's runtime interface client, this file imports nothing of the project
but the handler it loads.

Each invocation carries the local stack's clock (moved forward by tests and
the demo), the time left before the function's timeout and an X-Ray trace
header. As on Lambda, the trace header is set in `_X_AMZN_TRACE_ID`, so every
AWS call the handler makes sends it, and the local endpoint knows which
invocation made the call.

Messages are JSON: {"event", "clock_offset", "deadline", "request_id",
"trace_id"} in; {"result": ...} or {"error": {"errorType", "errorMessage",
"stackTrace"}} out. The first message out says whether init succeeded.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


@dataclass
class ContainerSpec:
    """What Lambda knows of a function when it starts one of its containers."""

    logical_id: str
    name: str
    code_dir: str
    handler: str
    memory: int
    arn: str
    environment: dict[str, str]  # given to the process when it starts
    layer_paths: list[str] = field(default_factory=list)
    # The packages of the stack's layers this function does not have: on Lambda they are not there to import.
    absent_modules: list[str] = field(default_factory=list)


class _Absent(importlib.abc.MetaPathFinder):
    """Refuses the packages of another function's layers, which this process could otherwise find."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}: it is in a layer this function does not have",
                                      name=fullname)
        return None


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float  # time.time() at which the function times out
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.time()) * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {"errorType": type(exc).__name__, "errorMessage": str(exc),
            "stackTrace": traceback.format_tb(exc.__traceback__)[-3:]}


def _load(spec: ContainerSpec) -> Any:
    module_name, _, attribute = spec.handler.rpartition(".")
    location = Path(spec.code_dir) / f"{module_name.replace('.', '/')}.py"
    module_spec = importlib.util.spec_from_file_location(module_name, location)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    return getattr(module, attribute)


def _move_clock(offset_seconds: float) -> None:
    """Bring the desk's clock (if the function uses it) to where the local stack has moved it."""
    clock = sys.modules.get("complaints.core.clock")
    if clock is not None:
        behind = timedelta(seconds=offset_seconds) - clock.offset()
        if behind > timedelta(0):
            clock.advance(behind)


def _clear_metrics() -> None:
    """Metrics are off locally (no EMF on stdout), and with them off Powertools never clears its buffer."""
    observability = sys.modules.get("complaints.core.observability")
    if observability is not None:
        observability.metrics.clear_metrics()


def serve(connection: Connection, spec: ContainerSpec) -> None:
    """The container's life: init, then answer invocations."""
    sys.path[:0] = [spec.code_dir, *spec.layer_paths]  # the task root first, then the layers, as on Lambda
    if spec.absent_modules:
        sys.meta_path.insert(0, _Absent(set(spec.absent_modules)))
    # Metrics are off locally (no EMF on stdout), so Powertools finds none to publish on every invocation.
    warnings.filterwarnings("ignore", "No application metrics to publish")
    try:
        handler = _load(spec)
    except BaseException as exc:  # noqa: BLE001 - an init error is the invocation's answer, as on Lambda
        connection.send_bytes(json.dumps({"init_error": _error(exc)}).encode())
        return
    connection.send_bytes(b'{"ready": true}')
    while True:
        try:
            message = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return
        _move_clock(message["clock_offset"])
        os.environ["_X_AMZN_TRACE_ID"] = message["trace_id"]
        context = LambdaContext(spec.name, spec.memory, spec.arn, message["request_id"], message["deadline"])
        try:
            answer: dict[str, Any] = {"result": handler(message["event"], context)}
            body = json.dumps(answer, ensure_ascii=False)
        except Exception as exc:  # noqa: BLE001 - a function error, returned as Lambda returns it
            body = json.dumps({"error": _error(exc)})
        finally:
            _clear_metrics()
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        connection.send_bytes(body.encode())


def spec_message(spec: ContainerSpec) -> bytes:
    return json.dumps(asdict(spec)).encode()


def main(fd: int) -> None:
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]  # this directory is the runtime's, not the function's
    connection = Connection(fd)
    spec = ContainerSpec(**json.loads(connection.recv_bytes()))
    serve(connection, spec)


if __name__ == "__main__":
    main(int(sys.argv[1]))
