"""In-process Lambda: each function's containers, as imports of its handler from functions/.

The state machine invokes functions through moto's Lambda API, exactly as on
AWS; the patch `lambda_in_process` (infra.local.moto_patches) hands those
invocations to the functions registered here instead of moto's container
runner. Observers (the benchmarks' meter) can wrap every invocation.
"""

from __future__ import annotations

import contextvars
import importlib.util
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from complaints.core.observability import metrics

Handler = Callable[[dict[str, Any], Any], Any]
# Wraps one invocation: called with the function and its event, entered around the handler's run.
InvocationObserver = Callable[["LocalFunction", Any], AbstractContextManager[None]]


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
        with ExitStack() as observed, running(self):
            for observer in list(_observers):
                observed.enter_context(observer(self, event))
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
_observers: list[InvocationObserver] = []
# The function whose handler is running: each invocation runs on a thread of its own, and every AWS
# call made under it is that function's (infra.local.iam_enforcement checks them against its role).
_running: contextvars.ContextVar[LocalFunction | None] = contextvars.ContextVar("local_function", default=None)


@contextmanager
def running(function: LocalFunction) -> Iterator[None]:
    """Mark the calls made in this context as the function's, for as long as its handler runs."""
    token = _running.set(function)
    try:
        yield
    finally:
        _running.reset(token)


def running_function() -> LocalFunction | None:
    """The function whose handler makes the current call; None for the local stack's own calls and tests'."""
    return _running.get()


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


def unregister(name: str) -> None:
    _functions.pop(name, None)


def registered(name: str) -> LocalFunction:
    """The registered function of that name (moto's Lambda service knows it by the same name)."""
    try:
        return _functions[name]
    except KeyError:
        raise LookupError(f"no local function {name!r} is registered with the local runtime") from None


def observe_invocations(observer: InvocationObserver) -> Callable[[], None]:
    """Wrap every invocation of every local function from now on; the answer removes the observer."""
    _observers.append(observer)

    def remove() -> None:
        if observer in _observers:
            _observers.remove(observer)

    return remove
