"""The policy's number of "not fixed" answers: the complaint is not reopened again as before, it gets a plan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.core import clock
from complaints.core.errors import InvalidField
from complaints.desk.context import Desk
from complaints.handling import confirmation, resolution
from tests.unit.support import (
    FIXED,
    CallbackOutcome,
    CallbackRequest,
    ConfirmRequest,
    FakeWorkflow,
    MemoryNotifier,
    QualityCheckRequest,
    ResolveRequest,
    Stage,
    Status,
    events,
    operator,
    park,
    receive,
    record,
    to_confirmation,
    today_counts,
)


def _not_fixed(desk: Desk, cid: str, owner: str) -> str:
    """The customer, called back, says it is still not fixed; the confirmation wait's task token."""
    token = park(desk, cid, Stage.CONFIRMATION)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.NOT_FIXED))
    return token


def _resolved_again(desk: Desk, cid: str, owner: str) -> None:
    park(desk, cid, Stage.RESOLUTION)
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)


def test_the_second_not_fixed_requires_a_long_term_plan_and_tells_the_supervisor_at_once(
        desk: Desk, workflow: FakeWorkflow, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    # The first "not fixed" reopens as before
    _not_fixed(desk, cid, owner)
    first = record(desk, cid)
    assert (first.not_fixed, first.plan_required, first.reopen_count) == (1, False, 1)
    assert events(desk, cid)[-1] == "reopened"
    _resolved_again(desk, cid, owner)
    # The second one asks for a plan: the supervisor hears of it at once, and so does the owner
    token = _not_fixed(desk, cid, owner)
    assert workflow.output_for(token) == {"outcome": "not_fixed", "tracking_required": True}
    second = record(desk, cid)
    assert (second.not_fixed, second.plan_required, second.status) == (2, True, Status.IN_PROGRESS)
    required, = [e for e in desk.complaints.timeline(cid) if e.type == "tracking_required"]
    assert (required.detail["not_fixed"], required.detail["supervisor"]) == (2, "sup-sun")
    told, = notifier.to_staff("sup-sun", "tracking_required")
    assert "after 2 tries" in told.render()
    assert len(notifier.to_staff(owner, "tracking_required")) == 1
    assert today_counts(desk)["tracking_required"] == 1 and today_counts(desk)["reopened"] == 2


def test_after_that_a_report_without_a_plan_is_refused_and_one_with_a_plan_opens_the_tracking_ticket(
        desk: Desk) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    _not_fixed(desk, cid, owner)
    _resolved_again(desk, cid, owner)
    _not_fixed(desk, cid, owner)
    park(desk, cid, Stage.RESOLUTION)
    for outcome in ("resolved", "temporary_measure"):
        with pytest.raises(InvalidField) as refused:
            resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest.model_validate(
                {"outcome": outcome, "root_cause": "antenna_tilt", "actions": "re-tilted again"}))
        assert refused.value.field == "plan" and "not fixed 2 times" in str(refused.value)
    assert record(desk, cid).stage is Stage.RESOLUTION
    planned = (clock.now() + timedelta(days=40)).date()
    resolution.resolve(desk, cid, operator(desk, owner), ResolveRequest(
        outcome="temporary_measure", root_cause="coverage_gap", actions="a repeater in the corridor",
        plan="a new site on block 7", expected_by=planned))
    # (reopened twice, it is urgent now: a supervisor checks the report first)
    assert record(desk, cid).status is Status.QUALITY_CHECK and record(desk, cid).plan_required
    park(desk, cid, Stage.QUALITY_CHECK)
    resolution.quality_check(desk, cid, operator(desk, "sup-sun"), QualityCheckRequest(passed=True))
    stored = record(desk, cid)
    assert stored.status is Status.TRACKING and not stored.plan_required
    assert stored.tracking is not None and stored.tracking.expected_by == planned


def test_the_customers_own_link_counts_as_a_not_fixed_answer_too(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    _not_fixed(desk, cid, owner)
    _resolved_again(desk, cid, owner)
    park(desk, cid, Stage.CONFIRMATION)
    confirmation.confirm(desk, notifier.link(cid, "resolved"), ConfirmRequest(outcome="not_fixed"))
    assert record(desk, cid).plan_required
    assert len(notifier.to_staff("sup-sun", "tracking_required")) == 1


@pytest.mark.policy(confirmation={"not_fixed_to_tracking": None})
def test_a_desk_without_the_rule_reopens_every_time(desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    for _ in range(3):
        _not_fixed(desk, cid, owner)
        _resolved_again(desk, cid, owner)
    stored = record(desk, cid)
    assert (stored.not_fixed, stored.plan_required) == (3, False)
    assert notifier.to_staff("sup-sun", "tracking_required") == []
