"""Status pushed back to portals on the local stack: the relay, the sender queue and its SQS event source.

A slow portal holds up no other, and a change that is not saved tells no portal anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra.cli.client import ApiError, DeskClient
from infra.local import aws_endpoint, scenarios
from infra.local.aws_endpoint import Call, Fault
from infra.local.receiver import PortalReceiver
from infra.local.stack import LocalStack
from tests.integration.conftest import local_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def receiver() -> Iterator[PortalReceiver]:
    with PortalReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    for running in local_stack(tmp_path_factory, "WARNING"):
        running.change_policy("status_push", allow_http_hosts=["127.0.0.1"])  # the receiver: plain http, loopback
        yield running


@pytest.fixture(scope="module")
def hooks(client: DeskClient, receiver: PortalReceiver) -> PortalReceiver:
    """The online service hall answers slowly (/held/ok), the regulator's site at once (/ok)."""
    receiver.secrets = {"/held/ok": client.portal_secret("demo-portal"), "/ok": client.portal_secret("miit-appeals")}
    client.register_webhook("demo-portal", receiver.url + "/held/ok", ["acknowledged"])
    client.register_webhook("miit-appeals", receiver.url + "/ok")
    return receiver


def _until(condition: Callable[[], Any], within: float = 120.0) -> None:
    ends = time.monotonic() + within
    while not condition():
        assert time.monotonic() < ends, "the condition did not hold in time"
        time.sleep(0.05)


def test_a_slow_portal_does_not_hold_up_the_deliveries_to_another(
        client: DeskClient, hooks: PortalReceiver, complaint_body: dict[str, Any]) -> None:
    # Given a complaint for a portal that answers slowly, and then one for a portal that answers at once
    slow = client.submit("demo-portal", dict(complaint_body))["complaint_id"]
    quick = client.submit("miit-appeals", dict(complaint_body, external_id=complaint_body["external_id"] + "-Q",
                                                channel="regulator"))["complaint_id"]
    hooks.release.clear()
    # When the relay runs and the sender posts
    ticking = threading.Thread(target=client.tick, daemon=True)
    ticking.start()
    try:
        # Then the quick portal has its event while the slow one's answer is still outstanding
        _until(lambda: hooks.events("/held/ok", slow) and hooks.events("/ok", quick))
        assert not hooks.release.is_set()
    finally:
        hooks.release.set()
        ticking.join(120)
    assert [g["verified"] for g in hooks.events("/ok", quick) + hooks.events("/held/ok", slow)] == [True, True]


def test_a_change_that_is_not_saved_pushes_nothing_and_the_saved_one_pushes_once(
        client: DeskClient, hooks: PortalReceiver, complaint_body: dict[str, Any]) -> None:
    client.to_daytime()
    cid = client.submit("miit-appeals", dict(complaint_body, channel="regulator"))["complaint_id"]
    owner = scenarios.accept(client, cid)
    reply = {"kind": "call", "summary": "told the customer the plan"}

    # Given DynamoDB failing the transaction that saves the staged reply with its status event
    def saves_a_status_event(call: Call) -> bool:
        return call.function.logical_id == "OperatorFunction" and call.operation == "TransactWriteItems" and any(
            str(entry.get("Put", {}).get("Item", {}).get("SK", {}).get("S", "")).startswith("W#")
            for entry in call.params.get("TransactItems", []))

    fault = Fault(saves_a_status_event, error="InternalServerError", status=500)
    remove = aws_endpoint.inject(fault)
    try:
        with pytest.raises(ApiError):
            client.act(cid, "replies", owner, reply)
    finally:
        remove()
    assert fault.seen
    client.tick()
    # Then the portal heard nothing of the reply that was not saved
    assert "complaint.replied" not in [g["event"]["type"] for g in hooks.events("/ok", cid)]
    # And when it is saved, the portal hears of it once
    client.act(cid, "replies", owner, reply)
    client.tick()
    replied = [g for g in hooks.events("/ok", cid) if g["event"]["type"] == "complaint.replied"]
    assert len(replied) == 1 and replied[0]["verified"]
