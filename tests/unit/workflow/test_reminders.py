"""The scheduled sweep: overdue waits climb the ladder or change hands, unanswered surveys end, held messages go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.adapters.dynamodb import keys
from complaints.core import clock
from complaints.desk.context import Desk
from complaints.handling import confirmation, resolution
from complaints.workflow import reminders, steps
from tests.unit.support import (
    BILLING,
    CallbackOutcome,
    CallbackRequest,
    Channel,
    FakeWorkflow,
    MemoryNotifier,
    ResolutionOutcome,
    ResolveRequest,
    Stage,
    advance,
    events,
    move_clock_to,
    operator,
    park,
    receive,
    record,
    to_acceptance,
    to_confirmation,
    to_resolution,
    today_counts,
)

REFUND = ResolveRequest(outcome=ResolutionOutcome.RESOLVED, root_cause="wrong_charge", actions="refunded 30 yuan")


def _awaiting_quality_check(desk: Desk, channel: Channel = "hotline") -> str:
    """A billing complaint (owner a-wu, supervisor sup-zhao) whose report waits for the supervisor's check."""
    cid = receive(desk, BILLING, service=None, channel=channel)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), REFUND)
    park(desk, cid, Stage.QUALITY_CHECK)
    return cid


def _escalations(desk: Desk, cid: str) -> list[tuple[object, object]]:
    return [(e.detail["rung"], e.detail["to"]) for e in desk.complaints.timeline(cid) if e.type == "escalated"]


def test_a_sweep_with_nothing_due_does_nothing(desk: Desk) -> None:
    to_acceptance(desk, receive(desk))

    result = reminders.sweep(desk)

    assert (result.due, result.escalated, result.handed_over, result.released) == (0, 0, 0, 0)


def test_an_overdue_wait_climbs_the_ladder_one_rung_per_interval_and_stops_at_the_top(
        desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a quality check nobody did by the next morning
    cid = _awaiting_quality_check(desk)
    move_clock_to("10:00", desk)
    # When the sweep runs, minute after minute
    for _ in range(4):
        reminders.sweep(desk)
        advance(minutes=1)
    # Then the supervisor and the manager were told in turn (the check is theirs, not the owner's), and the timer
    # stopped
    assert _escalations(desk, cid) == [("supervisor", "sup-zhao"), ("manager", "mgr-qian")]
    assert record(desk, cid).timer_due is None
    # Each heard it in their digest, not at once
    assert notifier.to_staff("sup-zhao", "overdue") == []
    advance(minutes=20)
    reminders.sweep(desk)
    digest, = notifier.to_staff("sup-zhao", "digest")
    assert f"Complaint {cid} is overdue at quality_check" in digest.render()
    assert notifier.to_staff("a-wu", "digest") == []



def test_a_sensitive_complaint_starts_one_rung_up_and_its_news_goes_at_once(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = _awaiting_quality_check(desk, "gov_hotline")
    move_clock_to("10:00", desk)

    reminders.sweep(desk)

    assert _escalations(desk, cid) == [("manager", "mgr-qian")]
    assert len(notifier.to_staff("mgr-qian", "overdue")) == 1


@pytest.mark.parametrize("meanwhile", ["the wait ended", "a new wait began"])
def test_a_complaint_that_moved_on_after_the_index_was_read_is_skipped_not_escalated(
        desk: Desk, notifier: MemoryNotifier, monkeypatch: pytest.MonkeyPatch, meanwhile: str) -> None:
    # Given an overdue quality check, found due by the timers index
    cid = _awaiting_quality_check(desk)
    move_clock_to("10:00", desk)
    table = desk.complaints.table
    found = list(table.due(keys.WAITS, clock.now(), table.timer_shards))
    assert len(found) == 1
    # When, before the sweep reads the complaint, the supervisor acts on it (a DynamoDB index may also lag)
    moved = record(desk, cid)
    if meanwhile == "the wait ended":
        moved.set_timer(None, None)
    else:
        moved.set_timer(Stage.CONFIRMATION, clock.now() + timedelta(hours=1))
    desk.complaints.save(moved)
    index = table.due
    monkeypatch.setattr(table, "due", lambda kind, *rest: iter(found) if kind == keys.WAITS else index(kind, *rest))
    result = reminders.sweep(desk)
    # Then nobody is told it is overdue, and the sweep goes on
    assert (result.due, result.escalated, result.skipped) == (0, 0, 1)
    assert _escalations(desk, cid) == []
    assert notifier.to_staff("sup-zhao", "overdue") == []


def test_an_acceptance_not_given_in_time_goes_back_to_the_workflow_once(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    token = str(record(desk, cid).task_token)
    advance(5)

    first, second = reminders.sweep(desk), reminders.sweep(desk)

    assert (first.handed_over, second.handed_over) == (1, 0)
    assert workflow.errors_for(token) == ["Complaint.AcceptanceTimedOut"]
    assert record(desk, cid).previous_owners == [owner]


def test_an_unanswered_survey_is_recorded_as_no_response_and_ends_the_wait(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    token = park(desk, cid, Stage.SURVEY)
    advance(days=5)

    assert reminders.sweep(desk).timed_out == 1

    stored = record(desk, cid).survey
    assert stored is not None and stored.outcome == "no_response"
    assert workflow.errors_for(token) == ["Complaint.SurveyTimedOut"]
    assert today_counts(desk)["survey_no_response"] == 1 and "survey_no_response" in events(desk, cid)


def test_a_message_due_in_quiet_hours_is_held_until_the_morning(desk: Desk, notifier: MemoryNotifier) -> None:
    move_clock_to("22:00", desk, working_day=False)
    cid = receive(desk)
    assert notifier.to_customer(cid, "acknowledged") == []

    reminders.sweep(desk)
    assert notifier.to_customer(cid, "acknowledged") == []
    move_clock_to("08:31", desk, working_day=False)
    result = reminders.sweep(desk)

    assert result.released == 1 and len(notifier.to_customer(cid, "acknowledged")) == 1
    assert reminders.sweep(desk).released == 0


def test_each_shard_groups_sweep_takes_only_its_shards_timers_and_together_they_take_all(desk: Desk) -> None:
    # Given twelve complaints whose owners did not accept in time, spread over the timer shards
    from complaints.adapters.dynamodb.keys import timer_shard
    waiting = [receive(desk) for _ in range(12)]
    for cid in waiting:
        to_acceptance(desk, cid)
    advance(days=3)
    shards = desk.settings.timer_shards

    # When four schedules sweep a group each, one after another
    swept = {group: reminders.sweep(desk.sweeping(group, 4)).complaints for group in range(4)}

    # Then each took the complaints of its own shards, and none was taken twice or left
    for group, taken in swept.items():
        assert all(timer_shard(cid, shards) % 4 == group for cid in taken)
    assert sorted(cid for taken in swept.values() for cid in taken) == sorted(waiting)
    assert len({timer_shard(cid, shards) for cid in waiting}) > 1  # the test spreads over shards


def test_a_shard_group_outside_the_groups_is_refused(desk: Desk) -> None:
    import pytest
    with pytest.raises(ValueError, match="shard group 4"):
        desk.sweeping(4, 4)
