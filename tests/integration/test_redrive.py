"""Redrive on the local stack: a complaint whose execution failed goes on where it stood, and completes.

A step is failed on purpose (DynamoDB throttles the park function past the
SDK's retries), the execution ends FAILED with the complaint marked failed;
a supervisor's redrive starts `<id>-r1` from the resume entry at the
complaint's stage, and the complaint is accepted, resolved, confirmed,
closed and surveyed with each customer message sent exactly once. Both
executions stay listed, the earlier linked from the complaint.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests

from infra.cli.client import ApiError, DeskClient
from infra.local import aws_endpoint, scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration
MANAGER = scenarios.MANAGER


def _customer_messages(stack: LocalStack, complaint_id: str) -> Counter[str]:
    return Counter(m["template"] for m in stack.outbox()
                   if m["complaint_id"] == complaint_id and m["channel"] == "sms")


def test_a_failed_step_is_redriven_and_the_complaint_completes_with_each_message_sent_once(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    # Given a complaint whose park function cannot write when the owner accepts it
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = str(client.wait_for(cid, MANAGER, awaiting="acceptance")["owner_id"])
    throttle = aws_endpoint.Fault(lambda call: call.function.logical_id == "ParkFunction"
                                  and call.operation == "TransactWriteItems",
                                  error="ProvisionedThroughputExceededException")
    remove = aws_endpoint.inject(throttle)
    try:
        client.act(cid, "accept", owner)
        failed = client.wait_for(cid, MANAGER, status="failed")
    finally:
        remove()
    assert throttle.seen and client.ended(cid) == "FAILED"
    supervisor = client.show(cid, MANAGER)["department"]
    assert failed["executions"][-1]["name"] == cid and supervisor

    # When the owner may not redrive it, and a manager does
    with pytest.raises(ApiError) as refused:
        client.act(cid, "redrive", owner)
    assert refused.value.status == 403
    answer = client.act(cid, "redrive", MANAGER)
    assert f"{cid}-r1" in answer["message"] and "AwaitResolution" in answer["message"]

    # Then it goes on at the resolution, and completes
    client.wait_for(cid, owner, awaiting="resolution", status="in_progress")
    scenarios.resolve(client, cid, owner)
    client.to_daytime()
    scenarios.confirm_fixed(client, cid, owner)
    scenarios.answer_survey(stack, client, cid, 9)
    assert client.ended(f"{cid}-r1") == "SUCCEEDED"
    view = client.show(cid, MANAGER)
    assert view["status"] == "closed" and view["survey"]["score"] == 9
    assert _customer_messages(stack, cid) == {"acknowledged": 1, "handler": 1, "resolved": 1, "survey": 1}
    # And both executions are listed, the earlier linked, the redrive in the timeline
    assert [(e["name"], e["latest"]) for e in view["executions"]] == [(cid, False), (f"{cid}-r1", True)]
    assert view["executions"][0]["execution_arn"].endswith(f":execution:{stack.config.stack_name}-complaint:{cid}")
    redriven = [e for e in view["timeline"] if e["type"] == "redriven"]
    assert [(e["actor"], e["detail"]["from"], e["detail"]["previous_status"]) for e in redriven] == [
        (MANAGER, "AwaitResolution", "FAILED")]
    runs = client.executions(cid, MANAGER)
    assert [(r["name"], r["status"]) for r in runs] == [(cid, "FAILED"), (f"{cid}-r1", "SUCCEEDED")]
    history = client.history(f"{cid}-r1")
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered[:2] == ["Resume", "AwaitResolution"] and "Classify" not in entered
    page = requests.get(f"{stack.config.api_url}/console/views/complaints/{cid}",
                        headers={"Authorization": f"Bearer {client.dev_token(MANAGER)}"}, timeout=ANSWER_SECONDS)
    assert page.status_code == 200
    assert f'href="#/complaints/{cid}?execution={cid}"' in page.text and f'data-execution="{cid}-r1"' in page.text


def test_a_complaint_whose_execution_still_runs_is_not_redriven(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    client.wait_for(cid, MANAGER, awaiting="acceptance")
    with pytest.raises(ApiError) as refused:
        client.act(cid, "redrive", MANAGER)
    assert refused.value.status == 409 and "still running" in str(refused.value)
    assert [e["name"] for e in client.show(cid, MANAGER)["executions"]] == [cid]
