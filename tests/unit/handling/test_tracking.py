"""Tracking tickets (投诉跟踪单): a deferred fix is promised for its planned day, followed up, and verified."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from complaints.core import clock
from complaints.core.enums import WorkflowError
from complaints.core.errors import InvalidField
from complaints.desk.context import Desk
from complaints.handling import resolution, tracking
from complaints.workflow import reminders, steps
from tests.unit.support import (
    FIXED,
    FakeWorkflow,
    FollowUpRequest,
    MemoryNotifier,
    PromiseState,
    QualityCheckRequest,
    ResolutionOutcome,
    ResolveRequest,
    Stage,
    Status,
    advance,
    events,
    operator,
    park,
    receive,
    record,
    to_resolution,
    today_counts,
)


def _planned(days: int) -> date:
    return (clock.now() + timedelta(days=days)).date()


def _deferred(desk: Desk, days: int = 60) -> tuple[str, str]:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest(
        outcome=ResolutionOutcome.DEFERRED, root_cause="coverage_gap", actions="drive test: no dominant cell",
        plan="new base station in the 2027 build plan", expected_by=_planned(days)))
    steps.park_step(desk, cid, Stage.TRACKING, None)  # HoldTracking: the execution ends, the timer holds it
    return cid, owner


def test_a_deferred_fix_moves_the_solution_promise_to_its_planned_day_and_tells_the_customer(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, _ = _deferred(desk, 60)

    stored = record(desk, cid)
    solutions = [p for p in stored.promises if p.kind == "solution"]
    assert stored.status is Status.TRACKING
    assert [p.state for p in solutions] == [PromiseState.RENEGOTIATED, PromiseState.PENDING]
    assert solutions[1].due_at == tracking.end_of_day(desk, _planned(60))
    told, = notifier.to_customer(cid, "tracking")
    assert str(_planned(60)) in told.render()
    assert today_counts(desk)["tracking_opened"] == 1


def test_a_plan_in_the_past_or_too_far_ahead_is_refused(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    for days in (-1, 400):
        with pytest.raises(InvalidField):
            resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest(
                outcome=ResolutionOutcome.DEFERRED, root_cause="coverage_gap", actions="no dominant cell",
                plan="new site", expected_by=_planned(days)))
    assert record(desk, cid).stage is Stage.RESOLUTION


def test_a_follow_up_falls_due_weekly_and_a_new_date_is_told_to_the_customer(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid, owner = _deferred(desk, 60)
    advance(days=8)

    assert reminders.sweep(desk).follow_ups == 1
    due = [e for e in desk.complaints.timeline(cid) if e.type == "follow_up_due"]
    assert len(due) == 1 and due[0].detail["late"] is False

    tracking.follow_up(desk, cid, operator(desk, owner), FollowUpRequest(note="site acquired; equipment late",
                                                                         expected_by=_planned(90)))
    stored = record(desk, cid)
    assert stored.tracking is not None and stored.tracking.follow_ups == 1
    assert [p.state for p in stored.promises if p.kind == "solution"] == [
        PromiseState.RENEGOTIATED, PromiseState.RENEGOTIATED, PromiseState.PENDING]
    assert len(notifier.to_customer(cid, "tracking")) == 2


def test_the_fix_landing_is_reported_as_resolved_and_goes_back_to_the_customer(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid, owner = _deferred(desk)
    assert record(desk, cid).held and record(desk, cid).task_token is None

    with pytest.raises(InvalidField):
        resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest(
            outcome=ResolutionOutcome.TEMPORARY_MEASURE, root_cause="coverage_gap", actions="a repeater for now"))
    resolution.resolve(desk, cid, operator(desk, owner), FIXED.model_copy(update={"root_cause": "coverage_gap"}))

    stored = record(desk, cid)
    assert stored.status is Status.RESOLVED and stored.tracking is not None and stored.tracking.landed_at is not None
    assert events(desk, cid).count("fix_landed") == 1 and today_counts(desk)["fix_landed"] == 1
    # No execution held the ticket: the landed fix starts one at the customer's confirmation
    assert workflow.started[-1] == (cid, {"resume": {"stage": "AwaitConfirmation"}}, f"{cid}-r1")
    assert stored.runs[-1].kind == "fix_landed" and stored.decision is not None and stored.decision.start


def _temporary(desk: Desk, cid: str, owner: str, **plan: object) -> str:
    """The owner reports a temporary measure with the long-term plan; the decision's task token."""
    token = park(desk, cid, Stage.RESOLUTION)
    resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest.model_validate({
        "outcome": "temporary_measure", "root_cause": "coverage_gap", "actions": "lent a femtocell for the flat",
        "plan": "new site on the roof of block 7", "expected_by": _planned(45), **plan}))
    return token


