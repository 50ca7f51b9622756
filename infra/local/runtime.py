"""Lambda's execution model on the local stack: each function's containers are processes of their own.

The state machine invokes functions through moto's Lambda API, exactly as on
AWS; the patch `lambda_in_process` (infra.local.moto_patches) hands those
invocations to the functions registered here instead of moto's container
runner, and the HTTP API hands its requests to them too.

As on Lambda:
- a container serves one invocation at a time; a function with every
  container busy starts another (a cold start), up to its reserved
  concurrency, beyond which it is throttled;
- a container is a process (infra.local.worker), so nothing is shared between
  two of them: module and class state of every library, the environment, the
  AWS clients and their caches;
- each container sees only its function's environment and calls the AWS
  services on loopback with its function's own credentials, by which the
  local endpoint knows whose role to check (infra.local.aws_endpoint);
- an invocation that runs past the function's Timeout is stopped, and its
  container discarded; events and answers over 6 MB are refused.

A container is a fresh interpreter started with exactly the function's
environment (infra.local.worker), so a cold start costs what Lambda's init
phase costs: the imports and the clients the handler module makes.
"""

from __future__ import annotations

import compileall
import json
import logging
import os
import py_compile
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from complaints.core import clock
from infra.local import worker

# Wraps one invocation: called with the function and its event, entered around the handler's run.
InvocationObserver = Callable[["LocalFunction", Any], AbstractContextManager[None]]

# Lambda's synchronous invocation payload limit, request and response (Lambda quotas).
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# A container's init (imports, clients) must finish within this; Lambda allows 10 s, the local stack more
# because a busy 2-core machine starting several containers at once is slower than Lambda.
INIT_SECONDS = 120.0
# Containers per function when the template reserves no concurrency: a machine's limit, not an AWS one.
LOCAL_CONCURRENCY = 4
# Containers starting at once, across every function: a burst of cold starts on a small machine would
# otherwise starve the running invocations of CPU until they time out.
_COLD_STARTS = threading.BoundedSemaphore(2)

_log = logging.getLogger(__name__)


class FunctionError(Exception):
    """The function's answer was an error: what Lambda returns with X-Amz-Function-Error: Unhandled."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.stack_trace = stack_trace or []

    def payload(self) -> dict[str, Any]:
        return {"errorType": self.error_type, "errorMessage": str(self), "stackTrace": self.stack_trace}


class RequestTooLarge(Exception):
    """Lambda's RequestTooLargeException (413): the event is over the synchronous payload limit."""

    def __init__(self, size: int) -> None:
        super().__init__(f"{size} byte payload is too large for the RequestResponse invocation type "
                         f"(limit {MAX_PAYLOAD_BYTES} bytes)")


class Throttled(Exception):
    """Lambda's TooManyRequestsException (429): every container the function may have is busy."""

    def __init__(self, function: str) -> None:
        super().__init__(f"Rate Exceeded. (reserved concurrency of {function} reached)")


class IntegrationTimeout(Exception):
    """The caller stopped waiting (API Gateway's integration timeout); the invocation goes on to its end."""


WORKER = Path(worker.__file__).resolve()


