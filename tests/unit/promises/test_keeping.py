"""Keeping promises: a timer per pending promise, reminders, the customer's update, the miss, pause and move."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from complaints.core import clock
from complaints.core.errors import BadRequest, Conflict, Forbidden, InvalidField
from complaints.desk.context import Desk
from complaints.handling import resolution
from complaints.promises import extensions, keeping
from tests.unit.support import (
    FIXED,
    ExtendRequest,
    MemoryNotifier,
    PauseRequest,
    PromiseState,
    Status,
    events,
    operator,
    promise,
    receive,
    record,
    to_resolution,
    today_counts,
)

FAR = datetime(9000, 1, 1).astimezone()


def _pass(moment: datetime) -> None:
    clock.advance(moment - clock.now() + timedelta(minutes=1))


def _missed(desk: Desk, complaint_id: str) -> list[str]:
    """The kinds of the promises the complaint's timeline says were missed, in order."""
    return [str(e.detail["promise"]) for e in desk.complaints.timeline(complaint_id) if e.type == "promise_missed"]


def _timers(desk: Desk, until: datetime = FAR) -> set[str]:
    return {kind for _, kind, _ in desk.promise_timers.due(until)}


def test_every_pending_promise_has_a_timer_from_intake_on(desk: Desk) -> None:
    cid = receive(desk)

    pending = {p.kind for p in record(desk, cid).promises if p.state is PromiseState.PENDING}
    # the acknowledgement was kept at intake
    assert pending == {"first_reply", "solution", "regulator_ceiling", "same_day_clearing"}
    assert _timers(desk) == pending


def test_the_plan_reminds_at_half_warns_at_four_fifths_and_updates_the_customer_before_it_is_due(desk: Desk) -> None:
    cid = receive(desk)
    stored = record(desk, cid)
    first_reply = promise(stored, "first_reply")

    plan = keeping.plan(desk, first_reply, stored.received_at)

    assert [action for _, action in plan] == ["remind", "warn", "update", "due"]
    window = first_reply.due_at - stored.received_at
    assert plan[0][0] == stored.received_at + window * 0.5 and plan[-1][0] == first_reply.due_at
    assert not desk.policy.quiet.is_quiet(plan[2][0]) and plan[2][0] <= first_reply.due_at
    assert [a for _, a in keeping.plan(desk, promise(stored, "regulator_ceiling"), stored.received_at)] == [
        "remind", "warn", "due"]  # the customer hears the ceiling from nobody


