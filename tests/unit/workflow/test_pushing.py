"""Status back to portals: registration, signed Standard Webhooks deliveries, retries and the dead letters."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from complaints.core import clock
from complaints.core.errors import InvalidField
from complaints.core.requests import WebhookRegistration
from complaints.desk.context import Desk
from complaints.intake import webhooks
from complaints.workflow import pushing
from tests.unit.support import receive

SECRET = "whsec_" + base64.b64encode(b"unit-portal-secret-32-bytes-long").decode()
URL = "https://portal.example/complaints/status"


class Receiver:
    """A portal's receiver: answers with the statuses given, in turn, and keeps what it was sent."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.got: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        self.got.append((url, body, headers))
        return self.answers.pop(0) if self.answers else 200


def _secrets() -> dict[str, list[str]]:
    return {"demo-portal": [SECRET]}


@pytest.mark.parametrize("url, reason", [
    ("http://portal.example/hook", "https"),
    ("https://user:pw@portal.example/hook", "credentials"),
    ("https://10.0.0.7/hook", "private"),
    ("https://127.0.0.1/hook", "private"),
    ("https://[portal.example/hook", "not a URL"),
    ("https://portal.example:port/hook", "not a URL"),
])
def test_a_webhook_url_must_be_https_to_a_public_host_without_credentials(desk: Desk, url: str, reason: str) -> None:
    with pytest.raises(InvalidField, match=reason):
        webhooks.register(desk, "demo-portal", WebhookRegistration(url=url))
    assert webhooks.read(desk, "demo-portal").url is None


def test_unknown_events_are_refused_by_name(desk: Desk) -> None:
    with pytest.raises(InvalidField) as refused:
        webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["resolved", "exploded"]))
    assert refused.value.field == "events" and "exploded" in refused.value.reason


def test_a_registered_portal_gets_its_complaints_status_signed_and_without_personal_data(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    cid = receive(desk, phone="13912345678")
    receiver = Receiver()

    result = pushing.sweep(desk, _secrets, receiver)

    assert result.delivered == 1 and len(receiver.got) == 1
    url, body, headers = receiver.got[0]
    event = Webhook(SECRET).verify(body, headers)  # raises unless the signature holds
    assert url == URL and event["type"] == "complaint.acknowledged"
    assert event["data"]["complaint_id"] == cid and event["data"]["status"] == "acknowledged"
    assert "13912345678" not in body.decode() and "单元测试" not in body.decode()
    assert pushing.sweep(desk, _secrets, receiver).due == 0  # delivered once


def test_a_failing_receiver_is_tried_again_with_backoff_then_dead_lettered(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["acknowledged"]))
    cid = receive(desk)
    receiver = Receiver(*[503] * 10)
    delays = desk.policy.status_push.retry_after

    assert pushing.sweep(desk, _secrets, receiver).retried == 1
    for delay in delays:
        assert pushing.sweep(desk, _secrets, receiver).due == 0  # not before its delay
        clock.advance(desk.policy.calendar.add(clock.now(), delay) - clock.now() + timedelta(seconds=1))
        result = pushing.sweep(desk, _secrets, receiver)
    assert result.dead_lettered == 1
    ids = {headers["webhook-id"] for _, _, headers in receiver.got}
    assert len(receiver.got) == len(delays) + 1 and len(ids) == 1  # the same webhook-id on every attempt
    letters = webhooks.read(desk, "demo-portal").dead_letters
    assert [(d.complaint_id, d.last_error, d.attempts) for d in letters] == [(cid, "HTTP 503", len(delays) + 1)]
    clock.advance(timedelta(days=1))
    assert pushing.sweep(desk, _secrets, receiver).due == 0


def test_a_withdrawn_webhook_gets_nothing_more(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    webhooks.withdraw(desk, "demo-portal")
    receive(desk)
    receiver = Receiver()
    pushing.sweep(desk, _secrets, receiver)
    assert receiver.got == []


def test_the_payload_names_the_reply_and_the_promises_but_not_what_was_said(desk: Desk) -> None:
    from complaints.core.requests import ReplyRequest
    from complaints.handling import contacts
    from tests.unit.support import operator, to_resolution

    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["replied"]))
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    contacts.reply(desk, cid, operator(desk, owner), ReplyRequest(kind="call", summary="spoke to 王先生 at home"))
    receiver = Receiver()
    pushing.sweep(desk, _secrets, receiver)
    data = json.loads(receiver.got[0][1])["data"]
    assert data["reply_kind"] == "call" and "solution" in data["promises"]
    assert "王先生" not in receiver.got[0][1].decode()
