"""What IAM checks for one AWS call: the action(s) and resource ARN(s) a request is authorised against.

IAM authorises some requests more than once: each item of a DynamoDB
transaction against its own action (Put → PutItem, Update → UpdateItem,
Delete → DeleteItem, ConditionCheck → ConditionCheckItem, Get → GetItem),
each table of a batch, and each request kind of a BatchWriteItem (PutRequest →
PutItem, DeleteRequest → DeleteItem). A query or scan of an index is
authorised on the index's ARN (``table/NAME/index/INDEX``). The request's
partition keys are the ``dynamodb:LeadingKeys`` condition key.

Pure functions of the operation and its parameters; infra.local.iam_enforcement
asks them for every call a function makes on the local stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Requested:
    """One authorisation IAM makes for a call: an action on a resource, with the request's LeadingKeys."""

    action: str
    arn: str
    keys: tuple[str, ...] = ()


@dataclass
class Account:
    """Where the calls go and what the caller cannot see in the parameters alone."""

    region: str
    account: str
    hash_keys: dict[str, str] = field(default_factory=dict)  # table name → its partition key attribute
    secret_arn: Callable[[str], str] = lambda secret_id: secret_id  # a secret's name or ARN → its full ARN
    # The state machine a task token belongs to: AWS authorises SendTask* on it (see _states).
    state_machine_of_token: Callable[[str], str] = lambda token: "*"

    def table_arn(self, name: str) -> str:
        if name.startswith("arn:"):
            return name
        return f"arn:aws:dynamodb:{self.region}:{self.account}:table/{name}"


def _plain(value: Any) -> str:
    """The value of one attribute in DynamoDB's typed JSON ({"S": "STAFF"} → "STAFF")."""
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value.values())))
    return str(value)


def _table_name(arn_or_name: str) -> str:
    return arn_or_name.split(":table/", 1)[1].split("/", 1)[0] if arn_or_name.startswith("arn:") else arn_or_name


def _leading(where: Account, table: str, key: dict[str, Any] | None) -> tuple[str, ...]:
    attribute = where.hash_keys.get(_table_name(table))
    if not key or not attribute or attribute not in key:
        return ()
    return (_plain(key[attribute]),)


def _query_keys(where: Account, params: dict[str, Any]) -> tuple[str, ...]:
    """The partition key value a table query names (`PK = :v` in its key condition)."""
    attribute = where.hash_keys.get(_table_name(str(params.get("TableName", ""))))
    expression = params.get("KeyConditionExpression")
    if not attribute or not isinstance(expression, str) or params.get("IndexName"):
        return ()
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    for name, placeholder in re.findall(r"(#?[\w.]+)\s*=\s*(:\w+)", expression):
        if names.get(name, name) == attribute and placeholder in values:
            return (_plain(values[placeholder]),)
    return ()


_ITEM_ACTIONS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem"}
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
_BATCH_WRITE_ACTIONS = {"PutRequest": "PutItem", "DeleteRequest": "DeleteItem"}


