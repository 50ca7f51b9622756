"""The AWS endpoint on loopback: moto's services, with IAM in front of them for the functions' calls.

Every function's container calls AWS here (`AWS_ENDPOINT_URL`), signing with
its function's own access key, as a Lambda container signs with its role's
session credentials. For each request the endpoint learns:

- who calls: the access key in the SigV4 `Authorization` header names the
  function (the AWS CLI, the tests and the local stack itself use other keys
  and are not checked);
- what is called: the service from the credential scope, the operation from
  `X-Amz-Target` (JSON protocols) or the form's `Action` (query protocols),
  the parameters from the body;
- which invocation calls: the `X-Amzn-Trace-Id` header, which botocore copies
  from the container's `_X_AMZN_TRACE_ID`, as on Lambda.

A function's call is checked against its role (infra.local.iam_enforcement)
before moto sees it; a denial is answered as the service answers it. Call
observers (the benchmarks' meter) see each call with its answer.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from infra.local import runtime
from infra.local.dynamodb_sizes import attribute_size, item_size
from infra.local.iam_enforcement import AccessDenied, Enforcer

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/aws4_request")
# SigV4 signing names → botocore's service ids (infra.local.iam_calls derives what IAM checks from them).
_SERVICE_IDS = {"states": "sfn", "secretsmanager": "secrets-manager", "monitoring": "cloudwatch",
                "logs": "cloudwatch-logs", "email": "ses"}
# Each service's answer to a denied call: (error code, HTTP status, query protocol).
_DENIAL = {"sns": ("AuthorizationError", 403, True), "ses": ("AccessDenied", 403, True),
           "cloudwatch": ("AccessDenied", 403, True)}
_DEFAULT_DENIAL = ("AccessDeniedException", 400, False)


@dataclass(frozen=True)
class Call:
    """One AWS request a function made, and moto's answer."""

    function: runtime.LocalFunction
    event: Any  # the event of the invocation that made it (None if the invocation is not known)
    service_id: str
    operation: str
    params: dict[str, Any]
    status: int = 0
    answer: dict[str, Any] | None = None  # the JSON answer (JSON protocols)


CallObserver = Callable[[Call], None]
_observers: list[CallObserver] = []
_before_observers: list[CallObserver] = []  # see a call before moto answers it (status 0, no answer yet)


def observe_calls(observer: CallObserver, *, before: CallObserver | None = None) -> Callable[[], None]:
    """See every call of every local function from now on, with moto's answer (and, with `before`, the same call
    just before moto acts on it: the state it finds); the answer removes the observers."""
    _observers.append(observer)
    if before is not None:
        _before_observers.append(before)

    def remove() -> None:
        if observer in _observers:
            _observers.remove(observer)
        if before is not None and before in _before_observers:
            _before_observers.remove(before)

    return remove


@dataclass(frozen=True)
class Fault:
    """An answer the endpoint gives instead of moto's to the calls it matches (tests inject AWS's failures).

    error: the service's error code, answered with status (a throttle, an internal error); or None to drop
    the connection without an answer, as a network fault or a read timeout leaves the caller.
    """

    matches: Callable[[Call], bool]
    error: str | None = None
    status: int = 400
    seen: list[Call] = field(default_factory=list)


_faults: list[Fault] = []


def inject(fault: Fault) -> Callable[[], None]:
    """Answer the function calls the fault matches with it from now on; the answer removes it."""
    _faults.append(fault)

    def remove() -> None:
        if fault in _faults:
            _faults.remove(fault)

    return remove


def _faulty(fault: Fault, service_id: str, environ: dict[str, Any], start_response: Callable[..., Any]
            ) -> Iterable[bytes]:
    if fault.error is None:
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            connection.shutdown(socket.SHUT_RDWR)
        raise ConnectionAbortedError("injected: the connection dropped before an answer")
    body = json.dumps({"__type": fault.error, "message": "injected fault"}).encode()
    start_response(f"{fault.status} Injected", [("Content-Type", "application/x-amz-json-1.0"),
                                                ("Content-Length", str(len(body)))])
    return [body]


# Step Functions' payload limit: an execution's input, a task's output, each state's data (quotas).
STATES_PAYLOAD_BYTES = 256 * 1024
_STATES_PAYLOADS = {"StartExecution": ("input", "InvalidExecutionInput"),
                    "SendTaskSuccess": ("output", "InvalidOutput")}


# DynamoDB's limit on a transaction's data: the aggregate size of its items (quotas).
TRANSACTION_BYTES = 4 * 1024 * 1024


def _transaction_bytes(params: dict[str, Any]) -> int:
    """A transaction's data as DynamoDB counts it: each Put's item, each other action's key and values."""
    total = 0
    for entry in params.get("TransactItems") or []:
        if not isinstance(entry, dict) or len(entry) != 1:
            continue
        kind, body = next(iter(entry.items()))
        if not isinstance(body, dict):
            continue
        try:
            total += item_size(body.get("Item") or {}) if kind == "Put" else item_size(body.get("Key") or {}) + sum(
                attribute_size(v) for v in (body.get("ExpressionAttributeValues") or {}).values())
        except (ValueError, TypeError, AttributeError):
            continue  # a malformed request: moto answers it
    return total


