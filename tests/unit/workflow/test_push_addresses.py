"""The desk calls public addresses only: a portal's webhook host is resolved at registration and again at every
delivery, and a name that resolves to a private, loopback or link-local address is refused, whenever it turns to
one; a refused delivery is dead-lettered at once with the reason. The resolver is the test's (`dns`)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import pytest

from complaints.adapters.portal_http import Destination
from complaints.core import clock
from complaints.core.errors import InvalidField
from complaints.core.requests import WebhookRegistration
from complaints.desk import status_push
from complaints.desk.context import Desk
from complaints.intake import webhooks
from complaints.workflow import pushing
from tests.unit.support import FakeDns, receive
from tests.unit.workflow.test_pushing import URL, Receiver, sweep, waiting

INTERNAL = [
    ("169.254.169.254", "link-local"),  # the cloud's metadata endpoint
    ("10.0.0.5", "private"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6: judged by the IPv4 address it stands for
    ("::1", "loopback"),
    ("fd12:3456::1", "private"),
    ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.251", "multicast"),
    ("100.64.0.9", "non-public"),  # the carrier's shared address space
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 for 169.254.169.254
]


class Sent(Receiver):
    """A receiver that also keeps the addresses each delivery was to connect to."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[tuple[str, ...]] = []

    def __call__(self, to: Destination, body: bytes, headers: dict[str, str], timeout: float) -> int:
        self.addresses.append(tuple(str(a) for a in to.addresses))
        return super().__call__(to, body, headers, timeout)


@pytest.mark.parametrize("address, kind", INTERNAL)
def test_a_name_resolving_to_an_internal_address_is_refused_at_registration(
        desk: Desk, dns: FakeDns, address: str, kind: str) -> None:
    dns.names["portal.example"] = [FakeDns.PUBLIC, address]  # one bad address is enough
    with pytest.raises(InvalidField) as refused:
        webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    assert refused.value.field == "url" and refused.value.status_code == 422
    reason = refused.value.reason
    assert reason.startswith("portal.example resolves to ") and f"a {kind} address" in reason
    assert webhooks.read(desk, "demo-portal").url is None


@pytest.mark.parametrize("address, kind", INTERNAL)
def test_a_name_turned_to_an_internal_address_after_registration_is_refused_at_delivery_and_dead_lettered(
        desk: Desk, dns: FakeDns, caplog: pytest.LogCaptureFixture, address: str, kind: str) -> None:
    # Given a portal registered while its name resolved to a public address
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    cid = receive(desk, phone="13912345678")
    # When the name resolves to an internal address by the time of the delivery (DNS rebinding)
    dns.names["portal.example"] = [address]
    receiver = Sent()
    assert sweep(desk, receiver) == {pushing.DEAD_LETTERED: 1}
    # Then nothing is sent; the delivery is a dead letter after its one attempt, with the reason, not tried again
    assert receiver.got == []
    letter, = webhooks.read(desk, "demo-portal").dead_letters
    assert (letter.complaint_id, letter.attempts) == (cid, 1)
    assert letter.last_error.startswith("url refused: portal.example resolves to ")
    assert f"a {kind} address" in letter.last_error
    clock.advance(timedelta(days=2))
    assert sweep(desk, receiver) == {} and receiver.got == []
    # And the log names the complaint, the delivery and the reason, and none of the customer's data
    logged, = (r for r in caplog.records if r.getMessage() == "status push refused; dead-lettered without trying again")
    assert (logged.__dict__["complaint_id"], logged.__dict__["message_id"]) == (cid, letter.message_id)
    assert logged.__dict__["error"] == letter.last_error
    assert not any("13912345678" in str(r.__dict__) for r in caplog.records)


def test_a_name_resolving_to_public_addresses_is_delivered_to_those_it_was_checked_with(
        desk: Desk, dns: FakeDns) -> None:
    dns.names["portal.example"] = ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", FakeDns.PUBLIC]
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=URL))
    receive(desk)
    receiver = Sent()
    assert sweep(desk, receiver) == {pushing.DELIVERED: 1}
    assert receiver.addresses == [(str(ipaddress.ip_address("2606:2800:21f:cb07:6820:80da:af6b:8b2c")),
                                   FakeDns.PUBLIC)]
    assert dns.asked.count("portal.example") == 2  # once at registration, once at the delivery


