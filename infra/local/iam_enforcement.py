"""IAM on the local stack: every AWS call a function makes is checked against that function's role.

On AWS each function runs under its own role. Here each function's containers
sign their calls with the function's own access key, and the local AWS
endpoint (infra.local.aws_endpoint) asks the Enforcer about each call before
moto sees it:

- infra.local.iam_calls derives what IAM authorises for the call (per item
  inside transactions and batches, index ARNs, LeadingKeys);
- the role (infra.iam.Roles, moto's IAM policy evaluation) answers, cached per
  function, action, resource and keys;
- a denial carries IAM's message, which the endpoint answers with the
  service's own error code and status.

Calls made by the local stack itself, the CLI or tests carry other keys and
are not checked. With LOCAL_IAM_RECORD=path the (function, action, resource)
of every allowed call is added to that JSON file when the stack stops.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.iam import Roles, statements
from infra.local.iam_calls import Account, Requested, distinct, requested
from infra.local.runtime import LocalFunction

# What Lambda's poller calls on a function's SQS event source, with the function's role.
POLLER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


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

    def check_poller(self, function: LocalFunction, queue_arn: str) -> None:
        """Lambda reads an SQS event source with the function's role: creating the mapping fails unless the role
        may receive, delete and read the queue's attributes."""
        for action in POLLER_ACTIONS:
            wanted = Requested(action, queue_arn)
            if not self.allows(function.logical_id, wanted):
                raise AccessDenied(function, self.role_names.get(function.logical_id, function.logical_id),
                                   self.where.account, wanted)
            with self._lock:
                self.used.add((function.logical_id, wanted.action, wanted.arn))

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
