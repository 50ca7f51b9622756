"""Accepting, the resolution report and the supervisor's quality check, each a claim on the waiting task."""

from __future__ import annotations

import pytest

from complaints.core import clock
from complaints.core.enums import WorkflowError
from complaints.core.errors import Forbidden, InvalidField, NotAwaiting, WorkflowUnavailable
from complaints.desk.context import Desk
from complaints.handling import acceptance, decisions, resolution
from tests.unit.support import (
    BILLING,
    BROADBAND,
    FIXED,
    FakeWorkflow,
    PromiseState,
    QualityCheckRequest,
    ResolutionOutcome,
    ResolveRequest,
    Stage,
    Status,
    events,
    operator,
    park,
    promise,
    receive,
    record,
    to_acceptance,
    to_resolution,
    today_counts,
)

REFUND = ResolveRequest(outcome=ResolutionOutcome.RESOLVED, root_cause="wrong_charge", actions="refunded 30 yuan")


def test_the_owner_accepts_and_the_first_contact_is_kept(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk, BROADBAND)
    owner = to_acceptance(desk, cid)
    token = str(record(desk, cid).task_token)

    acceptance.accept(desk, cid, operator(desk, owner))

    stored = record(desk, cid)
    assert (stored.status, stored.stage, stored.task_token) == (Status.IN_PROGRESS, None, None)
    # The decision stays on the complaint, with a timer to send it again, until the workflow parks next.
    assert stored.decision is not None and stored.decision.token == token
    assert stored.timer_due == clock.now() + decisions.REDELIVER_AFTER
    assert promise(stored, "first_contact").state is PromiseState.KEPT
    assert workflow.output_for(token) == {"accepted_by": owner}


def test_only_the_owner_accepts_and_only_once(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    other = "a-liu" if owner == "a-wang" else "a-wang"

    with pytest.raises(Forbidden):
        acceptance.accept(desk, cid, operator(desk, other))
    acceptance.accept(desk, cid, operator(desk, owner))
    with pytest.raises(NotAwaiting):
        acceptance.accept(desk, cid, operator(desk, owner))

    assert len(workflow.succeeded) == 1


def test_a_decision_the_workflow_does_not_take_puts_the_wait_back(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    token = record(desk, cid).task_token
    workflow.unavailable = True

    with pytest.raises(WorkflowUnavailable):
        acceptance.accept(desk, cid, operator(desk, owner))

    stored = record(desk, cid)
    assert (stored.stage, stored.task_token) == (Stage.ACCEPTANCE, token)
    assert sorted(events(desk, cid)[-2:]) == ["accepted", "decision_rolled_back"]  # at the same instant


def test_a_resolution_keeps_the_first_reply_and_goes_on_to_the_customer(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    token = str(record(desk, cid).task_token)

    resolution.resolve(desk, cid, operator(desk, owner), FIXED)

    stored = record(desk, cid)
    assert stored.status is Status.RESOLVED and stored.resolution is not None
    assert stored.resolution.root_cause == "antenna_tilt" and stored.resolution.by == owner
    assert promise(stored, "first_reply").state is PromiseState.KEPT
    assert promise(stored, "solution").state is PromiseState.PENDING  # kept when the customer confirms
    assert workflow.output_for(token) == {"outcome": "resolved", "quality_check": False, "tracking": False}


def test_a_root_cause_of_another_category_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)

    with pytest.raises(InvalidField) as refused:
        resolution.resolve(desk, cid, operator(desk, owner), REFUND)

    assert "antenna_tilt" in str(refused.value)
    stored = record(desk, cid)
    assert stored.stage is Stage.RESOLUTION and stored.resolution is None


def test_a_charge_complaint_is_checked_and_a_failed_check_returns_it_to_the_owner(
        desk: Desk, workflow: FakeWorkflow) -> None:
    # Given a resolved unauthorized-charge complaint, which the policy always checks
    cid = receive(desk, BILLING, service=None)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), REFUND)
    assert record(desk, cid).status is Status.QUALITY_CHECK
    token = park(desk, cid, Stage.QUALITY_CHECK)
    # When the owner tries to pass it, and the supervisor fails it with a reason
    with pytest.raises(Forbidden):
        resolution.quality_check(desk, cid, operator(desk, owner), QualityCheckRequest(passed=True))
    reason = "the VAS subscription is not cancelled"
    resolution.quality_check(desk, cid, operator(desk, "sup-zhao"), QualityCheckRequest(passed=False, reason=reason))
    # Then it is back at work with the reason, and counted
    stored = record(desk, cid)
    assert stored.status is Status.IN_PROGRESS and stored.quality_check is not None
    assert stored.quality_check.reason == reason
    assert workflow.output_for(token) == {"passed": False, "outcome": "resolved", "tracking": False}
    assert workflow.errors_for(token) == [WorkflowError.QUALITY_CHECK_FAILED]
    assert today_counts(desk)["quality_failed"] == 1


def test_a_passed_check_goes_on_to_the_customer(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk, BILLING, service=None)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), REFUND)
    token = park(desk, cid, Stage.QUALITY_CHECK)

    resolution.quality_check(desk, cid, operator(desk, "sup-zhao"), QualityCheckRequest(passed=True))

    assert record(desk, cid).status is Status.RESOLVED
    assert workflow.output_for(token) == {"passed": True, "outcome": "resolved", "tracking": False}
    assert today_counts(desk)["quality_passed"] == 1