def _dynamodb(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    if operation in _ITEM_ACTIONS:
        table = str(params["TableName"])
        return [Requested(f"dynamodb:{operation}", where.table_arn(table),
                          _leading(where, table, params.get("Key") or params.get("Item")))]
    if operation in ("Query", "Scan"):
        arn = where.table_arn(str(params["TableName"]))
        if params.get("IndexName"):
            arn = f"{arn}/index/{params['IndexName']}"
        return [Requested(f"dynamodb:{operation}", arn, _query_keys(where, params))]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        found = []
        for entry in params.get("TransactItems", []):
            kind, item = next(iter(entry.items()))
            table = str(item["TableName"])
            found.append(Requested(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", where.table_arn(table),
                                   _leading(where, table, item.get("Key") or item.get("Item"))))
        return found
    if operation == "BatchGetItem":
        return [Requested("dynamodb:BatchGetItem", where.table_arn(table),
                          tuple(sorted({k for key in request.get("Keys", []) for k in _leading(where, table, key)})))
                for table, request in params.get("RequestItems", {}).items()]
    if operation == "BatchWriteItem":
        wanted: dict[tuple[str, str], set[str]] = {}
        for table, requests in params.get("RequestItems", {}).items():
            for request in requests:
                kind, body = next(iter(request.items()))
                keys = _leading(where, table, body.get("Key") or body.get("Item"))
                wanted.setdefault((_BATCH_WRITE_ACTIONS[kind], table), set()).update(keys)
        return [Requested(f"dynamodb:{action}", where.table_arn(table), tuple(sorted(keys)))
                for (action, table), keys in wanted.items()]
    return [Requested(f"dynamodb:{operation}", where.table_arn(str(params.get("TableName", "*"))))
            if "TableName" in params else Requested(f"dynamodb:{operation}", "*")]


def _states(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    action = f"states:{operation}"
    if operation == "StartExecution":
        return [Requested(action, str(params["stateMachineArn"]))]
    if operation in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"):
        # The service authorization reference lists no resource type for SendTask*, yet AWS does
        # authorise a callback against the resource that issued the token: the state machine for a
        # service integration's token (lambda:invoke.waitForTaskToken), the activity for an activity's
        # (aws-cdk#8486 tested both; denials read "on resource: arn:...:stateMachine:NAME"). SAM's
        # StepFunctionsCallbackPolicy grants the three on the state machine, so a role with it passes
        # here exactly when its token came from that state machine, and a grant on "*" passes always.
        return [Requested(action, where.state_machine_of_token(str(params["taskToken"])))]
    if "executionArn" in params:
        return [Requested(action, str(params["executionArn"]))]
    if "stateMachineArn" in params:
        return [Requested(action, str(params["stateMachineArn"]))]
    return [Requested(action, "*")]


def _sns(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    target = params.get("TopicArn") or params.get("TargetArn")
    # A phone number is no resource: Publish to one is authorised on "*".
    return [Requested(f"sns:{operation}", str(target) if target else "*")]


def _ses(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    if operation in ("SendEmail", "SendRawEmail"):
        source = params.get("SourceArn") or params.get("FromArn")
        if not source:
            address = str(params.get("Source") or "")
            address = re.sub(r"^.*<([^>]+)>.*$", r"\1", address)
            source = f"arn:aws:ses:{where.region}:{where.account}:identity/{address}"
        return [Requested(f"ses:{operation}", str(source))]
    return [Requested(f"ses:{operation}", "*")]


def _secretsmanager(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    secret = params.get("SecretId")
    return [Requested(f"secretsmanager:{operation}", where.secret_arn(str(secret)) if secret else "*")]


def _sqs(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    # A batch is authorised as its single action (SendMessageBatch as sqs:SendMessage), on the queue's ARN.
    action = operation.removesuffix("Batch")
    url = str(params.get("QueueUrl") or "")
    name = url.rstrip("/").rsplit("/", 1)[-1] if url else ""
    return [Requested(f"sqs:{action}", f"arn:aws:sqs:{where.region}:{where.account}:{name}" if name else "*")]


def _comprehend(operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    return [Requested(f"comprehend:{operation}", str(params.get("EndpointArn") or "*"))]


# botocore's service ids (lower case, spaces as dashes) → IAM's service prefix and the derivation.
_BY_SERVICE: dict[str, tuple[str, Callable[[str, dict[str, Any], Account], list[Requested]] | None]] = {
    "dynamodb": ("dynamodb", _dynamodb),
    "sfn": ("states", _states),
    "sns": ("sns", _sns),
    "ses": ("ses", _ses),
    "secrets-manager": ("secretsmanager", _secretsmanager),
    "comprehend": ("comprehend", _comprehend),
    "sqs": ("sqs", _sqs),
    "cloudwatch": ("cloudwatch", None),  # PutMetricData takes no resource: "*"
    "xray": ("xray", None),  # PutTraceSegments, PutTelemetryRecords: "*"
}


def requested(service_id: str, operation: str, params: dict[str, Any], where: Account) -> list[Requested]:
    """Every authorisation IAM makes for this call, in order."""
    prefix, derive = _BY_SERVICE.get(service_id, (service_id.replace("-", ""), None))
    if derive is None:
        return [Requested(f"{prefix}:{operation}", "*")]
    return derive(operation, params, where)


def distinct(found: Iterable[Requested]) -> list[Requested]:
    """Each authorisation once, in first-seen order (a transaction of ten Puts is one PutItem check)."""
    return list(dict.fromkeys(found))
