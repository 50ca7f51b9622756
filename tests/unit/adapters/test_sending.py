"""A held message or a digest is deleted only after it was sent: a failed send is tried again by a later sweep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from complaints.adapters.dynamodb import Tables, messages
from complaints.adapters.notify import Message
from complaints.adapters.stepfunctions import Workflow
from complaints.core import clock
from complaints.core.policy import load_policy
from complaints.core.settings import Settings
from complaints.desk.context import Desk
from complaints.workflow import reminders
from tests.unit.adapters.conftest import TABLE, minutes


class FlakyGateway:
    """A notifier whose first `failures` sends fail, as a throttled or unreachable gateway would."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the gateway did not answer")
        self.sent.append(message)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    yield
    clock.reset()


def _desk(tables: Tables, gateway: FlakyGateway) -> Desk:
    settings = Settings(table_name=TABLE, state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:t",
                        notify_adapter="outbox", signing_secret_name="s", portal_secrets_name="p",
                        idempotency_table_name="idem", policy_profile="telecom")
    return Desk(settings=settings, base_policy=load_policy("telecom"), tables=tables,
                workflow=Workflow(settings.state_machine_arn), notifier=gateway,
                classifier_factory=lambda: None)  # type: ignore[arg-type,return-value]


def _hold_survey_link(tables: Tables) -> None:
    tables.messages.hold("C1", "survey", "+8613800000000", "en", {"link": "https://desk/s/1"}, clock.now())


def test_a_held_message_whose_send_failed_is_sent_by_the_next_sweep_exactly_once(tables: Tables) -> None:
    # Given a held survey link and a gateway that fails once
    gateway = FlakyGateway(failures=1)
    desk = _desk(tables, gateway)
    _hold_survey_link(tables)
    # When a sweep's send fails
    first = reminders.sweep(desk)
    # Then the message is kept with the failure recorded, and not sent again until its lease is up
    assert (first.released, first.send_failures, gateway.sent) == (0, 1, [])
    [kept] = tables.table.query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "C#C1"}})
    assert kept["last_error"] == {"S": "ConnectionError"} and kept["attempts"] == {"N": "1"}
    assert reminders.sweep(desk).released == 0
    # When the next sweep comes after the lease
    clock.advance(messages.LEASE + minutes(1))
    second = reminders.sweep(desk)
    # Then it is sent, once, and gone
    assert second.released == 1 and [m.template for m in gateway.sent] == ["survey"]
    assert gateway.sent[0].params["link"] == "https://desk/s/1"  # with the profile's SMS reply prompt beside it
    clock.advance(minutes(60))
    assert reminders.sweep(desk).released == 0 and len(gateway.sent) == 1
    assert list(tables.messages.due(clock.now())) == []


def test_a_held_message_is_claimed_by_one_sweep(tables: Tables) -> None:
    _hold_survey_link(tables)
    [due] = tables.messages.due(clock.now())
    assert tables.messages.claim(due, clock.now()) is not None
    assert tables.messages.claim(due, clock.now()) is None  # another sweep saw it due too
    assert list(tables.messages.due(clock.now())) == []


def test_a_message_that_never_goes_out_is_set_aside_with_its_error_not_dropped(tables: Tables) -> None:
    gateway = FlakyGateway(failures=messages.ATTEMPTS)
    desk = _desk(tables, gateway)
    _hold_survey_link(tables)
    for _ in range(messages.ATTEMPTS):
        assert reminders.sweep(desk).send_failures == 1
        clock.advance(messages.LEASE + minutes(1))
    # Off the timers index: no sweep tries it again, and it is still there to be looked at.
    assert reminders.sweep(desk).send_failures == 0 and gateway.sent == []
    [kept] = tables.table.query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": {"S": "C#C1"}})
    assert kept["template"] == {"S": "survey"} and kept["last_error"] == {"S": "ConnectionError"}
    assert "TSK" not in kept and kept["attempts"] == {"N": str(messages.ATTEMPTS)}


def test_a_digest_whose_send_failed_keeps_its_lines_and_goes_out_once_later(tables: Tables) -> None:
    # Given a digest of two lines due now and a gateway that fails once
    gateway = FlakyGateway(failures=1)
    desk = _desk(tables, gateway)
    tables.digests.queue("a-chen", "C1", "first line", clock.now())
    tables.digests.queue("a-chen", "C2", "second line", clock.now())
    # When the first sweep's send fails, then the sweep after the lease runs
    assert reminders.sweep(desk).send_failures == 1
    assert reminders.sweep(desk).digests == 0
    clock.advance(messages.LEASE + minutes(1))
    assert reminders.sweep(desk).digests == 1
    # Then both lines went out in one digest, once
    [digest] = gateway.sent
    assert digest.params["count"] == 2 and "first line" in digest.params["lines"]
    clock.advance(minutes(60))
    assert reminders.sweep(desk).digests == 0 and len(gateway.sent) == 1


def test_a_line_queued_while_a_digest_is_sent_goes_with_the_next_one(tables: Tables) -> None:
    tables.digests.queue("a-chen", "C1", "first line", clock.now())
    claimed = tables.digests.claim("a-chen", clock.now())
    assert claimed is not None and claimed.lines == ["first line"]
    assert tables.digests.claim("a-chen", clock.now()) is None  # one sweep wins
    tables.digests.queue("a-chen", "C2", "late line", clock.now())  # joins the digest being sent
    tables.digests.sent(claimed)
    again = tables.digests.claim("a-chen", clock.now())
    assert again is not None and again.lines == ["late line"]
