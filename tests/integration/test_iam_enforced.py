"""Each function runs under its own role: a grant taken out fails the call as on AWS, and nothing is lost.

The grant is taken out of the role the local stack resolved from the
template (not out of the template), for the length of one test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from standardwebhooks.webhooks import Webhook

from complaints import bootstrap
from complaints.adapters.dynamodb import messages
from complaints.core import clock
from infra.cli.client import DeskClient
from infra.local.iam_enforcement import AccessDenied, Enforcer
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration
PATH = "/v1/portals/demo-portal/complaints"


@pytest.fixture
def enforcer(stack: LocalStack) -> Enforcer:
    assert stack.enforcer is not None, "the local stack checks IAM"
    return stack.enforcer


def _stored(stack: LocalStack) -> tuple[int, int, int]:
    """Complaints stored, idempotency records kept, executions started (a test may scan)."""
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    complaints = ddb.scan(TableName=stack.physical["ComplaintsTable"], Select="COUNT",
                          FilterExpression="SK = :a AND begins_with(PK, :c)",
                          ExpressionAttributeValues={":a": {"S": "A"}, ":c": {"S": "C#"}})["Count"]
    records = ddb.scan(TableName=stack.physical["IdempotencyTable"], Select="COUNT")["Count"]
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    executions = len(sfn.list_executions(stateMachineArn=stack.state_machine_arn)["executions"])
    return int(complaints), int(records), executions


def _deliver(stack: LocalStack, secret: str, body: dict[str, Any], webhook_id: str) -> requests.Response:
    data = json.dumps(body).encode()
    at = datetime.now(UTC)
    headers = {"webhook-id": webhook_id, "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(secret).sign(webhook_id, at, data.decode()),
               "content-type": "application/json"}
    return requests.post(stack.config.api_url + PATH, data=data, headers=headers, timeout=ANSWER_SECONDS)


def test_intake_without_update_item_is_denied_and_stores_nothing_half_written(
        stack: LocalStack, client: DeskClient, enforcer: Enforcer, complaint_body: dict[str, Any]) -> None:
    secret = client.portal_secret("demo-portal")
    before = _stored(stack)
    # Given the intake role without dynamodb:UpdateItem (the day's report counter is an Update item
    # of the transaction that stores a new complaint)
    with enforcer.revoked("IntakeFunction", "dynamodb:UpdateItem"):
        # When a portal delivers a complaint
        denied = _deliver(stack, secret, complaint_body, "msg_iam_denied")
        # Then the transaction is denied as AWS denies it, the portal is told 5xx (it retries)
        assert denied.status_code >= 500
        # and nothing is stored: no complaint, no idempotency record, no execution
        assert _stored(stack) == before
    # When the grant is back, the portal's retry of the same delivery is stored once
    accepted = _deliver(stack, secret, complaint_body, "msg_iam_denied")
    assert accepted.status_code == 202, accepted.text
    complaints, _, executions = _stored(stack)
    assert (complaints, executions) == (before[0] + 1, before[2] + 1)


def test_the_denial_names_the_function_s_assumed_role_as_aws_does(stack: LocalStack, enforcer: Enforcer) -> None:
    table = f"arn:aws:dynamodb:us-east-1:123456789012:table/{stack.physical['ComplaintsTable']}"
    update = {"TableName": stack.physical["ComplaintsTable"], "Key": {"PK": {"S": "C#1"}, "SK": {"S": "A"}}}
    with enforcer.revoked("IntakeFunction", "dynamodb:UpdateItem"), pytest.raises(AccessDenied) as denied:
        enforcer.check(stack.functions["IntakeFunction"], "dynamodb", "UpdateItem", update)
    assert str(denied.value) == (
        f"User: arn:aws:sts::123456789012:assumed-role/{stack.config.stack_name}-IntakeFunctionRole-LOCAL/"
        f"{stack.physical['IntakeFunction']} is not authorized to perform: dynamodb:UpdateItem on resource: {table} "
        "because no identity-based policy allows the dynamodb:UpdateItem action")


def test_a_held_message_the_reminders_cannot_send_is_kept_and_sent_once_the_grant_is_back(
        stack: LocalStack, enforcer: Enforcer) -> None:
    # Given a survey link held until now
    complaint_id = "C20261130-IAMSNS"
    desk = bootstrap.desk()
    desk.messages.hold(complaint_id, "survey", "+8613800138000", "en", {"link": "https://desk/s/iam"}, clock.now())

    def sent() -> list[dict[str, Any]]:
        return [m for m in stack.outbox() if m["complaint_id"] == complaint_id]

    def kept() -> list[dict[str, Any]]:
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        return list(ddb.query(TableName=stack.physical["ComplaintsTable"], KeyConditionExpression="PK = :pk",
                              ExpressionAttributeValues={":pk": {"S": f"C#{complaint_id}"}})["Items"])

    # When the reminders sweep runs without sns:Publish
    with enforcer.revoked("RemindersFunction", "sns:Publish"):
        result = stack.tick()["RemindersFunction"]
    # Then the send is refused as SNS refuses it, and the message is kept for a retry
    assert result["send_failures"] >= 1
    assert sent() == []
    [message] = kept()
    assert message["last_error"] == {"S": "AuthorizationErrorException"}
    # When the grant is back and the claim's lease is over
    stack.advance(messages.LEASE + timedelta(minutes=1))
    stack.tick()
    # Then it is sent once, and gone
    assert [m["template"] for m in sent()] == ["survey"]
    assert kept() == []
    stack.advance(timedelta(minutes=30))
    stack.tick()
    assert len(sent()) == 1
