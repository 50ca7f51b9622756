"""Resuming and redriving: where a new execution goes on, and that no step sends or acts twice on the way."""

from __future__ import annotations

import pytest

from complaints.core.enums import EventType, Stage, Status
from complaints.core.errors import Conflict, Forbidden
from complaints.desk.context import Desk
from complaints.handling import acceptance, confirmation
from complaints.workflow import redrive, steps
from complaints.workflow.contract import State
from complaints.workflow.redrive import resume_state
from tests.unit.support import (
    CallbackOutcome,
    CallbackRequest,
    FakeWorkflow,
    MemoryNotifier,
    advance,
    events,
    operator,
    park,
    receive,
    record,
    to_acceptance,
    to_confirmation,
    to_resolution,
)


def _confirmed(desk: Desk, cid: str) -> str:
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    advance(minutes=1)
    return owner


# ------------------------------------------------------------------ where a new execution goes on
def test_the_stage_follows_the_complaint_through_its_steps_and_waits(desk: Desk) -> None:
    cid = receive(desk)
    assert resume_state(record(desk, cid)) is State.CLASSIFY
    steps.classify_step(desk, cid)
    assert resume_state(record(desk, cid)) is State.ASSIGN
    steps.assign_step(desk, cid)
    assert resume_state(record(desk, cid)) is State.ASSIGN  # Assign keeps its owner and goes on to acceptance
    park(desk, cid, Stage.ACCEPTANCE)
    assert resume_state(record(desk, cid)) is State.AWAIT_ACCEPTANCE
    owner = str(record(desk, cid).owner_id)
    acceptance.accept(desk, cid, operator(desk, owner))  # decided: the workflow goes on to the resolution
    assert resume_state(record(desk, cid)) is State.AWAIT_RESOLUTION


def test_a_confirmed_fix_goes_on_to_close_and_a_closed_complaint_holding_its_survey_has_nothing_to_redrive(
        desk: Desk) -> None:
    cid = receive(desk)
    _confirmed(desk, cid)
    assert resume_state(record(desk, cid)) is State.CLOSE
    steps.close_step(desk, cid)
    closed = record(desk, cid)
    assert closed.held and closed.stage is Stage.SURVEY
    assert resume_state(closed) is None  # the survey is held by its timer: no execution to go on with


def test_a_failed_complaint_goes_on_from_where_it_stood_when_its_step_failed(desk: Desk) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    steps.fail_step(desk, cid, "States.Timeout")
    failed = record(desk, cid)
    assert failed.status is Status.FAILED and failed.stage is None
    assert resume_state(failed) is State.AWAIT_CONFIRMATION


def test_a_closed_unconfirmed_complaint_has_nothing_to_go_on_with(desk: Desk) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    stored = record(desk, cid)
    stored.status, stored.stage, stored.task_token = Status.CLOSED_UNCONFIRMED, None, None
    assert resume_state(stored) is None