class Container:
    """One process running the function's handler, and the socket its invocations go through."""

    def __init__(self, spec: worker.ContainerSpec) -> None:
        self._stopping = threading.Lock()  # an invocation's discard and the function's stop may come at once
        self._stopped = False
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen([sys.executable, str(WORKER), str(theirs.fileno())],
                                            env=spec.environment, cwd=spec.code_dir, pass_fds=[theirs.fileno()],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE)
        finally:
            theirs.close()
        for stream, target in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr")):
            threading.Thread(target=_relay, args=(stream, target), daemon=True,
                             name=f"logs-{spec.logical_id}").start()
        self.connection = Connection(ours.detach())
        self.connection.send_bytes(worker.spec_message(spec))
        ready = self.receive(INIT_SECONDS)
        if ready is None or "init_error" in ready:
            self.stop()
            error = (ready or {}).get("init_error") or {"errorType": "Runtime.InitError",
                                                         "errorMessage": "the container's init did not finish"}
            raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))

    def send(self, message: dict[str, Any]) -> None:
        self.connection.send_bytes(json.dumps(message, ensure_ascii=False).encode())

    def receive(self, seconds: float) -> dict[str, Any] | None:
        """The container's next message, or None if none came within the time; raises if the process died."""
        connection: Connection = self.connection
        try:
            if not connection.poll(max(0.0, seconds)):
                return None
            data = connection.recv_bytes()
        except (EOFError, OSError):
            code = self.process.wait(5)
            raise FunctionError("Runtime.ExitError", f"Runtime exited with error: exit status {code}") from None
        answer: dict[str, Any] = json.loads(data)
        answer["_size"] = len(data)
        return answer

    def stop(self) -> None:
        """Kill the process and close the socket, once however many callers stop it (a second close of the socket
        could close another one that took its descriptor meanwhile)."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(5)
            self.connection.close()


def _relay(stream: Any, target: str) -> None:
    """A container's output, line by line, to the local stack's own (Lambda sends it to CloudWatch Logs)."""
    for line in iter(stream.readline, b""):
        out = getattr(sys, target)  # looked up per line: a test may capture the stream meanwhile
        try:
            out.write(line.decode("utf-8", "replace"))
            out.flush()
        except ValueError:  # the stream was closed (the process is ending)
            return
    stream.close()


@dataclass
class LocalFunction:
    """A function as Lambda runs it: its settings from the template and its pool of containers."""

    logical_id: str
    name: str
    code_dir: Path
    handler_name: str
    memory: int
    arn: str = ""
    timeout: float = 3.0  # seconds, the template's Timeout
    environment: dict[str, str] = field(default_factory=dict)
    reserved: int | None = None  # the template's ReservedConcurrentExecutions
    layer_paths: list[str] = field(default_factory=list)
    absent_modules: list[str] = field(default_factory=list)  # the packages of the layers it does not have
    _idle: list[Container] = field(default_factory=list)
    _all: set[Container] = field(default_factory=set)
    _starting: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _deployment: int = 0  # raised by each recycle; a container of an earlier one never takes another invocation
    _outdated: set[Container] = field(default_factory=set)  # busy at a recycle: stopped once its invocation ends
    _stopped: bool = False  # from stop() on, a container is stopped as soon as its invocation ends

    def spec(self) -> worker.ContainerSpec:
        return worker.ContainerSpec(self.logical_id, self.name, str(self.code_dir), self.handler_name, self.memory,
                                    self.arn, dict(self.environment), list(self.layer_paths),
                                    list(self.absent_modules))

    @property
    def concurrency(self) -> int:
        return self.reserved if self.reserved is not None else LOCAL_CONCURRENCY

    # ------------------------------------------------------------ containers
    def _acquire(self) -> Container:
        with self._changed:
            while True:
                if self._idle:
                    self._changed.notify_all()  # a container went busy
                    return self._idle.pop()
                if len(self._all) + self._starting < self.concurrency:
                    self._starting += 1
                    deployment = self._deployment
                    break
                if self.reserved is not None:
                    raise Throttled(self.name)
                self._changed.wait()  # the machine's limit: wait for a container rather than refuse
        try:
            with _COLD_STARTS:
                container = Container(self.spec())
        finally:
            with self._changed:
                self._starting -= 1
                self._changed.notify_all()
        with self._changed:
            self._all.add(container)
            if deployment != self._deployment or self._stopped:  # recycled or stopped while it started
                self._outdated.add(container)
        return container

    def _release(self, container: Container, *, discard: bool = False) -> None:
        with self._changed:
            discard = discard or self._stopped or container in self._outdated
            if discard:
                self._all.discard(container)
                self._outdated.discard(container)
            else:
                self._idle.append(container)
            self._changed.notify_all()
        if discard:
            container.stop()

    def warm(self) -> None:
        """Start one container now, as a deployment's first invocation would. A container whose init fails is
        reported and not kept: Lambda answers the first invocation with that error, and starts another."""
        if self._stopped:
            return
        try:
            self._release(self._acquire())
        except FunctionError as failed:
            _log.warning("%s: its first container failed its init: %s: %s", self.logical_id, failed.error_type,
                         failed)

    def recycle(self) -> None:
        """A new deployment: the idle containers stop, the busy ones once their invocation ends, and every
        invocation from now on runs in a container started after it, as Lambda's invocations of a new version do."""
        with self._changed:
            self._deployment += 1
            idle, self._idle = self._idle, []
            self._all.difference_update(idle)
            self._outdated.update(self._all)
        for container in idle:
            container.stop()

    def stop(self) -> None:
        """Stop every container; one still starting (a warm-up cut short) or started by an invocation that came
        after the stop runs to the end of that invocation and is stopped then: none is left running."""
        with self._changed:
            self._stopped = True
            everything, self._idle = list(self._all), []
            self._all.clear()
            self._outdated.clear()
            self._changed.notify_all()
        for container in everything:
            container.stop()

    @property
    def containers(self) -> int:
        with self._changed:
            return len(self._all)

    # ------------------------------------------------------------ invocations
    def invoke(self, event: Any, answer_within: float | None = None) -> Any:
        """Run the handler on the event in one of the function's containers; its result, or FunctionError.

        answer_within: how long the caller waits (API Gateway's 30 s); past it IntegrationTimeout is raised
        while the invocation goes on until it ends or reaches the function's timeout.
        """
        payload = json.dumps(event, ensure_ascii=False)
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise RequestTooLarge(len(payload.encode()))
        with ExitStack() as observed:
            for observer in list(_observers):
                observed.enter_context(observer(self, event))
            container = self._acquire()
            request_id = str(uuid.uuid4())
            deadline = time.time() + self.timeout
            trace_id = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"
            _invocations.start(trace_id, self, event)
            try:
                container.send({"event": event, "clock_offset": clock.offset().total_seconds(), "deadline": deadline,
                                "request_id": request_id, "trace_id": trace_id})
            except OSError:
                self._release(container, discard=True)
                _invocations.end(trace_id)
                raise FunctionError("Runtime.ExitError", "Runtime exited before the invocation") from None
            wait = self.timeout if answer_within is None else min(answer_within, self.timeout)
            answer = self._answer(container, request_id, wait, trace_id)
            if answer is None:  # the caller stops waiting; the container finishes in the background
                threading.Thread(target=self._finish_late, args=(container, deadline, request_id, trace_id),
                                 daemon=True).start()
                raise IntegrationTimeout(f"{self.name} did not answer within {answer_within:.0f} s")
            return self._result(answer)

    def _answer(self, container: Container, request_id: str, wait: float, trace_id: str) -> dict[str, Any] | None:
        try:
            answer = container.receive(wait)
        except FunctionError:
            self._release(container, discard=True)
            _invocations.end(trace_id)
            raise
        if answer is not None:
            self._release(container)
            _invocations.end(trace_id)
            return answer
        if wait >= self.timeout:
            self._timed_out(container, request_id, trace_id)
        return None

    def _timed_out(self, container: Container, request_id: str, trace_id: str) -> None:
        self._release(container, discard=True)  # Lambda stops the runtime; the next invocation cold-starts
        _invocations.end(trace_id)
        message = f"RequestId: {request_id} Error: Task timed out after {self.timeout:.2f} seconds"
        sys.stderr.write(f"{self.name} {message}\n")  # the line Lambda writes to the function's log
        raise FunctionError("Sandbox.Timedout", message)

    def _finish_late(self, container: Container, deadline: float, request_id: str, trace_id: str) -> None:
        try:
            if self._answer(container, request_id, max(0.0, deadline - time.time()), trace_id) is None:
                self._timed_out(container, request_id, trace_id)
        except FunctionError:
            pass  # nobody is waiting for the answer any more, as with API Gateway after its timeout

    def _result(self, answer: dict[str, Any]) -> Any:
        if "error" in answer:
            error = answer["error"]
            raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))
        if answer["_size"] > MAX_PAYLOAD_BYTES:
            raise FunctionError("Function.ResponseSizeTooLarge",
                                f"Response payload size ({answer['_size']} bytes) exceeded maximum allowed payload "
                                f"size ({MAX_PAYLOAD_BYTES} bytes).")
        return answer.get("result")


