"""Intake that portals can trust: signatures, exactly-once deliveries, read-back."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from standardwebhooks.webhooks import Webhook

from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration
PATH = "/v1/portals/demo-portal/complaints"


def _counts(stack: LocalStack) -> tuple[int, int]:
    """Complaints stored and idempotency records kept (a test may scan; no request path does)."""
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    complaints = ddb.scan(TableName=stack.physical["ComplaintsTable"], Select="COUNT",
                          FilterExpression="SK = :a AND begins_with(PK, :c)",
                          ExpressionAttributeValues={":a": {"S": "A"}, ":c": {"S": "C#"}})["Count"]
    records = ddb.scan(TableName=stack.physical["IdempotencyTable"], Select="COUNT")["Count"]
    return int(complaints), int(records)


def _headers(secret: str, body: bytes, *, webhook_id: str = "msg_test", at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(webhook_id, at, body.decode()),
            "content-type": "application/json"}


def _post(stack: LocalStack, headers: dict[str, str], body: bytes) -> requests.Response:
    return requests.post(stack.config.api_url + PATH, data=body, headers=headers, timeout=ANSWER_SECONDS)


def test_a_valid_signature_is_accepted(stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    body = json.dumps(complaint_body).encode()
    response = _post(stack, _headers(client.portal_secret("demo-portal"), body, webhook_id="msg_valid"), body)
    assert response.status_code == 202
    assert response.json()["complaint_id"].startswith("C")


@pytest.mark.parametrize("tamper, reason", [
    ("wrong_secret", "does not match"),
    ("altered_body", "does not match"),
    ("no_id", "missing signature headers: webhook-id"),
    ("no_timestamp", "missing signature headers: webhook-timestamp"),
    ("no_signature", "missing signature headers: webhook-signature"),
    ("ten_minutes_old", "seconds from now"),
    ("replayed_with_new_timestamp", "does not match"),
    ("malformed_signature", "does not match"),
])
def test_unverifiable_deliveries_are_401_and_store_nothing(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any], tamper: str, reason: str) -> None:
    secret = client.portal_secret("demo-portal")
    body = json.dumps(complaint_body).encode()
    headers = _headers(secret, body, webhook_id=f"msg_{tamper}")
    if tamper == "wrong_secret":
        headers = _headers("whsec_" + "A" * 44, body, webhook_id="msg_x")
    elif tamper == "altered_body":
        body = body.replace(b"TEST-", b"TEST-X")
    elif tamper.startswith("no_"):
        headers.pop({"no_id": "webhook-id", "no_timestamp": "webhook-timestamp",
                     "no_signature": "webhook-signature"}[tamper])
    elif tamper == "ten_minutes_old":
        headers = _headers(secret, body, at=datetime.now(UTC) - timedelta(minutes=10))
    elif tamper == "replayed_with_new_timestamp":
        # A captured delivery replayed later: the old signature with a fresh timestamp.
        old = _headers(secret, body, at=datetime.now(UTC) - timedelta(minutes=10))
        headers = dict(old, **{"webhook-timestamp": str(int(datetime.now(UTC).timestamp()))})
    elif tamper == "malformed_signature":
        headers["webhook-signature"] = "v1;not-base64"
    before = _counts(stack)
    response = _post(stack, headers, body)
    assert response.status_code == 401
    assert reason in response.json()["message"]
    assert _counts(stack) == before


def test_a_rotating_portal_may_sign_with_either_secret(stack: LocalStack, client: DeskClient,
                                                       complaint_body: dict[str, Any]) -> None:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    name = stack.physical["PortalSecrets"]
    secrets = json.loads(sm.get_secret_value(SecretId=name)["SecretString"])
    old = secrets["demo-portal"][0]
    new = "whsec_" + "bmV3LXNlY3JldC1mb3ItdGhlLXJvdGF0aW9uLXRlc3Q="
    sm.put_secret_value(SecretId=name, SecretString=json.dumps(dict(secrets, **{"demo-portal": [old, new]})))
    stack.recycle("IntakeFunction")  # containers that cached the secret are gone, as after its cache expires
    try:
        for n, secret in enumerate((old, new)):
            body = json.dumps(dict(complaint_body, external_id=f"ROT-{n}")).encode()
            assert _post(stack, _headers(secret, body, webhook_id=f"msg_rot_{n}"), body).status_code == 202
        # Both signatures on one delivery, as a portal sends during the switch-over.
        body = json.dumps(dict(complaint_body, external_id="ROT-both")).encode()
        both = _headers(old, body, webhook_id="msg_rot_both")
        both["webhook-signature"] += " " + _headers(new, body, webhook_id="msg_rot_both")["webhook-signature"]
        assert _post(stack, both, body).status_code == 202
    finally:
        sm.put_secret_value(SecretId=name, SecretString=json.dumps(secrets))
        stack.recycle("IntakeFunction")


def test_the_same_webhook_id_gives_the_original_answer_and_a_new_body_is_409(
        client: DeskClient, complaint_body: dict[str, Any]) -> None:
    first = client.submit("demo-portal", complaint_body, webhook_id="msg_same")
    again = client.submit("demo-portal", complaint_body, webhook_id="msg_same")
    assert again == first
    # The same complaint re-sent under a new id, with its keys in another order: still the same complaint.
    reordered = dict(reversed(list(complaint_body.items())))
    assert client.submit("demo-portal", reordered, webhook_id="msg_other")["complaint_id"] == first["complaint_id"]
    changed = dict(complaint_body, text="完全不同的另一件事：账单多扣了钱。")
    for webhook_id in ("msg_same", "msg_third"):
        response = client.signed("demo-portal", "POST", PATH, json.dumps(changed).encode(), webhook_id=webhook_id)
        assert response.status_code == 409
        assert "different" in response.json()["message"]


def test_200_concurrent_deliveries_of_20_complaints_make_20_complaints_and_20_executions(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before, _ = _counts(stack)
    bodies = [dict(complaint_body, external_id=f"BURST-{n:02d}") for n in range(20)]
    # Each complaint delivered 10 times: 5 retries of one delivery, 5 fresh deliveries.
    jobs = [(body, f"msg_burst_{n}" if k < 5 else f"msg_burst_{n}_{k}") for n, body in enumerate(bodies)
            for k in range(10)]

    def deliver(job: tuple[dict[str, Any], str]) -> str:
        raw = json.dumps(job[0], ensure_ascii=False).encode()
        # As a portal does, a delivery answered "still being processed; retry" is sent again, until it is answered.
        for _ in range(100):
            response = client.signed("demo-portal", "POST", PATH, raw, webhook_id=job[1])
            if not (response.status_code == 409 and response.json()["error"] == "Conflict"):
                break
        assert response.status_code == 202, response.text
        return str(response.json()["complaint_id"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        ids = list(pool.map(deliver, jobs))
    groups = {n: sorted(set(ids[n * 10:(n + 1) * 10])) for n in range(20)}
    assert all(len(group) == 1 for group in groups.values()), groups
    assert len(set(ids)) == 20
    after, _ = _counts(stack)
    assert after - before == 20
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    names = [e["name"] for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=stack.state_machine_arn) for e in page["executions"]]
    assert sorted(n for n in names if n in set(ids)) == sorted(set(ids))


def test_a_portal_reads_back_its_own_complaint_only(stack: LocalStack, client: DeskClient,
                                                    complaint_body: dict[str, Any]) -> None:
    created = client.submit("demo-portal", complaint_body)
    status = client.portal_read("demo-portal", complaint_body["external_id"])
    assert status["complaint_id"] == created["complaint_id"] and status["status"] in ("acknowledged", "assigned")
    assert complaint_body["customer"]["phone"][-8:] not in json.dumps(status)
    other = client.signed("hotline-cti", "GET", f"/v1/portals/hotline-cti/complaints/{complaint_body['external_id']}")
    assert other.status_code == 404
    forged = client.signed("hotline-cti", "GET", f"/v1/portals/demo-portal/complaints/{complaint_body['external_id']}")
    assert forged.status_code == 401
    unsigned = requests.get(f"{stack.config.api_url}/v1/portals/demo-portal/complaints/x", timeout=ANSWER_SECONDS)
    assert unsigned.status_code == 401


def test_an_oversized_body_is_413(client: DeskClient, complaint_body: dict[str, Any]) -> None:
    body = json.dumps(dict(complaint_body, device={"model": "x" * 70_000})).encode()
    response = client.signed("demo-portal", "POST", PATH, body)
    assert response.status_code == 413 and "65536" in response.json()["message"]


def test_a_body_over_the_http_apis_10_mb_is_refused_by_the_api_as_api_gateway_does(
        stack: LocalStack, client: DeskClient) -> None:
    before, _ = _counts(stack)
    response = client.signed("demo-portal", "POST", PATH, b"x" * (10 * 1024 * 1024 + 1))
    assert (response.status_code, response.json()) == (413, {"message": "Request Entity Too Large"})
    assert _counts(stack)[0] == before  # nothing stored; the answer is the API's own, not the function's


def test_sensitive_channels_are_sensitive_from_intake(client: DeskClient, complaint_body: dict[str, Any]) -> None:
    answer = client.submit("demo-portal", dict(complaint_body, channel="regulator"))
    assert answer["sensitive"] is True
    assert client.submit("demo-portal", dict(complaint_body, external_id="NOT-SENSITIVE"))["sensitive"] is False


def test_the_acknowledgement_is_in_the_customers_language(stack: LocalStack, client: DeskClient,
                                                          complaint_body: dict[str, Any]) -> None:
    zh = client.submit("demo-portal", complaint_body)["complaint_id"]
    en = client.submit("demo-portal", dict(complaint_body, external_id="EN-1", language="en"))["complaint_id"]
    texts = {cid: stack.customer_messages(cid, "acknowledged")[0]["text"] for cid in (zh, en)}
    assert "已受理" in texts[zh] and zh in texts[zh]
    assert texts[en].startswith("Your complaint") and en in texts[en]


def test_the_api_serves_its_committed_openapi_document(stack: LocalStack) -> None:
    from infra.openapi import OUTPUT

    served = requests.get(f"{stack.config.api_url}/v1/openapi.json", timeout=ANSWER_SECONDS)
    assert served.status_code == 200
    assert served.json() == json.loads(OUTPUT.read_text(encoding="utf-8"))
