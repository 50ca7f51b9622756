"""IAM on the local stack: every AWS call a function makes is checked against that function's role.

On AWS each function runs under its own role; here every function shares one
process and the emulated services allow everything. So while a handler runs,
infra.local.runtime marks the function (`runtime.running`, a context
variable: each invocation runs on a thread of its own), and a botocore handler checks each
call made under the mark before it is sent:

- `before-parameter-build` keeps the call's parameters (as the code gave them) in
  the request's context;
- `before-call` derives what IAM authorises for them (infra.local.iam_calls: per
  item inside transactions and batches, index ARNs, LeadingKeys), asks the role
  (infra.iam.Roles, moto's IAM policy evaluation, cached per function, action,
  resource and keys) and, on a denial, answers as AWS does: the service's error
  code and status and IAM's message, as a botocore ClientError of that service.

Calls made by the local stack itself or by tests carry no mark and are not
checked. With LOCAL_IAM_RECORD=path the (function, action, resource) of every
allowed call is added to that JSON file when the stack stops.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.awsrequest import AWSResponse

from infra.iam import Roles, statements
from infra.local import moto_patches
from infra.local.iam_calls import Account, Requested, distinct, requested
from infra.local.runtime import LocalFunction, running_function

# Each service's answer to a denied call: (error code, HTTP status).
_DENIAL = {
    "sns": ("AuthorizationError", 403),
    "ses": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
}
_DEFAULT_DENIAL = ("AccessDeniedException", 400)


class AccessDenied(Exception):
    """A call the caller's role does not allow (what IAM decided, before it becomes the service's answer)."""

    def __init__(self, caller: LocalFunction, role: str, account: str, wanted: Requested) -> None:
        self.wanted = wanted
        super().__init__(f"User: arn:aws:sts::{account}:assumed-role/{role}/{caller.name} is not authorized to "
                         f"perform: {wanted.action} on resource: {wanted.arn} because no identity-based policy "
                         f"allows the {wanted.action} action")


@dataclass
class Enforcer:
    """The roles of one local stack, the calls they were asked about and a cache of the answers."""

    roles: Roles
    where: Account
    role_names: dict[str, str]  # logical id → the role's name, as in the assumed-role ARN
    _answers: dict[tuple[str, str, str, tuple[str, ...]], bool] = field(default_factory=dict)
    used: set[tuple[str, str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self, function: str, wanted: Requested) -> bool:
        key = (function, wanted.action, wanted.arn, wanted.keys)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self.roles.allows(function, wanted.action, wanted.arn, wanted.keys)
        return answer

    def check(self, caller: LocalFunction, service_id: str, operation: str, params: dict[str, Any]) -> None:
        for wanted in distinct(requested(service_id, operation, params, self.where)):
            if not self.allows(caller.logical_id, wanted):
                raise AccessDenied(caller, self.role_names.get(caller.logical_id, caller.logical_id),
                                   self.where.account, wanted)
            with self._lock:
                self.used.add((caller.logical_id, wanted.action, wanted.arn))

    @contextmanager
    def revoked(self, function: str, action: str) -> Iterator[None]:
        """The function's role without the action for a while (tests take a needed grant out), then as it was."""
        before = self.roles.policies[function]
        narrowed = []
        for document in before:
            kept = []
            for statement in statements(document):
                actions = statement.get("Action", [])
                actions = [actions] if isinstance(actions, str) else list(actions)
                if action in actions:
                    actions.remove(action)
                    if not actions:
                        continue
                    statement = {**statement, "Action": actions}
                kept.append(statement)
            narrowed.append({**document, "Statement": kept})
        self.roles.policies[function] = narrowed
        self._answers.clear()
        try:
            yield
        finally:
            self.roles.policies[function] = before
            self._answers.clear()

    def record(self, path: Path) -> None:
        """Add the calls made to the JSON file at path (runs of several stacks add up)."""
        known = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        rows = {tuple(row) for row in known} | self.used
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sorted(rows), indent=1) + "\n", encoding="utf-8")


_PARAMS = "local_iam_params"


def _keep_parameters(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    if running_function() is not None:
        context[_PARAMS] = params


def _denied_response(service_id: str, message: str, operation: str) -> tuple[AWSResponse, dict[str, Any]]:
    code, status = _DENIAL.get(service_id, _DEFAULT_DENIAL)
    headers = {"x-amzn-requestid": "local-iam-denied", "content-type": "application/x-amz-json-1.0"}
    response = AWSResponse("https://local-iam", status, headers, None)
    parsed = {"Error": {"Code": code, "Message": message, **({"Type": "Sender"} if status == 403 else {})},
              "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers,
                                   "RequestId": "local-iam-denied", "RetryAttempts": 0}}
    return response, parsed


class Installed:
    """One stack's enforcement: its botocore handlers and the roles they check against."""

    def __init__(self) -> None:
        self.enforcer: Enforcer | None = None
        self._handlers = moto_patches.add_botocore_handlers([
            ("before-parameter-build", _keep_parameters),
            ("before-call", self._before_call),
        ])

    def _before_call(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any] | None:
        caller = running_function()
        if caller is None or self.enforcer is None:
            return None
        service_id = model.service_model.service_id.hyphenize()
        try:
            self.enforcer.check(caller, service_id, model.name, context.get(_PARAMS) or {})
        except AccessDenied as denied:
            return _denied_response(service_id, str(denied), model.name)
        return None

    def uninstall(self) -> None:
        self._handlers.uninstall()