# ------------------------------------------------------------------ once per complaint and stage
def test_entering_the_confirmation_wait_again_sends_no_second_link_and_the_first_still_answers(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    link = notifier.link(cid, "resolved")
    # When a new execution enters the same wait with a new token
    token = park(desk, cid, Stage.CONFIRMATION)
    # Then the token is replaced, nothing is sent again, and the customer's link still decides
    assert record(desk, cid).task_token == token
    assert len(notifier.to_customer(cid, "resolved")) == 1
    confirmation.confirm(desk, link, confirmation.ConfirmRequest(outcome="fixed"))
    assert workflow.output_for(token) == {"outcome": "fixed"}


def test_entering_the_acceptance_wait_again_does_not_offer_it_to_the_owner_twice(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    due = record(desk, cid).timer_due
    advance(hours=2)
    park(desk, cid, Stage.ACCEPTANCE)
    assert len(notifier.to_staff(owner, "assigned")) == 1
    assert record(desk, cid).timer_due == due  # the owner's time to accept runs on, it does not start over


def test_closing_again_holds_no_second_survey(desk: Desk) -> None:
    cid = receive(desk)
    _confirmed(desk, cid)
    steps.close_step(desk, cid)
    nonce = record(desk, cid).survey_nonce
    steps.close_step(desk, cid)  # Step Functions retried the close
    held = [m for m in desk.messages.due(advance(days=30)) if m["complaint_id"] == cid and m["template"] == "survey"]
    assert len(held) == 1 and record(desk, cid).survey_nonce == nonce


def test_a_wait_whose_message_could_not_be_sent_sends_it_on_the_next_entry(
        desk: Desk, notifier: MemoryNotifier, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = receive(desk)
    owner = to_resolution(desk, cid)
    from complaints.handling import resolution
    from tests.unit.support import FIXED
    resolution.resolve(desk, cid, operator(desk, owner), FIXED)

    def down(message: object) -> None:
        raise ConnectionError("SNS is down")

    monkeypatch.setattr(notifier, "send", down)
    with pytest.raises(ConnectionError):
        park(desk, cid, Stage.CONFIRMATION)
    monkeypatch.undo()
    park(desk, cid, Stage.CONFIRMATION)
    assert len(notifier.to_customer(cid, "resolved")) == 1


# ------------------------------------------------------------------ redrive
def test_a_failed_complaint_is_redriven_where_it_stood_and_its_customer_is_not_told_twice(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    steps.fail_step(desk, cid, "States.Timeout")
    workflow.statuses[cid] = "FAILED"

    answer = redrive.redrive_by(desk, cid, operator(desk, "sup-sun"))

    stored = record(desk, cid)
    assert stored.status is Status.RESOLVED and stored.stage is Stage.CONFIRMATION and stored.failure is None
    assert workflow.started[-1] == (cid, {"resume": {"stage": "AwaitConfirmation"}}, f"{cid}-r1")
    assert stored.execution_names == [cid, f"{cid}-r1"] and f"{cid}-r1" in answer.message
    redriven = [e for e in desk.complaints.timeline(cid) if e.type == EventType.REDRIVEN]
    assert [(e.actor, e.detail["from"], e.detail["previous_status"]) for e in redriven] == [
        ("sup-sun", "AwaitConfirmation", "FAILED")]
    park(desk, cid, Stage.CONFIRMATION)
    assert len(notifier.to_customer(cid, "resolved")) == 1


def test_a_redrive_is_refused_while_the_execution_runs_and_when_nothing_waits(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    to_acceptance(desk, cid)
    with pytest.raises(Conflict, match="still running"):
        redrive.redrive_by(desk, cid, operator(desk, "sup-sun"))
    workflow.statuses[cid] = "SUCCEEDED"
    stored = record(desk, cid)
    stored.status, stored.stage = Status.CLOSED_UNCONFIRMED, None
    desk.complaints.save(stored)
    with pytest.raises(Conflict, match="nothing waits"):
        redrive.redrive_by(desk, cid, operator(desk, "sup-sun"))
    assert "redriven" not in events(desk, cid)


def test_only_a_supervisor_of_the_department_redrives(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    workflow.statuses[cid] = "ABORTED"
    with pytest.raises(Forbidden):
        redrive.redrive_by(desk, cid, operator(desk, owner))


def test_redrives_are_numbered_and_each_goes_on_from_the_latest(desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    to_acceptance(desk, cid)
    workflow.statuses[cid] = "TIMED_OUT"
    redrive.redrive_by(desk, cid, operator(desk, "sup-sun"))
    with pytest.raises(Conflict, match=f"{cid}-r1"):
        redrive.redrive_by(desk, cid, operator(desk, "sup-sun"))
    workflow.statuses[f"{cid}-r1"] = "ABORTED"
    redrive.redrive_by(desk, cid, operator(desk, "sup-sun"))
    assert record(desk, cid).execution_names == [cid, f"{cid}-r1", f"{cid}-r2"]


def test_after_a_restart_every_complaint_with_work_left_and_no_running_execution_is_redriven(
        desk: Desk, workflow: FakeWorkflow) -> None:
    # Given one complaint not yet classified, one waiting for acceptance, one closed with its survey held by
    # its timer, and one whose execution still runs
    unclassified, waiting, surveyed, running = receive(desk), receive(desk), receive(desk), receive(desk)
    to_acceptance(desk, waiting)
    _confirmed(desk, surveyed)
    steps.close_step(desk, surveyed)
    to_acceptance(desk, running)
    # When the executions of all but one are gone (one lost, two ended by a restart)
    del workflow.statuses[unclassified]
    workflow.statuses[waiting] = workflow.statuses[surveyed] = "ABORTED"

    redriven = redrive.redrive_stalled(desk)

    # Then those with work for the workflow are redriven; the held survey needs none
    assert sorted(redriven) == sorted([unclassified, waiting])
    assert {(name, facts["resume"]["stage"]) for _, facts, name in workflow.started if "resume" in facts} == {
        (f"{unclassified}-r1", "Classify"), (f"{waiting}-r1", "AwaitAcceptance")}
    assert all(e.actor == "system:restart" for e in desk.complaints.timeline(waiting)
               if e.type == EventType.REDRIVEN)
