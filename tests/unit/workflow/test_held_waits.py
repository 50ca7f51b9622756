"""Executions that end when the work ends: the waits after the close are held by timers, and a decision on
one starts a new execution only where the workflow has work left, once, even when two arrive together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from complaints.core.enums import Stage, Status
from complaints.core.errors import Conflict, NotAwaiting, VersionConflict, WorkflowUnavailable
from complaints.core.requests import ReviewRequest
from complaints.desk.context import Desk
from complaints.handling import confirmation, survey
from complaints.workflow import reminders, steps
from tests.unit.support import (
    CallbackOutcome,
    CallbackRequest,
    FakeWorkflow,
    MemoryNotifier,
    SurveyRequest,
    advance,
    operator,
    receive,
    record,
    to_confirmation,
)


def _closed(desk: Desk, notifier: MemoryNotifier) -> tuple[str, str]:
    """A complaint confirmed fixed and closed, its survey sent; its id and the survey link's token."""
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    advance(5)
    reminders.sweep(desk)  # the survey goes out after the policy's delay
    return cid, notifier.link(cid, "survey")


def _started_after(workflow: FakeWorkflow, cid: str) -> list[tuple[dict[str, Any], str | None]]:
    return [(facts, name) for started, facts, name in workflow.started if started == cid and name not in (None, cid)]


def test_the_close_ends_the_execution_and_the_survey_is_held_by_its_timer(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, _ = _closed(desk, notifier)
    closed = record(desk, cid)
    assert closed.status is Status.CLOSED and closed.stage is Stage.SURVEY and closed.held
    assert closed.timer_stage is Stage.SURVEY and closed.timer_due is not None
    assert len(notifier.to_customer(cid, "survey")) == 1


def test_a_good_score_needs_no_execution(desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, link = _closed(desk, notifier)

    survey.answer_survey(desk, link, SurveyRequest(score=9))

    stored = record(desk, cid)
    assert stored.survey is not None and stored.survey.score == 9
    assert stored.stage is None and stored.timer_stage is None and _started_after(workflow, cid) == []
    assert not [token for token, _ in workflow.succeeded if token.startswith("token-survey")]


def test_a_low_score_is_held_for_review_and_a_review_that_reopens_starts_one_execution(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, link = _closed(desk, notifier)

    survey.answer_survey(desk, link, SurveyRequest(score=3))
    held = record(desk, cid)
    assert held.stage is Stage.REVIEW and held.held and held.timer_stage is Stage.REVIEW
    assert _started_after(workflow, cid) == []

    survey.review(desk, cid, operator(desk, "sup-sun"), ReviewRequest(
        cause="the antenna fix did not cover the back rooms", action="second site survey", reopen=True))

    reopened = record(desk, cid)
    assert reopened.status is Status.IN_PROGRESS and reopened.stage is None
    assert _started_after(workflow, cid) == [({"resume": {"stage": "AwaitResolution"}}, f"{cid}-r1")]
    assert reopened.execution_names == [cid, f"{cid}-r1"] and reopened.runs[-1].kind == "reopen"
    # Its first wait clears the pending start: the sweep starts nothing again
    token = "token-resolution-again"
    steps.park_step(desk, cid, Stage.RESOLUTION, token)
    assert record(desk, cid).decision is None


def test_a_review_that_does_not_reopen_starts_nothing(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, link = _closed(desk, notifier)
    survey.answer_survey(desk, link, SurveyRequest(score=2))

    survey.review(desk, cid, operator(desk, "sup-sun"), ReviewRequest(cause="slow reply", action="coached"))

    assert record(desk, cid).stage is None and _started_after(workflow, cid) == []


def test_an_appeal_and_a_reopening_review_arriving_together_start_one_execution(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    # Given a low score held for review, read by the supervisor and by the appeal's handler at once
    cid, link = _closed(desk, notifier)
    survey.answer_survey(desk, link, SurveyRequest(score=3))
    seen_by_appeal = record(desk, cid)

    # When the review reopens it first, and the appeal is written on what it had read
    survey.review(desk, cid, operator(desk, "sup-sun"), ReviewRequest(cause="c" * 5, action="a" * 5, reopen=True))
    with pytest.raises(VersionConflict):
        survey.appeal(desk, seen_by_appeal, "the signal is weak again", "customer")
    # and read again, the complaint is no longer closed
    with pytest.raises(Conflict, match="only a closed complaint"):
        survey.appeal(desk, record(desk, cid), "the signal is weak again", "customer")

    # Then one execution was started
    assert [name for _, name in _started_after(workflow, cid)] == [f"{cid}-r1"]
    assert record(desk, cid).appeal is None


def test_two_appeals_arriving_together_start_one_execution(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, _ = _closed(desk, notifier)
    first, second = record(desk, cid), record(desk, cid)

    survey.appeal(desk, first, "the signal is weak again at night", "customer")
    with pytest.raises(VersionConflict):
        survey.appeal(desk, second, "the signal is weak again at night", "agent:a-li")
    assert survey.appeal(desk, record(desk, cid), "the signal is weak again at night",
                         "customer").message == "appeal already received"

    assert _started_after(workflow, cid) == [({"resume": {"stage": "Assign"}}, f"{cid}-appeal")]


def test_a_survey_answer_after_an_appeal_is_refused_clearly_and_starts_nothing(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid, link = _closed(desk, notifier)
    survey.appeal(desk, record(desk, cid), "the signal is weak again at night", "customer")

    with pytest.raises(Exception, match="no longer open"):
        survey.answer_survey(desk, link, SurveyRequest(score=2))
    with pytest.raises(NotAwaiting):
        survey.review(desk, cid, operator(desk, "mgr-qian"), ReviewRequest(cause="c" * 5, action="a" * 5))
    assert len(_started_after(workflow, cid)) == 1


def test_an_execution_whose_start_failed_is_started_by_the_sweep(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow, monkeypatch: pytest.MonkeyPatch) -> None:
    cid, _ = _closed(desk, notifier)
    start = workflow.start

    def refused(complaint_id: str, facts: dict[str, Any], name: str | None = None) -> None:
        raise WorkflowUnavailable("the workflow did not start (ServiceUnavailable)")

    monkeypatch.setattr(workflow, "start", refused)
    survey.appeal(desk, record(desk, cid), "the signal is weak again at night", "customer")
    pending = record(desk, cid)
    assert pending.execution_names[-1] == f"{cid}-appeal" and pending.decision is not None
    assert pending.decision.start == f"{cid}-appeal"

    monkeypatch.setattr(workflow, "start", start)
    advance(minutes=1)
    reminders.sweep(desk)
    assert _started_after(workflow, cid) == []  # not due yet
    advance(minutes=2)
    assert reminders.sweep(desk).redelivered == 1

    assert _started_after(workflow, cid) == [({"resume": {"stage": "Assign"}}, f"{cid}-appeal")]
    settled = record(desk, cid)
    assert settled.decision is None and settled.timer_stage is None
    advance(timedelta(minutes=5).total_seconds() / 3600)
    assert reminders.sweep(desk).redelivered == 0


def test_a_tracking_ticket_is_held_without_an_execution_and_its_follow_ups_need_none(
        desk: Desk, workflow: FakeWorkflow) -> None:
    from tests.unit.handling.test_tracking import _deferred  # a deferred report, handed over by HoldTracking
    cid, _ = _deferred(desk, 60)
    ticket = record(desk, cid)
    assert ticket.status is Status.TRACKING and ticket.held and ticket.timer_stage is Stage.TRACKING

    advance(days=8)
    reminders.sweep(desk)

    assert _started_after(workflow, cid) == [] and record(desk, cid).held
