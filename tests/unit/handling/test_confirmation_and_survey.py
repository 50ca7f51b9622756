"""Confirming the fix with the customer, by callback or link, and the survey after the close."""

from __future__ import annotations

from datetime import timedelta

import pytest

from complaints.core import clock
from complaints.core.enums import WorkflowError
from complaints.core.errors import LinkExpired, LinkUsed, QuietHours
from complaints.desk.context import Desk
from complaints.handling import confirmation, survey
from complaints.workflow import reminders, steps
from tests.unit.support import (
    CallbackOutcome,
    CallbackRequest,
    ConfirmRequest,
    FakeWorkflow,
    MemoryNotifier,
    Priority,
    Stage,
    Status,
    SurveyRequest,
    advance,
    move_clock_to,
    operator,
    park,
    receive,
    record,
    to_confirmation,
    today_counts,
)


def _call(desk: Desk, cid: str, owner: str, outcome: CallbackOutcome) -> str:
    return confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=outcome)).message


def test_not_fixed_reopens_to_the_same_owner_at_a_higher_priority(desk: Desk, workflow: FakeWorkflow,
                                                                  notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    token = str(record(desk, cid).task_token)

    _call(desk, cid, owner, CallbackOutcome.NOT_FIXED)

    stored = record(desk, cid)
    assert (stored.status, stored.owner_id, stored.reopen_count, stored.priority) == (
        Status.IN_PROGRESS, owner, 1, Priority.HIGH)
    assert workflow.output_for(token) == {"outcome": "not_fixed", "tracking_required": False}
    assert workflow.errors_for(token) == [WorkflowError.NOT_FIXED]  # AwaitConfirmation's Catch reopens it
    assert today_counts(desk)["reopened"] == 1


def test_customers_are_not_called_in_quiet_hours(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    move_clock_to("22:00", desk, working_day=False)

    with pytest.raises(QuietHours):
        _call(desk, cid, owner, CallbackOutcome.UNREACHABLE)

    assert record(desk, cid).callback_attempts == 0


def test_unanswered_calls_close_it_unconfirmed_only_when_spread_over_the_policys_span(
        desk: Desk, workflow: FakeWorkflow) -> None:
    # Given a complaint whose customer does not answer, three times within the day, and is once busy
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    token = str(record(desk, cid).task_token)
    for outcome in (CallbackOutcome.UNREACHABLE, CallbackOutcome.CUSTOMER_BUSY, CallbackOutcome.UNREACHABLE,
                    CallbackOutcome.UNREACHABLE):
        _call(desk, cid, owner, outcome)
        advance(minutes=30)
    waiting = record(desk, cid)
    assert waiting.stage is Stage.CONFIRMATION and waiting.unreachable_attempts == 3
    # When another unanswered call comes two days after the first
    move_clock_to("11:00", desk)
    move_clock_to("11:00", desk)
    message = _call(desk, cid, owner, CallbackOutcome.UNREACHABLE)
    # Then it closes unconfirmed
    assert "closing unconfirmed" in message
    assert record(desk, cid).verified == "unconfirmed"
    assert workflow.output_for(token) == {"outcome": "unconfirmed"}
    assert steps.close_step(desk, cid)["survey"] is False


def test_the_customer_confirms_through_the_link_once(desk: Desk, notifier: MemoryNotifier,
                                                      workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    link = notifier.link(cid, "resolved")

    confirmation.confirm(desk, link, ConfirmRequest(outcome="fixed", comment="works now"))

    assert record(desk, cid).verified == "fixed" and workflow.succeeded[-1][1] == {"outcome": "fixed"}
    with pytest.raises(LinkUsed):
        confirmation.confirm(desk, link, ConfirmRequest(outcome="not_fixed"))
    with pytest.raises(LinkUsed):
        confirmation.confirmation_open(desk, link)


def _surveyed(desk: Desk, notifier: MemoryNotifier) -> tuple[str, str]:
    """A complaint closed as fixed whose survey went out; its id and the survey link's token."""
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    _call(desk, cid, owner, CallbackOutcome.FIXED)
    steps.close_step(desk, cid)  # the execution ends; the survey is held by its timer
    advance(5)
    reminders.sweep(desk)
    return cid, notifier.link(cid, "survey")


def test_the_survey_is_answered_once_and_its_score_stored(desk: Desk, notifier: MemoryNotifier) -> None:
    cid, link = _surveyed(desk, notifier)
    assert survey.survey_open(desk, link).complaint_id == cid

    survey.answer_survey(desk, link, SurveyRequest(score=9, comment="fast"))

    stored = record(desk, cid)
    assert stored.survey is not None and stored.survey.score == 9 and stored.stage is None
    with pytest.raises(LinkUsed):
        survey.answer_survey(desk, link, SurveyRequest(score=1))
    assert record(desk, cid).survey == stored.survey


def test_a_survey_link_expires_with_the_surveys_time(desk: Desk, notifier: MemoryNotifier) -> None:
    cid, link = _surveyed(desk, notifier)
    clock.advance(timedelta(days=4))

    with pytest.raises(LinkExpired):
        survey.answer_survey(desk, link, SurveyRequest(score=10))

    assert record(desk, cid).survey is None


def test_an_appeal_during_the_survey_ends_that_wait_and_goes_to_second_handling_in_an_execution_of_its_own(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, _ = _surveyed(desk, notifier)

    survey.appeal(desk, record(desk, cid), "the signal is weak again at night", "customer")

    stored = record(desk, cid)
    assert (stored.department, stored.status, stored.owner_id) == ("second_handling", Status.ACKNOWLEDGED, None)
    assert stored.priority in (Priority.HIGH, Priority.URGENT) and stored.stage is None
    assert workflow.started[-1] == (cid, {"resume": {"stage": "Assign"}}, f"{cid}-appeal")
    assert stored.execution_names == [cid, f"{cid}-appeal"] and stored.runs[-1].kind == "appeal"
    assert today_counts(desk)["appeals"] == 1


def test_an_appeal_while_an_execution_of_the_earlier_definition_waits_at_the_survey_ends_that_wait(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, _ = _surveyed(desk, notifier)
    token = park(desk, cid, Stage.SURVEY)  # an execution started before the survey was held by its timer

    survey.appeal(desk, record(desk, cid), "the signal is weak again at night", "customer")

    assert workflow.errors_for(token) == [WorkflowError.APPEALED]
    assert [name for _, _, name in workflow.started] == [None]  # that execution goes on to Assign