class _Invocations:
    """The invocations running now, by their trace header (the local endpoint asks whose a call is)."""

    def __init__(self) -> None:
        self._running: dict[str, tuple[LocalFunction, Any]] = {}
        self._lock = threading.Lock()

    def start(self, trace_id: str, function: LocalFunction, event: Any) -> None:
        with self._lock:
            self._running[trace_id.split(";", 1)[0]] = (function, event)

    def end(self, trace_id: str) -> None:
        with self._lock:
            self._running.pop(trace_id.split(";", 1)[0], None)

    def of(self, trace_header: str | None) -> tuple[LocalFunction, Any] | None:
        if not trace_header:
            return None
        root = next((part for part in trace_header.split(";") if part.startswith("Root=")), None)
        with self._lock:
            return self._running.get(root) if root else None


_invocations = _Invocations()
_functions: dict[str, LocalFunction] = {}
_observers: list[InvocationObserver] = []


def invocation_of(trace_header: str | None) -> tuple[LocalFunction, Any] | None:
    """The running invocation (function, event) whose AWS call carries this X-Amzn-Trace-Id header."""
    return _invocations.of(trace_header)


def register(function: LocalFunction) -> None:
    _functions[function.name] = function


def unregister(name: str) -> None:
    function = _functions.pop(name, None)
    if function is not None:
        function.stop()


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


def lambda_environment(function: LocalFunction, region: str, endpoint: str, access_key: str) -> dict[str, str]:
    """The variables Lambda itself sets in every container, beside the template's."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": f"local-session-{function.logical_id}",
        "AWS_ENDPOINT_URL": endpoint,  # the local stack's AWS endpoint on loopback
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONUNBUFFERED": "1",  # each line reaches the logs as it is written
        # Lambda's /opt and /var/task are read-only: a container imports the .pyc the build compiled
        # (compile_code) and writes none.
        "PYTHONDONTWRITEBYTECODE": "1",
    }


_compiled: set[Path] = set()
_compiling = threading.Lock()


def compile_code(*directories: Path) -> None:
    """Compile each directory's modules as the layer's build does (shared/Makefile): checked-hash .pyc,
    which stay valid whatever the files' times and are recompiled by an import only when their source
    changed. Once per directory and process."""
    with _compiling:
        for directory in directories:
            if directory in _compiled:
                continue
            if not compileall.compile_dir(directory, quiet=1, workers=1,
                                          invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH):
                raise RuntimeError(f"{directory} does not compile")
            _compiled.add(directory)

