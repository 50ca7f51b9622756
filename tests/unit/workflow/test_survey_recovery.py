"""A survey answer after the close: what the policy asks to follow it is driven by the timers, not just recorded.

A low score (or an unsatisfied result) is a recovery task for the supervisor with its own promise; the
complaint's execution ended at the close, so the review's timer and the recovery promise's timers drive it:
the supervisor is reminded and warned, the promise is marked missed when the review is late, the overdue
review climbs the escalation ladder, and only a review that reopens starts an execution.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from complaints.core.enums import EventType, PromiseState, Stage, Status
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
    events,
    operator,
    promise,
    receive,
    record,
    to_confirmation,
)


def _rated(desk: Desk, notifier: MemoryNotifier, score: int, **ratings: Any) -> str:
    """A complaint confirmed fixed, closed (its execution ended) and rated from the survey's link."""
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    steps.close_step(desk, cid)
    advance(5)
    reminders.sweep(desk)  # the survey goes out after the policy's delay
    survey.answer_survey(desk, notifier.link(cid, "survey"), SurveyRequest(score=score, **ratings))
    return cid


def _sweep_until(desk: Desk, moment: datetime) -> None:
    """Sweep every hour of the fake clock until a few hours past the moment, as the schedule would."""
    while advance(1) <= moment + timedelta(hours=3):
        reminders.sweep(desk)


def _staff_lines(notifier: MemoryNotifier, agent_id: str) -> str:
    return "\n".join(str(m.params.get("lines", "")) for m in notifier.to_staff(agent_id, "digest"))


def _later_runs(workflow: FakeWorkflow, cid: str) -> list[str | None]:
    return [name for started, _, name in workflow.started if started == cid and name not in (None, cid)]


def test_a_low_score_recovery_is_reminded_warned_and_marked_missed_when_the_review_is_late(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    # Given a closed complaint rated 3: the review held by its timer, the recovery promised by the policy
    cid = _rated(desk, notifier, 3)
    held = record(desk, cid)
    assert held.status is Status.CLOSED and held.stage is Stage.REVIEW and held.held
    recovery = promise(held, "recovery")
    assert recovery.state is PromiseState.PENDING

    # When nobody reviews it and the sweeps run past the promise's time
    _sweep_until(desk, recovery.due_at)

    # Then the supervisor was reminded of the recovery before it fell due, the promise is missed, and the
    # overdue review went up the ladder; no execution was started for any of it
    late = record(desk, cid)
    assert promise(late, "recovery").state is PromiseState.MISSED
    assert EventType.PROMISE_MISSED.value in events(desk, cid)
    reminded = _staff_lines(notifier, "sup-sun")
    assert "recovery" in reminded.lower(), reminded
    escalated = [e for e in desk.complaints.timeline(cid) if e.type is EventType.ESCALATED]
    assert escalated and {e.detail["stage"] for e in escalated} == {"review"}
    # The review is the supervisor's: the ladder starts with them, never with the owner, who cannot review it
    assert escalated[0].detail["rung"] == "supervisor" and "owner" not in {e.detail["rung"] for e in escalated}
    assert late.stage is Stage.REVIEW and _later_runs(workflow, cid) == []


def test_an_unsatisfied_result_with_a_good_score_is_a_recovery_too(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid = _rated(desk, notifier, 9, result="unsatisfied")

    held = record(desk, cid)
    assert held.stage is Stage.REVIEW and promise(held, "recovery").state is PromiseState.PENDING
    _sweep_until(desk, promise(held, "recovery").due_at)
    assert promise(record(desk, cid), "recovery").state is PromiseState.MISSED


def test_a_review_in_time_keeps_the_recovery_and_its_later_steps_tell_no_one(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid = _rated(desk, notifier, 2)
    due = promise(record(desk, cid), "recovery").due_at

    survey.review(desk, cid, operator(desk, "sup-sun"), ReviewRequest(cause="slow reply", action="coached"))
    _sweep_until(desk, due)

    done = record(desk, cid)
    assert promise(done, "recovery").state is PromiseState.KEPT and done.stage is None
    assert EventType.PROMISE_MISSED.value not in events(desk, cid)
    assert "recovery" not in _staff_lines(notifier, "sup-sun").lower()
    assert _later_runs(workflow, cid) == []


def test_a_late_review_that_reopens_starts_one_execution_at_the_resolution(
        desk: Desk, notifier: MemoryNotifier, workflow: FakeWorkflow) -> None:
    cid = _rated(desk, notifier, 4)
    _sweep_until(desk, promise(record(desk, cid), "recovery").due_at)

    survey.review(desk, cid, operator(desk, "sup-sun"), ReviewRequest(
        cause="the fix did not cover the back rooms", action="second site survey", reopen=True))

    reopened = record(desk, cid)
    assert reopened.status is Status.IN_PROGRESS and promise(reopened, "recovery").state is PromiseState.MISSED
    assert _later_runs(workflow, cid) == [f"{cid}-r1"]
