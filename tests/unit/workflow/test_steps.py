"""The workflow's automatic steps: classify, assign, park, close and fail, each safe to run again."""

from __future__ import annotations

import pytest

from complaints.core.errors import NoAgentAvailable, SupervisorRequired
from complaints.desk.context import Desk
from complaints.handling import confirmation, links
from complaints.workflow import reminders, steps
from tests.unit.support import (
    BROADBAND,
    CallbackOutcome,
    CallbackRequest,
    FakeWorkflow,
    MemoryNotifier,
    Stage,
    Status,
    advance,
    events,
    operator,
    park,
    promise,
    receive,
    record,
    to_acceptance,
    to_confirmation,
    today_counts,
)


# ------------------------------------------------------------------ classify
def test_classifying_routes_a_coverage_complaint_to_network_optimisation(desk: Desk) -> None:
    cid = receive(desk)

    routing = steps.classify_step(desk, cid)

    assert routing == {"category": "network.coverage", "priority": "normal", "department": "network_optimisation",
                       "owner_id": None}
    stored = record(desk, cid)
    assert stored.classification is not None and stored.classification.evidence
    assert events(desk, cid) == ["received", "classified"]


def test_classifying_again_returns_the_same_routing_and_adds_nothing(desk: Desk) -> None:
    cid = receive(desk)
    first = steps.classify_step(desk, cid)
    version = record(desk, cid).version

    assert steps.classify_step(desk, cid) == first
    assert record(desk, cid).version == version and events(desk, cid).count("classified") == 1


def test_classifying_adds_the_promises_of_the_category(desk: Desk) -> None:
    # Given a complaint whose intake promises are the priority's alone
    cid = receive(desk, BROADBAND)
    assert {p.kind for p in record(desk, cid).promises} == {"acknowledge", "first_reply", "solution",
                                                            "regulator_ceiling", "same_day_clearing"}
    # When it is classified as a broadband fault
    steps.classify_step(desk, cid)
    # Then the repair order's first contact is promised too, and the acknowledgement stays kept
    stored = record(desk, cid)
    assert {p.kind for p in stored.promises} >= {"first_contact", "first_reply", "solution"}
    assert promise(stored, "acknowledge").state == "kept"


def test_the_same_customer_about_the_same_trouble_is_a_repeat_linked_both_ways(desk: Desk) -> None:
    earlier = receive(desk, phone="13900000001")
    steps.classify_step(desk, earlier)
    later = receive(desk, phone="13900000001")

    steps.classify_step(desk, later)

    assert record(desk, later).repeat_of == earlier
    assert "repeat" in events(desk, later) and "repeated_by" in events(desk, earlier)


# ------------------------------------------------------------------ assign
def test_assigning_picks_an_agent_of_the_department_and_counts_their_work(desk: Desk) -> None:
    cid = receive(desk)
    steps.classify_step(desk, cid)

    owner = steps.assign_step(desk, cid)["owner_id"]

    assert owner in ("a-wang", "a-liu")
    assert desk.loads.of([owner])[owner]["open_count"] == 1
    assert "assigned" in events(desk, cid)


def test_assigning_again_keeps_the_owner_and_takes_no_more_capacity(desk: Desk) -> None:
    cid = receive(desk)
    steps.classify_step(desk, cid)
    owner = steps.assign_step(desk, cid)["owner_id"]

    assert steps.assign_step(desk, cid)["owner_id"] == owner
    assert desk.loads.of([owner])[owner]["open_count"] == 1


def test_assigning_with_nobody_free_raises_and_notes_it_on_the_timeline(desk: Desk) -> None:
    for agent_id in ("a-wang", "a-liu"):
        agent = desk.policy.agent(agent_id)
        assert agent is not None
        desk.staff.put_agent(agent.model_copy(update={"capacity": 0}))
    cid = receive(desk)
    steps.classify_step(desk, cid)

    with pytest.raises(NoAgentAvailable):
        steps.assign_step(desk, cid)

    assert record(desk, cid).owner_id is None and "no_agent_available" in events(desk, cid)


