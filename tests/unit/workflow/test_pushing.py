"""Status back to portals: registration, the outbox written with each change, the relay to the sender queue,
signed Standard Webhooks deliveries, retries and the dead letters."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from complaints.adapters.dynamodb.codec import from_item
from complaints.adapters.dynamodb.pushes import LEASE
from complaints.adapters.portal_http import Destination
from complaints.adapters.push_queue import QueuedPush
from complaints.core import clock
from complaints.core.errors import InvalidField, VersionConflict
from complaints.core.requests import WebhookRegistration
from complaints.desk.context import Desk
from complaints.intake import webhooks
from complaints.workflow import pushing
from tests.unit.support import FakeWorkflow, receive

pytestmark = pytest.mark.usefixtures("dns")  # portal.example resolves to a public address, with no real DNS

SECRET = "whsec_" + base64.b64encode(b"unit-portal-secret-32-bytes-long").decode()
URL = "https://portal.example/complaints/status"


class Receiver:
    """A portal's receiver: answers with the statuses given, in turn, and keeps what it was sent."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.got: list[tuple[str, bytes, dict[str, str]]] = []

    def __call__(self, to: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
        self.got.append((to.url, body, headers))
        return self.answers.pop(0) if self.answers else 200


def _secrets() -> dict[str, list[str]]:
    return {"demo-portal": [SECRET]}


class Queue:
    """The sender queue: keeps what the relay sent, as SQS would hand it to the sender."""

    def __init__(self) -> None:
        self.sent: list[QueuedPush] = []

    def send(self, pushes: Sequence[QueuedPush]) -> list[tuple[QueuedPush, str]]:
        self.sent += pushes
        return []

    def take(self) -> list[str]:
        bodies, self.sent = [p.body for p in self.sent], []
        return bodies


def sweep(desk: Desk, receiver: Receiver, queue: Queue | None = None) -> Counter[str]:
    """One relay run, then the sender on every message it queued: what became of each."""
    queue = queue or Queue()
    pushing.relay(desk, queue)
    return Counter(outcome for body in queue.take() for outcome in pushing.deliver(desk, body, _secrets, receiver))


def waiting(desk: Desk, cid: str) -> list[dict[str, Any]]:
    """The complaint's status events not yet settled."""
    return [from_item(found) for found in desk.tables.table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :w)",
        ExpressionAttributeValues={":pk": {"S": f"C#{cid}"}, ":w": {"S": "W#"}}) if "TSK" in found]


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

    assert sweep(desk, receiver) == {pushing.DELIVERED: 1} and len(receiver.got) == 1
    url, body, headers = receiver.got[0]
    event = Webhook(SECRET).verify(body, headers)  # raises unless the signature holds
    assert url == URL and event["type"] == "complaint.acknowledged"
    assert event["data"]["complaint_id"] == cid and event["data"]["status"] == "acknowledged"
    assert "13912345678" not in body.decode() and "单元测试" not in body.decode()
    assert sweep(desk, receiver) == {} and waiting(desk, cid) == []  # delivered once, and settled


def test_the_queue_message_names_the_delivery_and_carries_no_personal_data(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    receive(desk, phone="13912345678")
    queue = Queue()

    result = pushing.relay(desk, queue)

    assert (result.due, result.queued) == (1, 1)
    sent = queue.sent[0]
    assert (sent.portal_id, sent.event, sent.attempt) == ("demo-portal", "acknowledged", 1)
    assert [set(d) for d in json.loads(sent.body)["deliveries"]] == [{"pk", "sk", "lease"}]
    assert "13912345678" not in str(sent.entry("p0"))


def test_a_failing_receiver_is_tried_again_with_backoff_then_dead_lettered(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["acknowledged"]))
    cid = receive(desk)
    receiver = Receiver(*[503] * 10)
    delays = desk.policy.status_push.retry_after

    assert sweep(desk, receiver) == {pushing.RETRIED: 1}
    for delay in delays:
        assert sweep(desk, receiver) == {}  # not before its delay
        clock.advance(desk.policy.calendar.add(clock.now(), delay) - clock.now() + timedelta(seconds=1))
        result = sweep(desk, receiver)
    assert result == {pushing.DEAD_LETTERED: 1}
    ids = {headers["webhook-id"] for _, _, headers in receiver.got}
    assert len(receiver.got) == len(delays) + 1 and len(ids) == 1  # the same webhook-id on every attempt
    letters = webhooks.read(desk, "demo-portal").dead_letters
    assert [(d.complaint_id, d.last_error, d.attempts) for d in letters] == [(cid, "HTTP 503", len(delays) + 1)]
    clock.advance(timedelta(days=1))
    assert sweep(desk, receiver) == {}


