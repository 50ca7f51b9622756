"""The whole lifecycle on the local stack: the real ASL file on moto's interpreter."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
RESOLUTION = scenarios.RESOLVED


def _answer_the_one_survey(stack: LocalStack, client: DeskClient, complaint_id: str, score: int,
                           comment: str | None = None) -> None:
    assert len(stack.customer_messages(complaint_id, "survey")) == 1, "exactly one survey message per complaint"
    scenarios.answer_survey(stack, client, complaint_id, score, comment)


def test_happy_path_closes_with_the_survey_score_stored(stack: LocalStack, client: DeskClient,
                                                        complaint_body: dict[str, Any]) -> None:
    # Given a complaint delivered by a portal
    answer = client.submit("demo-portal", complaint_body)
    cid = answer["complaint_id"]
    assert answer["status"] == "acknowledged"
    assert {p["kind"] for p in answer["promises"]} >= {"acknowledge", "first_reply", "solution", "regulator_ceiling"}

    # When the owner accepts and resolves it, the customer confirms it fixed and rates it 9
    owner = scenarios.to_confirmation(client, cid)
    scenarios.confirm_fixed(client, cid, owner)
    _answer_the_one_survey(stack, client, cid, 9, "fast")

    # Then it is closed with the score stored and the workflow succeeded
    assert client.ended(cid) == "SUCCEEDED"
    view = client.show(cid, owner)
    assert view["status"] == "closed" and view["awaiting"] is None
    assert view["survey"]["score"] == 9
    assert view["category"] == "network.coverage" and view["department"] == "network_optimisation"
    assert [e["type"] for e in view["timeline"]] == [
        "received", "classified", "assigned", "accepted", "resolved", "confirmed_fixed", "closed", "surveyed"]


def test_not_fixed_reopens_to_the_same_owner_then_closes(stack: LocalStack, client: DeskClient,
                                                        complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.to_confirmation(client, cid)

    client.act(cid, "callbacks", owner, {"outcome": "not_fixed", "note": "still dropping"})
    reopened = client.wait_for(cid, owner, awaiting="resolution")
    assert reopened["status"] == "in_progress"
    assert reopened["owner_id"] == owner
    assert reopened["reopen_count"] == 1

    scenarios.resolve(client, cid, owner)
    scenarios.confirm_fixed(client, cid, owner)
    _answer_the_one_survey(stack, client, cid, 10)

    assert client.ended(cid) == "SUCCEEDED"
    view = client.show(cid, owner)
    assert view["status"] == "closed" and view["owner_id"] == owner and view["reopen_count"] == 1


def test_repeat_delivery_gives_one_complaint_and_one_execution(stack: LocalStack, client: DeskClient,
                                                              complaint_body: dict[str, Any]) -> None:
    first = client.submit("demo-portal", complaint_body)
    with ThreadPoolExecutor(max_workers=4) as pool:
        repeats = list(pool.map(lambda _: client.submit("demo-portal", complaint_body), range(4)))
    assert {r["complaint_id"] for r in repeats} == {first["complaint_id"]}

    sfn = boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=stack.config.aws_url)
    names = [e["name"] for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=stack.state_machine_arn) for e in page["executions"]]
    assert names.count(first["complaint_id"]) == 1
    acks = stack.customer_messages(first["complaint_id"], "acknowledged")
    assert len(acks) == 1


def _item_count(stack: LocalStack) -> int:
    """Complaints, portal ids and idempotency records stored (a test may scan; no request path does)."""
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    stored = ddb.scan(TableName=stack.physical["ComplaintsTable"], Select="COUNT",
                      FilterExpression="(begins_with(PK, :c) AND SK = :a) OR begins_with(PK, :e)",
                      ExpressionAttributeValues={":c": {"S": "C#"}, ":a": {"S": "A"}, ":e": {"S": "EXT#"}})["Count"]
    return int(stored) + int(ddb.scan(TableName=stack.physical["IdempotencyTable"], Select="COUNT")["Count"])


@pytest.mark.parametrize("change, field", [
    (lambda b: b["customer"].pop("phone"), "customer.phone"),
    (lambda b: b.update(channel="carrier_pigeon"), "channel"),
    (lambda b: b.update(text="x" * 5000), "text"),
    (lambda b: b["location"].update(lat=123.0), "location.lat"),
    (lambda b: b.update(unexpected="field"), "unexpected"),
    (lambda b: b["customer"].update(phone="1234567"), "customer.phone"),
    (lambda b: b.update(received_at="2099-01-01T00:00:00+08:00"), "received_at"),
])
def test_invalid_body_is_refused_naming_the_field_and_nothing_is_stored(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any], change: Any, field: str) -> None:
    before = _item_count(stack)
    change(complaint_body)
    response = client.signed("demo-portal", "POST", "/v1/portals/demo-portal/complaints",
                             json.dumps(complaint_body).encode())
    assert response.status_code == 422
    body = response.json()
    assert field in [e["field"] for e in body["errors"]]
    assert field in body["message"]
    assert _item_count(stack) == before


def test_unknown_portal_is_refused(stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    response = client.signed("demo-portal", "POST", "/v1/portals/no-such-portal/complaints",
                             json.dumps(complaint_body).encode())
    # Answered as a wrong signature is, so portal ids cannot be probed.
    assert response.status_code == 401
    assert "does not match" in response.json()["message"]


def test_two_simultaneous_resolves_give_one_success_and_one_conflict(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    supervisor = "sup-sun"  # the owner and their supervisor resolve at the same moment

    def resolve(agent: str) -> int:
        try:
            client.act(cid, "resolve", agent, RESOLUTION)
            return 200
        except ApiError as exc:
            return exc.status

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(resolve, [owner, supervisor]))
    assert statuses == [200, 409]
    view = client.wait_for(cid, owner, awaiting="confirmation")
    assert [e["type"] for e in view["timeline"]].count("resolved") == 1


def test_execution_history_carries_no_customer_data(stack: LocalStack, client: DeskClient,
                                                   complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.to_confirmation(client, cid)
    client.act(cid, "callbacks", owner, {"outcome": "not_fixed"})
    client.wait_for(cid, owner, awaiting="resolution")

    sfn = boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=stack.config.aws_url,
                       aws_access_key_id="local", aws_secret_access_key="local")
    arn = stack.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{cid}"
    events = sfn.get_execution_history(executionArn=arn)["events"]
    assert len(events) > 10
    text = json.dumps(events, default=str, ensure_ascii=False)
    customer = complaint_body["customer"]
    for personal in (customer["name"], customer["phone"], customer["account"], complaint_body["location"]["address"]):
        assert personal not in text
    assert cid in text


def test_an_owner_who_does_not_accept_in_time_loses_it_to_the_next_agent(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    first = client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"]
    client.advance_clock(3 * 3600)
    client.tick()
    client.tick()  # an overlapping or repeated sweep hands over once
    view = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    assert view["owner_id"] not in (None, first) and view["previous_owners"] == [first]
    missed = [e for e in view["timeline"] if e["type"] == "acceptance_missed"]
    assert len(missed) == 1 and missed[0]["detail"]["owner"] == first
    loads = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName=stack.physical["ComplaintsTable"], Key={"PK": {"S": f"AGENT#{first}"}, "SK": {"S": "LOAD"}})
    assert int(loads["Item"]["missed_acceptances"]["N"]) >= 1


def test_an_overdue_resolution_climbs_the_escalation_ladder_once_per_rung(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    owner = scenarios.accept(client, cid)
    client.advance_clock(12 * 24 * 3600)  # past the 7-working-day solution promise
    client.tick()
    client.tick()
    client.advance_clock(2 * 3600)
    client.tick()
    client.advance_clock(2 * 3600)
    client.tick()
    client.advance_clock(2 * 3600)
    client.tick()  # the ladder has three rungs; nothing more is escalated, the last digest goes out
    view = client.show(cid, "mgr-qian")
    rungs = [e["detail"]["rung"] for e in view["timeline"] if e["type"] == "escalated"]
    assert rungs == ["owner", "supervisor", "manager"]
    # Overdue reminders of a normal complaint reach each person in their digest, once. Digests are per person,
    # each due by its own first line (lines left by earlier tests included), so they may go out in any order.
    told = [m["to"] for m in stack.outbox() if m["template"] == "digest" and f"Complaint {cid} is overdue" in m["text"]]
    assert sorted(told) == sorted([owner, "sup-sun", "mgr-qian"])


def test_staff_messages_are_grouped_into_digests_except_urgent_ones(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    ids = []
    for n in range(2):
        # Two customers: a repeat would be high priority, and urgent once reopened.
        customer = dict(complaint_body["customer"], phone=f"1370000{uuid.uuid4().int % 10_000:04d}")
        body = dict(complaint_body, external_id=f"{complaint_body['external_id']}-d{n}", customer=customer)
        ids.append(client.submit("demo-portal", body)["complaint_id"])
    owners = {client.wait_for(cid, "mgr-qian", awaiting="acceptance")["owner_id"] for cid in ids}
    # New assignments are urgent: each owner was told at once.
    assigned = [m for m in stack.outbox() if m["template"] == "assigned" and m["complaint_id"] in ids]
    assert len(assigned) == 2
    for cid in ids:
        owner = scenarios.to_confirmation(client, cid, daytime=True)
        client.act(cid, "callbacks", owner, {"outcome": "not_fixed"})  # "reopened" is not urgent
        client.wait_for(cid, owner, awaiting="resolution")
    before = [m for m in stack.outbox() if m["template"] in ("reopened", "digest") and any(c in m["text"] for c in ids)]
    assert before == []
    client.advance_clock(20 * 60)
    client.tick()
    client.tick()
    digests = [m for m in stack.outbox() if m["template"] == "digest" and any(c in m["text"] for c in ids)]
    assert sorted(m["to"] for m in digests) == sorted(owners)
    assert sum(m["text"].count("was reopened") for m in digests) == 2
