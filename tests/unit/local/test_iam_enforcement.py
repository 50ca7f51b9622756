"""IAM on the local stack: what a call is authorised against, and a denial answered as AWS answers it.

The derivation (infra.local.iam_calls) is checked call by call; the check
itself (infra.local.iam_enforcement) at the local AWS endpoint
(infra.local.aws_endpoint) in front of moto, with a role written here, so no
SAM translator is needed. The calls are signed with the function's access key,
as its containers sign them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.iam import Roles
from infra.local import iam_enforcement, runtime
from infra.local.aws_endpoint import AwsEndpoint
from infra.local.iam_calls import Account, Requested, distinct, requested

REGION, ACCOUNT = "us-east-1", "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/complaints"
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:desk-complaint"
WHERE = Account(REGION, ACCOUNT, {"complaints": "PK"},
                secret_arn=lambda name: f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf",
                state_machine_of_token=lambda token: MACHINE)


def _key(pk: str, sk: str = "A") -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def test_each_item_of_a_write_transaction_is_authorised_on_its_own_action() -> None:
    items = [{"Put": {"TableName": "complaints", "Item": _key("C#1")}},
             {"Update": {"TableName": "complaints", "Key": _key("REPORT#2026-11-30", "D#03"), "UpdateExpression": "x"}},
             {"Delete": {"TableName": "complaints", "Key": _key("C#1", "T#1")}},
             {"ConditionCheck": {"TableName": "complaints", "Key": _key("STAFF", "a-1"), "ConditionExpression": "y"}}]
    assert requested("dynamodb", "TransactWriteItems", {"TransactItems": items}, WHERE) == [
        Requested("dynamodb:PutItem", TABLE_ARN, ("C#1",)),
        Requested("dynamodb:UpdateItem", TABLE_ARN, ("REPORT#2026-11-30",)),
        Requested("dynamodb:DeleteItem", TABLE_ARN, ("C#1",)),
        Requested("dynamodb:ConditionCheckItem", TABLE_ARN, ("STAFF",)),
    ]


def test_a_read_transaction_is_get_item_per_item() -> None:
    items = [{"Get": {"TableName": "complaints", "Key": _key("C#1")}},
             {"Get": {"TableName": "other", "Key": {"id": {"S": "x"}}}}]
    assert requested("dynamodb", "TransactGetItems", {"TransactItems": items}, WHERE) == [
        Requested("dynamodb:GetItem", TABLE_ARN, ("C#1",)),
        Requested("dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/other"),
    ]


def test_a_query_of_an_index_is_authorised_on_the_index_arn() -> None:
    params = {"TableName": "complaints", "IndexName": "timers", "KeyConditionExpression": "TPK = :p AND TSK <= :n",
              "ExpressionAttributeValues": {":p": {"S": "T#0"}, ":n": {"S": "2026"}}}
    assert requested("dynamodb", "Query", params, WHERE) == [
        Requested("dynamodb:Query", f"{TABLE_ARN}/index/timers")]
    assert requested("dynamodb", "Scan", {"TableName": "complaints", "IndexName": "queue"}, WHERE) == [
        Requested("dynamodb:Scan", f"{TABLE_ARN}/index/queue")]


def test_a_query_of_the_table_names_its_partition_key() -> None:
    params = {"TableName": "complaints", "KeyConditionExpression": "#pk = :pk AND begins_with(SK, :e)",
              "ExpressionAttributeNames": {"#pk": "PK"},
              "ExpressionAttributeValues": {":pk": {"S": "STAFF"}, ":e": {"S": "A#"}}}
    assert requested("dynamodb", "Query", params, WHERE) == [Requested("dynamodb:Query", TABLE_ARN, ("STAFF",))]


def test_a_batch_write_is_authorised_per_table_and_request_kind() -> None:
    params = {"RequestItems": {
        "complaints": [{"PutRequest": {"Item": _key("C#1")}}, {"PutRequest": {"Item": _key("C#2")}},
                       {"DeleteRequest": {"Key": _key("C#3")}}],
        "idempotency": [{"DeleteRequest": {"Key": {"id": {"S": "k"}}}}]}}
    assert requested("dynamodb", "BatchWriteItem", params, WHERE) == [
        Requested("dynamodb:PutItem", TABLE_ARN, ("C#1", "C#2")),
        Requested("dynamodb:DeleteItem", TABLE_ARN, ("C#3",)),
        Requested("dynamodb:DeleteItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/idempotency"),
    ]


def test_a_batch_get_is_authorised_per_table() -> None:
    params = {"RequestItems": {"complaints": {"Keys": [_key("AGENT#a"), _key("AGENT#b"), _key("AGENT#a")]}}}
    assert requested("dynamodb", "BatchGetItem", params, WHERE) == [
        Requested("dynamodb:BatchGetItem", TABLE_ARN, ("AGENT#a", "AGENT#b"))]


def test_the_same_authorisation_is_made_once() -> None:
    items = [{"Put": {"TableName": "complaints", "Item": _key("C#1", f"E#{n}")}} for n in range(3)]
    assert distinct(requested("dynamodb", "TransactWriteItems", {"TransactItems": items}, WHERE)) == [
        Requested("dynamodb:PutItem", TABLE_ARN, ("C#1",))]


@pytest.mark.parametrize("service, operation, params, expected", [
    ("sfn", "StartExecution", {"stateMachineArn": MACHINE, "name": "C1"}, Requested("states:StartExecution", MACHINE)),
    ("sfn", "SendTaskSuccess", {"taskToken": "t", "output": "{}"}, Requested("states:SendTaskSuccess", MACHINE)),
    ("sfn", "SendTaskFailure", {"taskToken": "t"}, Requested("states:SendTaskFailure", MACHINE)),
    ("sfn", "DescribeExecution", {"executionArn": "arn:x:execution:m:C1"},
     Requested("states:DescribeExecution", "arn:x:execution:m:C1")),
    ("secrets-manager", "GetSecretValue", {"SecretId": "desk-SigningSecret"},
     Requested("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
                                                "desk-SigningSecret-AbCdEf")),
    ("sns", "Publish", {"PhoneNumber": "+8613800000000", "Message": "m"}, Requested("sns:Publish", "*")),
    ("ses", "SendEmail", {"Source": "Desk <desk@example.com>"},
     Requested("ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/desk@example.com")),
    ("comprehend", "ClassifyDocument", {"EndpointArn": "arn:e", "Text": "t"},
     Requested("comprehend:ClassifyDocument", "arn:e")),
    ("cloudwatch", "PutMetricData", {"Namespace": "n"}, Requested("cloudwatch:PutMetricData", "*")),
])
def test_other_services_name_their_resource(service: str, operation: str, params: dict[str, Any],
                                             expected: Requested) -> None:
    assert requested(service, operation, params, WHERE) == [expected]


# ---------------------------------------------------------------- the check, at the local endpoint
ROLE = [{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"], "Resource": TABLE_ARN},
    {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": TABLE_ARN,
     "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["STAFF"]}}},
    {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:us-east-1:123456789012:nothing"},
]}]
FUNCTION = runtime.LocalFunction("IntakeFunction", "desk-IntakeFunction", Path("."), "app.handler", 128)
FUNCTION_KEY = "ASIAINTAKEFUNCTION01"


@dataclass
class Endpoint:
    enforcer: iam_enforcement.Enforcer
    url: str

    def client(self, service: str, key: str = FUNCTION_KEY) -> Any:
        """A client signing as the function's containers do (or, with another key, as anyone else)."""
        return boto3.client(service, region_name=REGION, endpoint_url=self.url, aws_access_key_id=key,
                            aws_secret_access_key="local")