def test_a_message_handed_out_twice_settles_the_delivery_once(desk: Desk) -> None:
    # Given a claimed delivery whose message SQS hands to the sender twice (at-least-once delivery)
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    receive(desk)
    queue = Queue()
    pushing.relay(desk, queue)
    message = queue.take()[0]
    receiver = Receiver()
    # When both copies reach the sender
    outcomes = [pushing.deliver(desk, message, _secrets, receiver) for _ in range(2)]
    # Then the portal is posted to once; the second copy finds it settled
    assert outcomes == [[pushing.DELIVERED], [pushing.STALE]] and len(receiver.got) == 1


def test_a_lost_message_is_sent_again_when_the_lease_runs_out_with_the_same_webhook_id(desk: Desk) -> None:
    # Given a claimed delivery whose message never reached the sender (lost, or the sender crashed)
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    cid = receive(desk)
    queue = Queue()
    pushing.relay(desk, queue)
    lost = queue.take()[0]
    assert pushing.relay(desk, queue).due == 0  # claimed: not due within its lease
    # When the lease runs out
    clock.advance(LEASE + timedelta(seconds=1))
    receiver = Receiver()
    assert sweep(desk, receiver, queue) == {pushing.DELIVERED: 1}
    # Then it was delivered by the new claim, and the old message, arriving late, changes nothing
    assert pushing.deliver(desk, lost, _secrets, receiver) == [pushing.STALE]
    assert len(receiver.got) == 1 and receiver.got[0][2]["webhook-id"] == f"msg_{cid}_acknowledged_0"


def test_a_complaint_s_events_go_out_in_order_and_a_retried_one_keeps_the_later_ones_behind_it(desk: Desk) -> None:
    from complaints.core.requests import ReplyRequest
    from complaints.handling import contacts
    from tests.unit.support import operator, to_resolution

    # Given a complaint acknowledged and then replied to before the relay ran, to a portal failing once
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["acknowledged", "replied"]))
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    contacts.reply(desk, cid, operator(desk, owner), ReplyRequest(kind="call", summary="called back"))
    receiver = Receiver(503)
    # When the relay runs: one message carries both, in order; the first fails, the second waits behind it
    queue = Queue()
    pushing.relay(desk, queue)
    assert len(queue.sent) == 1 and queue.sent[0].event == "acknowledged,replied"
    assert pushing.deliver(desk, queue.take()[0], _secrets, receiver) == [pushing.RETRIED, pushing.POSTPONED]
    # Then after the delay both go, in order
    clock.advance(desk.policy.calendar.add(clock.now(), desk.policy.status_push.retry_after[0]) - clock.now()
                  + timedelta(seconds=1))
    assert sweep(desk, receiver) == {pushing.DELIVERED: 2}
    types = [json.loads(body)["type"] for _, body, _ in receiver.got]
    assert types == ["complaint.acknowledged", "complaint.acknowledged", "complaint.replied"]
    assert receiver.got[2][2]["webhook-id"].startswith(f"msg_{cid}_replied_")


def test_a_message_that_is_not_a_delivery_is_refused_by_name(desk: Desk) -> None:
    with pytest.raises(InvalidField, match="status push message"):
        pushing.deliver(desk, "{}", _secrets, Receiver())


def test_the_status_event_is_written_only_by_the_save_of_its_change(desk: Desk) -> None:
    # Given a portal registered for replies, and a complaint two requests read at once
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["replied"]))
    cid = receive(desk)
    first, second = desk.complaints.get(cid), desk.complaints.get(cid)
    desk.complaints.save(first, [])
    # When the second's change, with its status event, is refused for the newer version
    assert desk.pushes.announce(second, "replied", reply_kind="call")
    with pytest.raises(VersionConflict):
        desk.complaints.save(second, [])
    # Then no status event was stored; and a change that is saved stores its own, named by its version
    assert waiting(desk, cid) == []
    third = desk.complaints.get(cid)
    desk.pushes.announce(third, "replied", reply_kind="call")
    saved = desk.complaints.save(third, [])
    assert [p["message_id"] for p in waiting(desk, cid)] == [f"msg_{cid}_replied_{saved.version}"]
    assert saved.statuses == []  # written once: a later save of the record does not write it again