def _over_limit(service_id: str, operation: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """AWS's refusal of a request over a service limit the endpoint enforces: (error code, message)."""
    if service_id == "dynamodb" and operation == "TransactWriteItems":
        size = _transaction_bytes(params)
        if size > TRANSACTION_BYTES:
            return "ValidationException", (f"Transaction request cannot exceed 4 MB: the aggregate size of its "
                                           f"items is {size} bytes")
    if service_id == "sfn" and operation in _STATES_PAYLOADS:
        name, code = _STATES_PAYLOADS[operation]
        size = len(str(params.get(name) or "").encode())
        if size > STATES_PAYLOAD_BYTES:
            return code, (f"The {name} is {size} bytes, over the maximum of {STATES_PAYLOAD_BYTES} bytes "
                          "(the payload size quota)")
    return None


def _refused(code: str, message: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                       ("Content-Length", str(len(body)))])
    return [body]


def _request(service: str, environ: dict[str, Any], body: bytes) -> tuple[str, dict[str, Any]]:
    """The operation and its parameters, as the SDK gave them (JSON body, or the query protocol's form)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            params = {}
        return target.rsplit(".", 1)[-1], params if isinstance(params, dict) else {}
    if body and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        form = {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
        return str(form.pop("Action", "")), form
    return "", {}


def _denied(service_id: str, message: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
    code, status, query = _DENIAL.get(service_id, _DEFAULT_DENIAL)
    request_id = str(uuid.uuid4())
    if query:
        body = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>'
                f'</Error><RequestId>{request_id}</RequestId></ErrorResponse>').encode()
        content_type = "text/xml"
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.0"
    reason = {400: "Bad Request", 403: "Forbidden"}[status]
    start_response(f"{status} {reason}", [("Content-Type", content_type), ("x-amzn-RequestId", request_id),
                                          ("Content-Length", str(len(body)))])
    return [body]


class AwsEndpoint:
    """moto's server app behind a check of who calls, on a threaded werkzeug server."""

    def __init__(self, callers: dict[str, runtime.LocalFunction], enforcer: Enforcer | None = None) -> None:
        self.callers = callers  # access key → the function whose containers sign with it
        self.enforcer = enforcer
        self._app = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer | None = None
        # Called after each request is handled and before its answer goes out (the data directory's fsync).
        self.commit: Callable[[], None] | None = None

    def _moto(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer = self._app(environ, start_response)  # the whole answer, made; nothing sent yet
        if self.commit is not None:
            self.commit()
        return answer

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if found is None:
            return self._moto(environ, start_response)
        caller = self.callers.get(found.group(1))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        service_id = _SERVICE_IDS.get(found.group(2), found.group(2))
        operation, params = _request(service_id, environ, body)
        refused = _over_limit(service_id, operation, params)
        if refused is not None:  # AWS's limits hold for every caller
            return _refused(*refused, start_response)
        if caller is None:  # the AWS CLI, tests, the local stack itself: no role to check
            return self._moto(environ, start_response)
        invocation = runtime.invocation_of(environ.get("HTTP_X_AMZN_TRACE_ID"))
        if self.enforcer is not None and operation:
            try:
                self.enforcer.check(caller, service_id, operation, params)
            except AccessDenied as denied:
                return _denied(service_id, str(denied), start_response)
        if _faults:
            call = Call(caller, invocation[1] if invocation else None, service_id, operation, params)
            for fault in list(_faults):
                if fault.matches(call):
                    fault.seen.append(call)
                    return _faulty(fault, service_id, environ, start_response)
        if not _observers:
            return self._moto(environ, start_response)
        return self._observed(environ, start_response, Call(caller, invocation[1] if invocation else None,
                                                             service_id, operation, params))

    def _observed(self, environ: dict[str, Any], start_response: Callable[..., Any], call: Call) -> Iterable[bytes]:
        status: list[str] = []

        def keep_status(line: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status.append(line)
            return start_response(line, headers, *rest)

        for observer in list(_before_observers):
            observer(call)
        chunks = list(self._moto(environ, keep_status))
        data = b"".join(chunks)
        try:
            answer = json.loads(data) if data.startswith(b"{") else None
        except ValueError:
            answer = None
        code = int(status[0].split(" ", 1)[0]) if status else 0
        seen = Call(call.function, call.event, call.service_id, call.operation, call.params, code, answer)
        for observer in list(_observers):
            observer(seen)
        return [data]

    def start(self, host: str, port: int) -> int:
        """Serve on host:port (0: any free port); the port it serves on."""
        self._server = make_server(host, port, self.wsgi, threaded=True, request_handler=MotoRequestHandler)
        threading.Thread(target=self._server.serve_forever, name="aws-endpoint", daemon=True).start()
        return int(self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