@pytest.mark.policy(status_push={"allow_http_hosts": ["localhost"]})
def test_a_host_the_policy_allows_is_delivered_to_on_loopback(desk: Desk, dns: FakeDns) -> None:
    # Given a receiver on the same machine, which the policy names (as the local stack does)
    dns.names["localhost"] = ["127.0.0.1", "::1"]
    webhooks.register(desk, "demo-portal", WebhookRegistration(url="http://localhost:8765/hook"))
    receive(desk)
    # When the delivery goes out, it goes to the loopback addresses the name resolved to
    receiver = Sent()
    assert sweep(desk, receiver) == {pushing.DELIVERED: 1}
    assert receiver.addresses == [("127.0.0.1", "::1")]


@pytest.mark.policy(status_push={"allow_http_hosts": ["127.0.0.1"]})
def test_a_loopback_address_the_policy_allows_is_delivered_to(desk: Desk) -> None:
    webhooks.register(desk, "demo-portal", WebhookRegistration(url="http://127.0.0.1:8765/hook"))
    receive(desk)
    receiver = Sent()
    assert sweep(desk, receiver) == {pushing.DELIVERED: 1} and receiver.addresses == [("127.0.0.1",)]


@pytest.mark.parametrize("url", ["https://2130706433/hook", "https://0x7f.1/hook", "https://017700000001/hook"])
def test_an_address_written_as_a_name_is_judged_by_what_it_resolves_to(desk: Desk, dns: FakeDns, url: str) -> None:
    # The resolver reads these as 127.0.0.1, which ipaddress does not: what the resolver answers is what counts
    with pytest.raises(InvalidField, match="resolves to 127.0.0.1, a loopback address"):
        webhooks.register(desk, "demo-portal", WebhookRegistration(url=url))


def test_a_name_that_does_not_resolve_is_registered_and_tried_again_at_delivery(desk: Desk, dns: FakeDns) -> None:
    # Given a portal registering a name its DNS does not publish yet (and no DNS in the tests)
    url = "https://hooks.portal.example/status"
    webhooks.register(desk, "demo-portal", WebhookRegistration(url=url))
    cid = receive(desk)
    receiver = Sent()
    # When it does not resolve at the delivery either: tried again later, as a portal that does not answer
    assert sweep(desk, receiver) == {pushing.RETRIED: 1} and receiver.got == []
    assert [p["last_error"] for p in waiting(desk, cid)] == ["host does not resolve (gaierror)"]
    # Then once it resolves to a public address, the retry delivers it
    dns.names["hooks.portal.example"] = [FakeDns.PUBLIC]
    delay = desk.policy.status_push.retry_after[0]
    clock.advance(desk.policy.calendar.add(clock.now(), delay) - clock.now() + timedelta(seconds=1))
    assert sweep(desk, receiver) == {pushing.DELIVERED: 1} and receiver.addresses == [(FakeDns.PUBLIC,)]


def test_a_resolver_that_does_not_answer_holds_neither_the_registration_nor_the_delivery(
        desk: Desk, dns: FakeDns) -> None:
    # Given a host whose resolver never answers, and a policy giving a portal one second to answer
    dns.hanging.add("slow.portal.example")
    rule = desk.policy.status_push.model_copy(update={"timeout_seconds": 1})
    url = "https://slow.portal.example/status"
    # Then the registration takes it as a name that does not resolve yet, after that second
    assert status_push.check_url(url, rule) == url
    # And a delivery gives up on it after that second too, to be tried again later (an OSError, not refused)
    with pytest.raises(TimeoutError, match="no answer"):
        status_push.destination(url, rule)
    assert dns.asked.count("slow.portal.example") == 2
    # And once the resolver answers, the name resolves as any other
    dns.answer.set()
    dns.names["slow.portal.example"] = [FakeDns.PUBLIC]
    assert status_push.destination(url, rule).addresses == (ipaddress.ip_address(FakeDns.PUBLIC),)


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "portal..example", ("a" * 60 + ".") * 5 + "example"])
def test_a_host_that_is_no_dns_name_is_refused_at_registration_by_name(desk: Desk, dns: FakeDns, host: str) -> None:
    # a label over 63 characters, an empty label, a name over 253: the resolver cannot even be asked
    with pytest.raises(InvalidField) as refused:
        webhooks.register(desk, "demo-portal", WebhookRegistration(url=f"https://{host}/hooks"))
    assert refused.value.field == "url" and "not a valid DNS name" in refused.value.reason
    assert webhooks.read(desk, "demo-portal").url is None