def test_a_temporary_measure_with_a_long_term_plan_opens_a_tracking_ticket_whose_plan_owner_is_followed_up(
        desk: Desk, workflow: FakeWorkflow, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    planner = "a-liu" if owner != "a-liu" else "a-wang"  # the network planner, not the complaint's owner
    token = _temporary(desk, cid, owner, plan_owner=planner)
    # The workflow is told to track it, not to ask the customer yet: AwaitResolution's Catch holds the ticket
    assert workflow.output_for(token) == {"outcome": "temporary_measure", "quality_check": False, "tracking": True}
    assert workflow.errors_for(token) == [WorkflowError.DEFERRED]
    stored = record(desk, cid)
    assert stored.status is Status.TRACKING and stored.tracking is not None
    assert (stored.tracking.owner, stored.tracking.temporary_measure) == (planner, "lent a femtocell for the flat")
    assert stored.resolution is not None and stored.resolution.plan_owner == planner
    assert today_counts(desk)["tracking_opened"] == 1
    # Entering tracking tells the customer the plan; a week on, both the owner and the plan's owner are reminded
    steps.park_step(desk, cid, Stage.TRACKING, None)  # HoldTracking: the execution ends, the timer holds it
    assert len(notifier.to_customer(cid, "tracking")) == 1
    advance(days=8)
    assert reminders.sweep(desk).follow_ups == 1
    advance(minutes=20)
    reminders.sweep(desk)  # staff hear it in their digests
    for person in (owner, planner):
        digest, = notifier.to_staff(person, "digest")
        assert f"Tracking ticket {cid}: a follow-up is due" in digest.render()


def test_a_temporary_measure_alone_goes_to_the_customer_as_before(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    token = park(desk, cid, Stage.RESOLUTION)
    resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest(
        outcome=ResolutionOutcome.TEMPORARY_MEASURE, root_cause="coverage_gap", actions="a repeater for now"))
    assert workflow.output_for(token)["tracking"] is False and workflow.errors_for(token) == []
    assert record(desk, cid).status is Status.RESOLVED and record(desk, cid).tracking is None


@pytest.mark.parametrize(("fields", "wrong"), [
    ({"outcome": "temporary_measure", "plan": "new site"}, "expected_by"),
    ({"outcome": "resolved", "plan": "new site", "expected_by": "2027-01-01"}, "plan"),
    ({"outcome": "temporary_measure", "plan_owner": "a-liu"}, "plan_owner"),
])
def test_a_plan_goes_whole_with_a_deferred_outcome_or_a_temporary_measure(fields: dict[str, object],
                                                                          wrong: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ResolveRequest.model_validate({"root_cause": "coverage_gap", "actions": "a repeater", **fields})
    assert wrong in str(refused.value)


def test_a_plan_owner_off_the_roster_is_refused_and_nothing_changes(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    with pytest.raises(InvalidField) as refused:
        _temporary(desk, cid, owner, plan_owner="nobody")
    assert refused.value.field == "plan_owner"
    assert record(desk, cid).stage is Stage.RESOLUTION and record(desk, cid).tracking is None


@pytest.mark.policy(quality_check={"categories": ["network.*"]})
def test_a_checked_temporary_measure_with_a_plan_is_tracked_once_the_check_passes(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    _temporary(desk, cid, owner)
    assert record(desk, cid).status is Status.QUALITY_CHECK
    token = park(desk, cid, Stage.QUALITY_CHECK)
    resolution.quality_check(desk, cid, operator(desk, "sup-sun"), QualityCheckRequest(passed=True))
    assert workflow.output_for(token) == {"passed": True, "outcome": "temporary_measure", "tracking": True}
    assert workflow.errors_for(token) == [WorkflowError.DEFERRED]  # AwaitQualityCheck's Catch holds the ticket
    assert record(desk, cid).status is Status.TRACKING
