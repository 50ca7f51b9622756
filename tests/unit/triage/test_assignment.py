"""Assignment (派单): the least-loaded fitting agent under capacity, hand-over when not accepted, transfers."""

from __future__ import annotations

from typing import Any

import pytest

from complaints.core.enums import WorkflowError
from complaints.core.errors import BadRequest, Forbidden, NotAwaiting
from complaints.desk.context import Desk
from complaints.triage import assignment
from complaints.workflow import steps
from tests.unit.support import (
    BILLING,
    FakeWorkflow,
    MemoryNotifier,
    Stage,
    TransferRequest,
    operator,
    receive,
    record,
    to_acceptance,
    today_counts,
)


def _classified(desk: Desk, **complaint: Any) -> str:
    cid = receive(desk, **complaint)
    steps.classify_step(desk, cid)
    return cid


def _change_agent(desk: Desk, agent_id: str, **fields: Any) -> None:
    agent = desk.policy.agent(agent_id)
    assert agent is not None
    desk.staff.put_agent(agent.model_copy(update=fields))


def _candidates(desk: Desk, cid: str) -> list[str]:
    return [agent.id for agent in assignment.candidates(desk, record(desk, cid))]


def test_the_least_loaded_agent_of_the_department_is_offered_it(desk: Desk) -> None:
    desk.loads.adjust("a-wang", +3)
    cid = _classified(desk)

    assert _candidates(desk, cid) == ["a-liu", "a-wang"]
    assert steps.assign_step(desk, cid)["owner_id"] == "a-liu"


def test_equally_loaded_agents_take_turns(desk: Desk) -> None:
    owners = [steps.assign_step(desk, _classified(desk))["owner_id"] for _ in range(3)]
    desk.loads.adjust("a-wang", -1)  # a-wang closed one meanwhile
    desk.loads.adjust("a-liu", -1)

    assert owners == ["a-wang", "a-liu", "a-wang"]
    assert steps.assign_step(desk, _classified(desk))["owner_id"] == "a-liu"  # a-wang was assigned more recently


def test_an_agent_at_capacity_is_passed_over_and_capacity_is_taken_exactly(desk: Desk) -> None:
    _change_agent(desk, "a-wang", capacity=1)
    desk.loads.adjust("a-wang", +1)
    cid = _classified(desk)

    assert _candidates(desk, cid) == ["a-liu"]
    assert desk.loads.take_capacity("a-liu", 1) is True
    assert desk.loads.take_capacity("a-liu", 1) is False  # a second assignment at once finds no room


def test_with_every_agent_full_nobody_is_picked(desk: Desk) -> None:
    for agent_id in ("a-wang", "a-liu"):
        _change_agent(desk, agent_id, capacity=0)

    assert assignment.pick_owner(desk, record(desk, _classified(desk))) is None


@pytest.mark.parametrize("fields, complaint", [
    ({"areas": ["haidian-*"]}, {}),  # covers other areas
    ({"languages": ["zh-CN"]}, {"language": "en"}),  # does not speak the customer's language
    ({"shift": "20:00-08:00"}, {}),  # off duty in the morning
    ({"skills": ["broadband.*"]}, {}),  # not skilled in the category
])
def test_an_agent_who_does_not_fit_the_complaint_is_not_offered_it(
        desk: Desk, fields: dict[str, Any], complaint: dict[str, Any]) -> None:
    _change_agent(desk, "a-wang", **fields)

    assert _candidates(desk, _classified(desk, **complaint)) == ["a-liu"]


def test_an_owner_who_did_not_accept_in_time_loses_it_and_the_miss_is_counted(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    token = record(desk, cid).task_token
    assert token is not None

    assignment.hand_over_unaccepted(desk, record(desk, cid))

    stored = record(desk, cid)
    assert stored.owner_id is None and stored.previous_owners == [owner] and stored.stage is None
    assert workflow.errors_for(token) == [WorkflowError.ACCEPTANCE_TIMED_OUT]
    load = desk.loads.of([owner])[owner]
    assert (load["open_count"], load["missed_acceptances"]) == (0, 1)
    assert _candidates(desk, cid) == [a for a in ("a-wang", "a-liu") if a != owner]


def test_a_transfer_with_a_reason_moves_it_to_the_other_department_and_ends_the_wait(
        desk: Desk, workflow: FakeWorkflow) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    token = str(record(desk, cid).task_token)

    assignment.transfer(desk, cid, operator(desk, owner),
                        TransferRequest(reason="a fibre cut: maintenance's work", department="maintenance"))

    stored = record(desk, cid)
    assert (stored.department, stored.owner_id, stored.departments_left) == (
        "maintenance", None, ["network_optimisation"])
    assert workflow.errors_for(token) == [WorkflowError.TRANSFERRED]
    assert desk.loads.of([owner])[owner]["open_count"] == 0


def test_a_transfer_back_to_a_department_it_left_is_passing_around_for_the_supervisor(
        desk: Desk, notifier: MemoryNotifier) -> None:
    # Given a complaint network optimisation sent to maintenance, offered there to a-zhou
    cid = receive(desk)
    owner = to_acceptance(desk, cid)
    assignment.transfer(desk, cid, operator(desk, owner), TransferRequest(reason="a fibre cut", agent_id="a-zhou"))
    steps.park_step(desk, cid, Stage.ACCEPTANCE, "token-back")
    # When maintenance sends it back
    assignment.transfer(desk, cid, operator(desk, "a-zhou"),
                        TransferRequest(reason="not ours", department="network_optimisation"))
    # Then nobody owns it until the supervisor assigns it, and it is counted
    stored = record(desk, cid)
    assert stored.passing_around and stored.needs_supervisor and stored.owner_id is None
    assert stored.department == "maintenance"
    assert len(notifier.to_staff("sup-sun", "passing_around")) == 1
    assert today_counts(desk)["passing_around"] == 1


def test_a_transfer_is_refused_to_strangers_to_unknown_places_and_when_nothing_waits(desk: Desk) -> None:
    cid = receive(desk)
    owner = to_acceptance(desk, cid)

    with pytest.raises(Forbidden):
        assignment.transfer(desk, cid, operator(desk, "a-wu"), TransferRequest(reason="not mine",
                                                                               department="billing"))
    with pytest.raises(BadRequest):
        assignment.transfer(desk, cid, operator(desk, owner), TransferRequest(reason="elsewhere",
                                                                              department="nowhere"))
    billing = _classified(desk, text=BILLING, service=None)
    with pytest.raises(NotAwaiting):
        assignment.transfer(desk, billing, operator(desk, "sup-zhao"), TransferRequest(reason="elsewhere",
                                                                                       department="maintenance"))
    assert record(desk, cid).transfer_count == 0