@pytest.fixture
def enforced() -> Iterator[Endpoint]:
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName="complaints", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                  {"AttributeName": "SK", "AttributeType": "S"}])
        enforcer = iam_enforcement.Enforcer(
            Roles({"IntakeFunction": ROLE}, None),  # type: ignore[arg-type]  # no template to resolve
            WHERE, {"IntakeFunction": "desk-IntakeFunctionRole-LOCAL"})
        endpoint = AwsEndpoint({FUNCTION_KEY: FUNCTION}, enforcer)
        port = endpoint.start("127.0.0.1", 0)
        try:
            yield Endpoint(enforcer, f"http://127.0.0.1:{port}")
        finally:
            endpoint.stop()


def test_a_call_the_role_does_not_allow_is_answered_as_dynamodb_answers_it(enforced: Endpoint) -> None:
    ddb = enforced.client("dynamodb")
    with pytest.raises(ClientError) as denied:
        ddb.update_item(TableName="complaints", Key=_key("C#1"), UpdateExpression="SET x = :x",
                        ExpressionAttributeValues={":x": {"S": "1"}})
    error = denied.value.response
    assert error["Error"]["Code"] == "AccessDeniedException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/desk-IntakeFunctionRole-LOCAL/desk-IntakeFunction is not "
        f"authorized to perform: dynamodb:UpdateItem on resource: {TABLE_ARN} because no identity-based policy "
        "allows the dynamodb:UpdateItem action")
    # Nothing was written
    assert "Item" not in ddb.get_item(TableName="complaints", Key=_key("C#1"))