def test_a_repeated_delivery_of_a_complaint_queues_no_second_acknowledgement(desk: Desk) -> None:
    from complaints.core.requests import IntakeRequest
    from complaints.core.values import Customer
    from complaints.intake.portals import Delivery
    from complaints.intake.receive import submit

    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    portal = desk.policy.portal("demo-portal")
    assert portal is not None
    request = IntakeRequest.model_validate({"channel": "hotline", "external_id": "UNIT-AGAIN", "text": "没有信号",
                                            "customer": Customer(name="单元测试", phone="13912340000")})
    cid = submit(desk, Delivery(portal, "msg_first"), request).complaint_id
    assert submit(desk, Delivery(portal, "msg_again"), request).complaint_id == cid  # the portal sent it again
    assert [p["event"] for p in waiting(desk, cid)] == ["acknowledged"]


def test_a_withdrawn_status_event_is_not_sent(desk: Desk) -> None:
    # Given a change saved with its status event, then rolled back
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["replied"]))
    cid = receive(desk)
    record = desk.complaints.get(cid)
    desk.pushes.announce(record, "replied", reply_kind="call")
    saved = desk.complaints.save(record, [])
    rolled_back = desk.complaints.get(cid)
    desk.complaints.save(rolled_back, [], withdraw=[f"msg_{cid}_replied_{saved.version}"])
    # Then the relay finds nothing of it
    receiver = Receiver()
    assert sweep(desk, receiver) == {} and receiver.got == []


def test_a_withdrawn_webhook_gets_nothing_more(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    webhooks.withdraw(desk, "demo-portal")
    receive(desk)
    receiver = Receiver()
    sweep(desk, receiver)
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
    sweep(desk, receiver)
    data = json.loads(receiver.got[0][1])["data"]
    assert data["reply_kind"] == "call" and "solution" in data["promises"]
    assert "王先生" not in receiver.got[0][1].decode()


def test_the_payload_lists_the_customer_s_promises_and_not_those_between_departments(desk: Desk) -> None:
    from complaints.core.collaboration import ConsultRequest
    from complaints.core.requests import ReplyRequest
    from complaints.handling import collaboration, contacts
    from tests.unit.support import operator, to_resolution

    # Given a complaint whose owner has consulted billing, a promise between departments
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["replied"]))
    cid = receive(desk)
    agent = operator(desk, to_resolution(desk, cid))
    collaboration.consult(desk, cid, agent, ConsultRequest(department="billing", question="可否减免月租？"))
    assert "consult:Q1" in {p.kind for p in desk.complaints.get(cid).promises}
    # When the owner replies to the customer, the portal hears of the customer's promises only
    contacts.reply(desk, cid, agent, ReplyRequest(kind="call", summary="told the customer"))
    receiver = Receiver()
    sweep(desk, receiver)
    promises = json.loads(receiver.got[0][1])["data"]["promises"]
    assert "solution" in promises and "consult:Q1" not in promises


def test_an_acceptance_the_workflow_refused_takes_back_its_status_event(desk: Desk, workflow: FakeWorkflow) -> None:
    from complaints.core.errors import WorkflowUnavailable
    from complaints.handling import acceptance
    from tests.unit.support import operator, to_acceptance

    # Given a portal registered for assignments, and Step Functions refusing the acceptance
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL, events=["assigned"]))
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    workflow.unavailable = True
    with pytest.raises(WorkflowUnavailable):
        acceptance.accept(desk, cid, operator(desk, owner))
    # Then the wait is back and the portal hears nothing; the acceptance taken after tells it once
    receiver = Receiver()
    assert sweep(desk, receiver) == {}
    workflow.unavailable = False
    acceptance.accept(desk, cid, operator(desk, owner))
    assert sweep(desk, receiver) == {pushing.DELIVERED: 1}
    assert [json.loads(body)["type"] for _, body, _ in receiver.got] == ["complaint.assigned"]