def test_a_complaint_passed_around_is_left_for_the_supervisor(desk: Desk) -> None:
    cid = receive(desk)
    steps.classify_step(desk, cid)
    stored = record(desk, cid)
    stored.needs_supervisor = True
    desk.complaints.save(stored)

    with pytest.raises(SupervisorRequired):
        steps.assign_step(desk, cid)


# ------------------------------------------------------------------ park
def test_parking_at_acceptance_stores_the_token_starts_the_timer_and_tells_the_owner(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    steps.classify_step(desk, cid)
    owner = str(steps.assign_step(desk, cid)["owner_id"])

    token = park(desk, cid, Stage.ACCEPTANCE)

    stored = record(desk, cid)
    assert (stored.stage, stored.task_token, stored.status) == (Stage.ACCEPTANCE, token, Status.ASSIGNED)
    assert stored.timer_stage is Stage.ACCEPTANCE and stored.timer_due is not None
    assert stored.timer_due > stored.updated_at
    assert len(notifier.to_staff(owner, "assigned")) == 1


def test_parking_at_confirmation_sends_the_customer_a_link_that_opens_the_complaint(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)

    to_confirmation(desk, cid)

    token = notifier.link(cid, "resolved")
    assert links.open_link(desk, links.CONFIRM, token).record.complaint_id == cid
    assert confirmation.confirmation_open(desk, token).stage is Stage.CONFIRMATION


def test_the_survey_is_held_for_its_delay_and_then_sent_once(desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a complaint confirmed fixed and closed
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))
    assert steps.close_step(desk, cid)["survey"] is True
    # When the workflow waits for the survey
    park(desk, cid, Stage.SURVEY)
    # Then nothing goes out at once; the sweep after the policy's delay (and the lunch quiet hours) sends it, once
    assert notifier.to_customer(cid, "survey") == []
    advance(5)
    reminders.sweep(desk)
    reminders.sweep(desk)
    assert len(notifier.to_customer(cid, "survey")) == 1


# ------------------------------------------------------------------ close and fail
def test_closing_keeps_open_promises_frees_the_owner_and_asks_for_the_survey(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))

    answer = steps.close_step(desk, cid)

    stored = record(desk, cid)
    assert answer["survey"] is True and stored.status is Status.CLOSED and stored.closed_at is not None
    assert all(p.state != "pending" for p in stored.promises)
    assert desk.loads.of([owner])[owner]["open_count"] == 0


def test_closing_twice_counts_and_frees_once(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_confirmation(desk, cid)
    confirmation.callback(desk, cid, operator(desk, owner), CallbackRequest(outcome=CallbackOutcome.FIXED))

    steps.close_step(desk, cid)
    steps.close_step(desk, cid)

    assert today_counts(desk)["closed_confirmed"] == 1
    assert desk.loads.of([owner])[owner]["open_count"] == 0
    assert events(desk, cid).count("closed") == 1


def test_a_customer_never_reached_closes_unconfirmed_without_a_survey(desk: Desk) -> None:
    cid = receive(desk)
    to_confirmation(desk, cid)
    stored = record(desk, cid)
    stored.verified = "unconfirmed"
    desk.complaints.save(stored)

    answer = steps.close_step(desk, cid)

    assert answer["survey"] is False and record(desk, cid).status is Status.CLOSED_UNCONFIRMED
    assert today_counts(desk)["closed_unconfirmed"] == 1


def test_a_failed_complaint_stops_its_wait_frees_the_owner_and_tells_the_supervisor(
        desk: Desk, notifier: MemoryNotifier) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)

    steps.fail_step(desk, cid, "States.Timeout")
    steps.fail_step(desk, cid, "States.Timeout")

    stored = record(desk, cid)
    assert (stored.status, stored.failure, stored.stage, stored.task_token, stored.timer_due) == (
        Status.FAILED, "States.Timeout", None, None, None)
    assert desk.loads.of([owner])[owner]["open_count"] == 0  # freed once, not twice
    assert len(notifier.to_staff("sup-sun", "failed")) == 1


def test_the_workflow_is_started_once_per_delivery_with_ids_and_routing_facts_only(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk, phone="13900000009")

    (started, facts, name), = workflow.started
    assert started == cid and name is None
    assert set(facts) == {"portal_id", "channel", "sensitive", "service"}
    assert "13900000009" not in str(facts)
