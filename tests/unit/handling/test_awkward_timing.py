"""Awkward timing: pauses left open, resubmitted reports, bursts of calls, a decision whose send is lost."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from complaints.core import clock, errors
from complaints.core.errors import Conflict, VersionConflict
from complaints.core.policy_sections import QualityCheck
from complaints.desk.context import Desk
from complaints.handling import acceptance, confirmation, decisions, resolution
from complaints.promises import keeping
from complaints.workflow import reminders
from tests.unit.support import (
    FIXED,
    CallbackOutcome,
    CallbackRequest,
    FakeWorkflow,
    MemoryNotifier,
    PauseRequest,
    PromiseState,
    QualityCheckRequest,
    Stage,
    Status,
    advance,
    events,
    move_clock_to,
    operator,
    park,
    promise,
    receive,
    record,
    to_acceptance,
    to_confirmation,
    to_resolution,
)


def _pass(moment: datetime) -> None:
    clock.advance(moment - clock.now() + timedelta(minutes=1))


# ------------------------------------------------------------------ pauses
def test_resolving_while_paused_ends_the_pause_so_a_reopened_solution_is_still_missed_and_told(
        desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a complaint paused on the customer, resolved while paused, then reopened by the customer
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    keeping.pause(desk, cid, operator(desk, owner), PauseRequest(reason="waiting for the customer's photos"))
    advance(hours=1)
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)
    park(desk, cid, Stage.CONFIRMATION)
    move_clock_to("15:00", desk)  # out of the lunch-time quiet hours
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.NOT_FIXED))
    reopened = record(desk, cid)
    assert reopened.paused_at is None and reopened.status is Status.IN_PROGRESS
    assert "resumed" in events(desk, cid)
    # When the solution promise falls due
    _pass(promise(reopened, "solution").due_at)
    keeping.sweep(desk, clock.now())
    # Then it is missed, and the customer was updated before it fell due
    assert promise(record(desk, cid), "solution").state is PromiseState.MISSED
    assert notifier.to_customer(cid, "progress_update")
    # And a later resume does not move the date silently: there is no pause left to end
    with pytest.raises(Conflict):
        keeping.resume(desk, cid, operator(desk, owner))


def test_a_decision_out_of_a_pause_moves_the_pausable_promises_by_the_wait(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    before = promise(record(desk, cid), "solution").due_at
    keeping.pause(desk, cid, operator(desk, owner), PauseRequest(reason="waiting for the customer"))
    paused_at = record(desk, cid).paused_at
    assert paused_at is not None
    advance(hours=5)

    resolution.resolve(desk, cid, operator(desk, owner), FIXED)

    assert promise(record(desk, cid), "solution").due_at == before + (clock.now() - paused_at)


# ------------------------------------------------------------------ the quality check
def test_a_report_that_failed_its_check_is_checked_again_however_often_it_is_resubmitted(
        desk: Desk, workflow: FakeWorkflow) -> None:
    # Given a report the sample sent to a check, which the supervisor failed
    desk.base_policy = desk.base_policy.model_copy(update={"quality_check": QualityCheck(sample_rate=1.0)})
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)
    park(desk, cid, Stage.QUALITY_CHECK)
    resolution.quality_check(desk, cid, operator(desk, "sup-sun"),
                             QualityCheckRequest(passed=False, reason="no test call was made"))
    park(desk, cid, Stage.RESOLUTION)
    # When the sample would pass everything now, and the owner resubmits the same report
    desk.base_policy = desk.base_policy.model_copy(update={"quality_check": QualityCheck(sample_rate=0.0)})
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)
    # Then it goes to the check again, not to the customer
    assert record(desk, cid).status is Status.QUALITY_CHECK


def test_the_sample_does_not_change_when_the_owner_saves_again(desk: Desk) -> None:
    cid = receive(desk)
    to_resolution(desk, cid)
    stored = record(desk, cid)
    draws = {resolution._sample_draw(desk, stored.model_copy(update={"version": v})) for v in range(1, 40)}
    assert len(draws) == 1


# ------------------------------------------------------------------ callbacks
def test_a_burst_of_unreachable_calls_counts_as_one_attempt(desk: Desk) -> None:
    cid = receive(desk)
    owner = operator(desk, to_confirmation(desk, cid))
    unreachable = CallbackRequest(outcome=CallbackOutcome.UNREACHABLE)

    confirmation.callback(desk, cid, owner, unreachable)
    for _ in range(5):
        with pytest.raises(Conflict, match="next attempt counts from"):
            confirmation.callback(desk, cid, owner, unreachable)
    assert record(desk, cid).unreachable_attempts == 1
    advance(minutes=desk.policy.confirmation.attempt_interval_minutes)
    confirmation.callback(desk, cid, owner, unreachable)
    assert record(desk, cid).unreachable_attempts == 2


def test_concurrent_calls_read_at_the_same_version_count_once(desk: Desk) -> None:
    cid = receive(desk)
    owner = operator(desk, to_confirmation(desk, cid))
    seen = record(desk, cid)
    confirmation.callback(desk, cid, owner, CallbackRequest(outcome=CallbackOutcome.UNREACHABLE))
    # A second request that read the complaint before the first was saved cannot save over it
    seen.unreachable_attempts += 1
    with pytest.raises(VersionConflict):
        desk.complaints.save(seen)
    assert record(desk, cid).unreachable_attempts == 1


# ------------------------------------------------------------------ a decision whose send is lost
class SilentWorkflow(FakeWorkflow):
    """Step Functions that takes nothing and answers nothing for the first `silent` sends."""

    def __init__(self, silent: int) -> None:
        super().__init__()
        self.silent = silent

    def succeed(self, task_token: str, output: dict[str, object], error: str | None = None) -> None:
        if self.silent:
            self.silent -= 1
            raise errors.WorkflowUncertain("no answer from the workflow (ReadTimeoutError)")
        super().succeed(task_token, output, error)


def test_a_decision_whose_send_timed_out_is_sent_again_by_the_sweep_and_not_lost(desk: Desk) -> None:
    # Given an acceptance whose SendTaskSuccess times out after the complaint was saved
    silent = SilentWorkflow(silent=2)
    desk.workflow = silent
    cid = receive(desk)
    owner_id = to_acceptance(desk, cid)
    token = str(record(desk, cid).task_token)
    acceptance.accept(desk, cid, operator(desk, owner_id))  # answered: the decision is saved
    saved = record(desk, cid)
    assert saved.status is Status.IN_PROGRESS and saved.decision is not None and silent.succeeded == []
    # When the sweep runs: first while the workflow is still silent, then once it answers
    advance(minutes=3)
    assert reminders.sweep(desk).redelivered == 1 and silent.succeeded == []
    assert record(desk, cid).decision is not None  # kept for the next sweep
    advance(minutes=3)
    assert reminders.sweep(desk).redelivered == 1
    # Then the workflow has the decision once, and the complaint no longer carries it
    assert silent.output_for(token) == {"accepted_by": owner_id}
    assert record(desk, cid).decision is None and record(desk, cid).timer_due is None
    advance(minutes=10)
    assert reminders.sweep(desk).redelivered == 0


def test_a_decision_the_workflow_already_has_is_settled_by_the_sweep_without_a_second_effect(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    owner = str(record(desk, cid).owner_id)
    token = str(record(desk, cid).task_token)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    workflow.gone.add(token)  # the workflow took it and moved on; sending it again is refused as gone
    advance(minutes=3)
    assert reminders.sweep(desk).redelivered == 1
    assert record(desk, cid).decision is None
    assert decisions.REDELIVER_AFTER < timedelta(minutes=3)