def test_a_transaction_with_one_item_not_allowed_is_denied_whole(enforced: Endpoint) -> None:
    ddb = enforced.client("dynamodb")
    items = [{"Put": {"TableName": "complaints", "Item": _key("C#1")}},
             {"Update": {"TableName": "complaints", "Key": _key("REPORT#d", "D#1"), "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    with pytest.raises(ClientError, match="dynamodb:UpdateItem"):
        ddb.transact_write_items(TransactItems=items)
    assert "Item" not in ddb.get_item(TableName="complaints", Key=_key("C#1"))


def test_allowed_calls_pass_and_are_recorded(enforced: Endpoint, tmp_path: Path) -> None:
    ddb = enforced.client("dynamodb")
    ddb.put_item(TableName="complaints", Item=_key("C#1"))
    ddb.get_item(TableName="complaints", Key=_key("C#1"))
    enforced.enforcer.record(tmp_path / "used.json")
    assert enforced.enforcer.used == {("IntakeFunction", "dynamodb:PutItem", TABLE_ARN),
                             ("IntakeFunction", "dynamodb:GetItem", TABLE_ARN)}


def test_a_leading_keys_condition_allows_only_the_keys_it_lists(enforced: Endpoint) -> None:
    ddb = enforced.client("dynamodb")
    ddb.delete_item(TableName="complaints", Key=_key("STAFF", "a-1"))
    with pytest.raises(ClientError, match="dynamodb:DeleteItem"):
        ddb.delete_item(TableName="complaints", Key=_key("C#1"))


def test_sns_denies_with_its_own_code(enforced: Endpoint) -> None:
    sns = enforced.client("sns")
    with pytest.raises(sns.exceptions.AuthorizationErrorException) as denied:
        sns.publish(PhoneNumber="+8613800000000", Message="hello")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "sns:Publish on resource: *" in denied.value.response["Error"]["Message"]


def test_calls_outside_a_function_are_not_checked(enforced: Endpoint) -> None:
    ddb = enforced.client("dynamodb", key="AKIAOPERATORCLI00001")  # the AWS CLI, a test, the stack itself
    ddb.update_item(TableName="complaints", Key=_key("C#1"), UpdateExpression="SET x = :x",
                    ExpressionAttributeValues={":x": {"S": "1"}})
    assert ddb.get_item(TableName="complaints", Key=_key("C#1"))["Item"]["x"] == {"S": "1"}


def test_a_revoked_grant_is_denied_then_allowed_again(enforced: Endpoint) -> None:
    ddb = enforced.client("dynamodb")
    with enforced.enforcer.revoked("IntakeFunction", "dynamodb:GetItem"), pytest.raises(ClientError):
        ddb.get_item(TableName="complaints", Key=_key("C#1"))
    ddb.get_item(TableName="complaints", Key=_key("C#1"))


def test_step_functions_payloads_over_256_kb_are_refused_as_aws_refuses_them(enforced: Endpoint) -> None:
    sfn = enforced.client("stepfunctions", key="AKIAOPERATORCLI00001")  # a limit holds for every caller
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:nowhere"
    with pytest.raises(ClientError) as refused:
        sfn.start_execution(stateMachineArn=machine, input=json.dumps({"text": "x" * 262_144}))
    assert refused.value.response["Error"]["Code"] == "InvalidExecutionInput"
    with pytest.raises(ClientError) as refused:
        sfn.send_task_success(taskToken="t", output=json.dumps({"text": "x" * 262_144}))
    assert refused.value.response["Error"]["Code"] == "InvalidOutput"
    assert "262144 bytes" in refused.value.response["Error"]["Message"]


def test_a_transaction_over_4_mb_is_refused_whole_as_dynamodb_refuses_it(enforced: Endpoint) -> None:
    ddb = enforced.client("dynamodb", key="AKIAOPERATORCLI00001")
    # Eleven items of 390 KB: each under the 400 KB item limit, together over 4 MB.
    puts = [{"Put": {"TableName": "complaints", "Item": {**_key(f"C#BIG-{n}"), "text": {"S": "x" * 390_000}}}}
            for n in range(11)]
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=puts)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "4 MB" in refused.value.response["Error"]["Message"]
    def stored() -> int:  # a scan answers 1 MB a page
        return sum(page["Count"] for page in ddb.get_paginator("scan").paginate(TableName="complaints",
                                                                                 Select="COUNT"))

    assert stored() == 0
    ddb.transact_write_items(TransactItems=puts[:10])  # 10 × 390 KB is under 4 MB
    assert stored() == 10