def test_a_promise_still_pending_when_due_is_missed_counted_and_the_customer_updated(
        desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a complaint being worked on whose first reply is not given
    cid = receive(desk)
    to_resolution(desk, cid)
    # When its first reply falls due and the sweep runs
    _pass(promise(record(desk, cid), "first_reply").due_at)
    keeping.sweep(desk, clock.now())
    # Then it is missed, once in the report, and the customer heard how it stands
    assert promise(record(desk, cid), "first_reply").state is PromiseState.MISSED
    assert _missed(desk, cid).count("first_reply") == 1 and "customer_updated" in events(desk, cid)
    assert len(notifier.to_customer(cid, "progress_update")) == 1
    # and it went up to the department's supervisor
    missed = [e for e in desk.complaints.timeline(cid) if e.type == "promise_missed"]
    assert ("first_reply", "sup-sun") in [(e.detail["promise"], e.detail["escalated_to"]) for e in missed]
    assert today_counts(desk)["promise_missed:first_reply"] == 1


def test_a_second_sweep_takes_no_step_twice(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    to_resolution(desk, cid)
    _pass(promise(record(desk, cid), "first_reply").due_at)

    assert keeping.sweep(desk, clock.now()) > 0
    assert keeping.sweep(desk, clock.now()) == 0
    assert _missed(desk, cid).count("first_reply") == 1 and len(notifier.to_customer(cid, "progress_update")) == 1


def test_a_kept_promise_brings_no_miss(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)
    _pass(promise(record(desk, cid), "first_reply").due_at)

    keeping.sweep(desk, clock.now())

    assert promise(record(desk, cid), "first_reply").state is PromiseState.KEPT
    assert "promise_missed" not in events(desk, cid)


def test_waiting_on_the_customer_stops_the_pausable_promises_and_resuming_moves_them_by_the_wait(desk: Desk) -> None:
    cid = receive(desk)
    owner = operator(desk, to_resolution(desk, cid))
    before = record(desk, cid)

    keeping.pause(desk, cid, owner, PauseRequest(reason="waiting for the customer's test results"))
    paused = record(desk, cid)
    assert paused.status is Status.PENDING_CUSTOMER and paused.paused_at is not None
    # Past the first reply's due time the sweep leaves the stopped promise alone
    _pass(promise(before, "first_reply").due_at)
    keeping.sweep(desk, clock.now())
    assert promise(record(desk, cid), "first_reply").state is PromiseState.PENDING

    keeping.resume(desk, cid, owner)
    resumed = record(desk, cid)
    waited = clock.now() - paused.paused_at
    assert resumed.status is Status.IN_PROGRESS and resumed.paused_at is None
    assert promise(resumed, "solution").due_at == promise(before, "solution").due_at + waited
    assert promise(resumed, "regulator_ceiling").due_at == promise(before, "regulator_ceiling").due_at
    assert [e for e in events(desk, cid) if e in ("paused", "resumed")] == ["paused", "resumed"]


def test_only_the_owner_pauses_and_only_work_in_progress(desk: Desk) -> None:
    cid = receive(desk)
    owner = operator(desk, to_resolution(desk, cid))
    reason = PauseRequest(reason="waiting for the customer")

    with pytest.raises(Forbidden):
        keeping.pause(desk, cid, operator(desk, "sup-sun"), reason)
    keeping.pause(desk, cid, owner, reason)
    with pytest.raises(Conflict):
        keeping.pause(desk, cid, owner, reason)


def test_moving_a_promise_keeps_the_old_one_as_renegotiated_and_tells_the_customer(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = operator(desk, to_resolution(desk, cid))
    old = promise(record(desk, cid), "solution")
    later = old.due_at + timedelta(days=2)

    extensions.extend(desk, cid, owner, "solution", ExtendRequest(due_at=later, reason="a spare part is on order"))

    solutions = [p for p in record(desk, cid).promises if p.kind == "solution"]
    assert [(p.state, p.due_at) for p in solutions] == [(PromiseState.RENEGOTIATED, old.due_at),
                                                        (PromiseState.PENDING, later)]
    assert solutions[0].reason == "a spare part is on order"
    assert len(notifier.to_customer(cid, "promise_extended")) == 1
    assert today_counts(desk)["promise_renegotiated:solution"] == 1


@pytest.mark.parametrize("agent, kind, days, refused", [
    ("owner", "solution", -1, BadRequest),  # not later than now promised
    ("owner", "solution", 60, BadRequest),  # beyond the regulator's ceiling
    ("owner", "regulator_ceiling", 1, InvalidField),  # not without the explanation and the authority's report
    ("owner", "same_day_clearing", 1, Conflict),  # not a promise the desk may move
    ("a-wu", "solution", 1, Forbidden),  # another department's agent
])
def test_a_promise_is_not_moved_earlier_past_the_ceiling_nor_by_others(
        desk: Desk, agent: str, kind: str, days: int, refused: type[Exception]) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    current = promise(record(desk, cid), kind)

    with pytest.raises(refused):
        extensions.extend(desk, cid, operator(desk, owner if agent == "owner" else agent), kind,
                       ExtendRequest(due_at=current.due_at + timedelta(days=days), reason="needs more time"))

    assert [p.state for p in record(desk, cid).promises if p.kind == "solution"] == [PromiseState.PENDING]
