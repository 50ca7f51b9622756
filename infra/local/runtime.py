"""In-process Lambda: moto's Lambda service dispatches invocations to functions/.

The state machine invokes functions through moto's Lambda API, exactly as on
AWS; this module replaces moto's container runner with a call to the handler
imported from the function's CodeUri, shaping errors the way Lambda does so
the ASL catches them by name.
"""

from __future__ import annotations

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

from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import DynamoDBBackend

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
    logical_id: str
    name: str
    handler: Handler
    memory: int
    arn: str = ""

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(self.name, self.memory, invoked_function_arn=self.arn)
        return self.handler(event, context)


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
    for name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
