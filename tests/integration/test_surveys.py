"""Surveys off the link on the local stack: a phone survey an agent records, an SMS reply with digits.

Each is recorded once, ends the survey wait as the link's answer does, and counts in the reports by the
profile's satisfied threshold (the telecom profile: only a 10 is satisfied).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests

from infra.cli.client import ApiError, DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

pytestmark = pytest.mark.integration


def _closed(client: DeskClient, body: dict[str, Any]) -> tuple[str, str]:
    """A complaint confirmed fixed and closed, its survey wait open: (id, owner)."""
    cid = client.submit("demo-portal", body)["complaint_id"]
    owner = scenarios.to_confirmation(client, cid, daytime=True)
    scenarios.confirm_fixed(client, cid, owner)
    return cid, owner


def _satisfaction(client: DeskClient) -> dict[str, Any]:
    today = client.now().date()
    report = client.report("mgr-qian", (today - timedelta(days=30)).isoformat(),
                           (today + timedelta(days=30)).isoformat())
    return dict(report["satisfaction"])


def test_a_phone_survey_is_recorded_once_and_counted_by_the_threshold(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _satisfaction(client)
    cid, owner = _closed(client, complaint_body)
    caller = "a-liu" if owner != "a-liu" else "a-wang"  # another engineer of network optimisation
    survey = {"score": 9, "comment": "修好了，谢谢", "result": "satisfied"}

    # When the owner tries to survey their own handling, then another agent calls and records it, twice
    with pytest.raises(ApiError) as own:
        client.act(cid, "survey", owner, survey)
    first = client.act(cid, "survey", caller, survey)
    again = client.act(cid, "survey", caller, survey)
    with pytest.raises(ApiError) as other:
        client.act(cid, "survey", caller, {"score": 2})

    assert own.value.status == 403 and "does not survey their own" in own.value.message
    assert first["message"] == "phone survey recorded" and again["message"] == "phone survey already recorded"
    assert other.value.status == 409 and "already answered by phone" in other.value.message
    view = client.wait_for(cid, owner, status="closed")
    assert view["awaiting"] is None
    assert {k: view["survey"][k] for k in ("score", "channel", "asked_by")} == {
        "score": 9, "channel": "phone", "asked_by": caller}
    assert client.ended(cid) == "SUCCEEDED"  # the survey wait ended as a link's answer ends it
    after = _satisfaction(client)
    # 9 is not satisfied on a desk where only a 10 is
    assert (after["scored"] - before["scored"], after["satisfied"] - before["satisfied"]) == (1, 0)
    assert after["satisfied_from"] == 10
    assert after["by_channel"]["phone"] == before["by_channel"].get("phone", 0) + 1


def test_an_sms_reply_with_digits_is_recorded_once_and_counted_by_the_threshold(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    before = _satisfaction(client)
    phone = complaint_body["customer"]["phone"]
    cid, owner = _closed(client, complaint_body)
    sent = stack.customer_messages(cid, "survey")[-1]["text"]  # after the policy's delay
    assert "回复本短信 1-10 的数字" in sent

    # When the customer first replies with words, then with a score the gateway delivers twice
    unreadable = client.inbound_sms("sms-gateway", phone, "挺好的")
    assert unreadable["outcome"] == "unreadable" and client.show(cid, owner)["awaiting"] == "survey"
    assert "1-10" in stack.customer_messages(cid, "survey_reply_unreadable")[-1]["text"]
    recorded = client.inbound_sms("sms-gateway", phone, "10/10", webhook_id="msg_survey_sms_1")
    repeated = client.inbound_sms("sms-gateway", phone, "10/10", webhook_id="msg_survey_sms_1")
    later = client.inbound_sms("sms-gateway", phone, "3", webhook_id="msg_survey_sms_2")

    assert (recorded["outcome"], recorded["complaint_id"]) == ("recorded", cid)
    assert (repeated["outcome"], later["outcome"]) == ("already_recorded", "unmatched")
    view = client.wait_for(cid, owner, status="closed")
    assert view["awaiting"] is None and view["survey"]["score"] == 10 and view["survey"]["channel"] == "sms"
    assert client.ended(cid) == "SUCCEEDED"
    after = _satisfaction(client)
    assert (after["scored"] - before["scored"], after["satisfied"] - before["satisfied"]) == (1, 1)
    assert after["sms_unmatched"] - before["sms_unmatched"] == 1
    # Nothing of the sender's number is kept beside the complaint's own record of it.
    assert phone[-8:] not in "".join(line for line in stack.outbox_path.read_text(encoding="utf-8").splitlines()
                                     if '"template": "survey' not in line and cid not in line)


def test_only_the_sms_gateway_delivers_sms_and_only_signed(stack: LocalStack, client: DeskClient) -> None:
    with pytest.raises(ApiError) as portal:
        client.inbound_sms("demo-portal", "13800000000", "10")
    forged = requests.post(f"{stack.config.api_url}/v1/portals/sms-gateway/sms", json={"from": "1", "text": "10"},
                           headers={"webhook-id": "msg_x", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
                           timeout=ANSWER_SECONDS)
    with pytest.raises(ApiError) as bad:
        client.inbound_sms("sms-gateway", "12", "10")

    assert portal.value.status == 403 and "does not deliver SMS" in portal.value.message
    assert forged.status_code == 401
    assert bad.value.status == 422 and bad.value.body["errors"][0]["field"] == "from"
