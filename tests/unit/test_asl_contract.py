"""The state machine and the code name the same states and errors, both ways.

Every error the ASL retries or catches (besides Step Functions' own States.*)
is one the code raises or sends, named in complaints.workflow.contract; every
error the code sends to a waiting task is caught where the contract says; and
the states the contract names are exactly the ASL's. No other code spells a
state or error name out.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from complaints.core import errors
from complaints.core.enums import HELD_STAGES, ResumeAt, Stage, WorkflowError
from complaints.workflow import contract
from complaints.workflow.contract import State

ROOT = Path(__file__).resolve().parents[2]
ASL: dict[str, Any] = json.loads((ROOT / "statemachine" / "complaint.asl.json").read_text(encoding="utf-8"))
STATES: dict[str, dict[str, Any]] = ASL["States"]


def _matched(state: dict[str, Any], key: str) -> set[str]:
    return {error for rule in state.get(key, []) for error in rule["ErrorEquals"] if not error.startswith("States.")}


def _catchers(error: str) -> set[str]:
    return {name for name, state in STATES.items() if error in _matched(state, "Catch")}


def test_the_contract_names_every_state_of_the_asl_and_no_other() -> None:
    assert set(STATES) == {state.value for state in State}
    assert ASL["StartAt"] == State.RESUME


def test_the_resume_entry_leads_to_every_resumable_state_and_a_new_complaint_to_classify() -> None:
    resume = STATES[State.RESUME]
    assert resume["Type"] == "Choice"
    absent, null, *by_stage = resume["Choices"]
    assert absent == {"Not": {"Variable": "$.resume", "IsPresent": True}, "Next": State.CLASSIFY}
    assert null == {"Variable": "$.resume", "IsNull": True, "Next": State.CLASSIFY}
    assert [(rule["Variable"], rule["StringEquals"]) for rule in by_stage] == [
        ("$.resume.stage", rule["Next"]) for rule in by_stage]
    assert [rule["Next"] for rule in by_stage] == list(contract.RESUMABLE)
    assert resume["Default"] == State.RESUME_REFUSED
    refused = STATES[State.RESUME_REFUSED]
    assert refused["Type"] == "Fail" and refused["Error"] == contract.UNKNOWN_RESUME_STAGE


def test_every_error_the_asl_matches_is_in_the_contract_and_every_contract_error_is_matched() -> None:
    in_asl = set().union(*(_matched(s, "Retry") | _matched(s, "Catch") for s in STATES.values()))
    assert in_asl == contract.ERRORS


@pytest.mark.parametrize("error", list(WorkflowError))
def test_an_error_sent_to_a_waiting_task_is_caught_at_the_waits_that_receive_it(error: WorkflowError) -> None:
    assert _catchers(error) == contract.SENT_TO[error]
    assert all(STATES[s]["Resource"].endswith(".waitForTaskToken") for s in contract.SENT_TO[error])


@pytest.mark.parametrize("error", contract.RAISED, ids=lambda e: e.__name__)
def test_an_error_a_task_raises_is_a_domain_error_matched_by_its_class_name(error: type[Exception]) -> None:
    assert getattr(errors, error.__name__) is error and issubclass(error, errors.ComplaintError)
    assert _catchers(error.__name__) == contract.RAISED_AT.get(error.__name__, set())


def test_every_task_retries_the_transient_and_conflicting_errors() -> None:
    for name, state in STATES.items():
        if state["Type"] == "Task":
            assert contract.LAMBDA_TRANSIENT | {errors.VersionConflict.__name__} <= _matched(state, "Retry"), name


def test_each_stage_waits_in_its_own_state_through_the_park_function() -> None:
    assert set(contract.WAITS) == set(Stage) - HELD_STAGES
    for stage, state in contract.WAITS.items():
        assert STATES[state]["Resource"].endswith(".waitForTaskToken")
        assert STATES[state]["Parameters"]["Payload"]["stage"] == stage.value


def test_a_held_stage_is_handed_to_its_timer_by_a_park_without_a_token_and_the_execution_ends_there() -> None:
    for stage, state in contract.HOLDS.items():
        assert stage in HELD_STAGES
        hold = STATES[state]
        assert hold["Resource"] == "arn:aws:states:::lambda:invoke" and hold["End"] is True
        assert hold["Parameters"]["Payload"] == {"complaint_id.$": "$.complaint_id", "stage": stage.value}


def test_no_state_waits_after_the_close_and_the_close_ends_the_execution() -> None:
    assert STATES[State.CLOSE]["End"] is True
    waits = {name for name, state in STATES.items() if state.get("Resource", "").endswith(".waitForTaskToken")}
    assert waits == set(contract.WAITS.values())


def test_the_states_a_decision_on_a_held_wait_resumes_at_are_resumable() -> None:
    assert {State(state.value) for state in ResumeAt} <= set(contract.RESUMABLE)


def test_a_failed_complaint_ends_in_the_contract_failure() -> None:
    failed = STATES[State.FAILED]
    assert failed["Type"] == "Fail" and failed["Error"] == contract.COMPLAINT_FAILED
    assert STATES[State.MARK_FAILED]["Next"] == State.FAILED


def _literals(path: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_no_other_module_spells_out_a_state_or_an_error_name() -> None:
    names = {state.value for state in State} | {error.value for error in WorkflowError} | {contract.COMPLAINT_FAILED,
                                                                                        contract.UNKNOWN_RESUME_STAGE}
    names -= {"Close", "Done", "Failed", "Assign"}  # ordinary words in messages and labels too
    allowed = {ROOT / "shared/complaints/workflow/contract.py", ROOT / "shared/complaints/core/enums.py"}
    spelled = {f"{path.relative_to(ROOT)}: {sorted(found)}"
               for folder in ("shared", "functions", "infra", "bench")
               for path in (ROOT / folder).rglob("*.py")
               if path not in allowed and (found := _literals(path) & names)}
    assert spelled == set()


@pytest.mark.parametrize("stage, output, next_state", [
    (Stage.RESOLUTION, {"outcome": "resolved", "quality_check": False}, State.AWAIT_CONFIRMATION),
    (Stage.RESOLUTION, {"outcome": "resolved", "quality_check": True}, State.AWAIT_QUALITY_CHECK),
    (Stage.RESOLUTION, {"outcome": "deferred", "quality_check": False}, State.HOLD_TRACKING),
    (Stage.RESOLUTION, {"outcome": "deferred", "quality_check": False, "tracking": True}, State.HOLD_TRACKING),
    # a temporary measure with its long-term plan is tracked; one without goes to the customer
    (Stage.RESOLUTION, {"outcome": "temporary_measure", "quality_check": False, "tracking": True},
     State.HOLD_TRACKING),
    (Stage.RESOLUTION, {"outcome": "temporary_measure", "quality_check": False, "tracking": False},
     State.AWAIT_CONFIRMATION),
    (Stage.RESOLUTION, {"outcome": "temporary_measure", "quality_check": True, "tracking": True},
     State.AWAIT_QUALITY_CHECK),
    (Stage.QUALITY_CHECK, {"passed": True, "outcome": "resolved"}, State.AWAIT_CONFIRMATION),
    (Stage.QUALITY_CHECK, {"passed": True, "outcome": "deferred"}, State.HOLD_TRACKING),
    (Stage.QUALITY_CHECK, {"passed": True, "outcome": "temporary_measure", "tracking": True}, State.HOLD_TRACKING),
    (Stage.QUALITY_CHECK, {"passed": True, "outcome": "temporary_measure", "tracking": False},
     State.AWAIT_CONFIRMATION),
    (Stage.QUALITY_CHECK, {"passed": False, "outcome": "deferred"}, State.AWAIT_RESOLUTION),
    (Stage.QUALITY_CHECK, {"passed": False, "outcome": "temporary_measure", "tracking": False},
     State.AWAIT_RESOLUTION),
    (Stage.CONFIRMATION, {"outcome": "fixed"}, State.CLOSE),
    (Stage.CONFIRMATION, {"outcome": "unconfirmed"}, State.CLOSE),
    (Stage.CONFIRMATION, {"outcome": "not_fixed"}, State.AWAIT_RESOLUTION),
    # the policy's number of "not fixed" answers: back to the owner, whose next report must carry a plan
    (Stage.CONFIRMATION, {"outcome": "not_fixed", "tracking_required": True}, State.AWAIT_RESOLUTION),
])
def test_a_decision_leads_where_its_wait_sends_it(stage: Stage, output: dict[str, Any], next_state: State) -> None:
    from complaints.handling.decisions import routed
    wait = STATES[contract.WAITS[stage]]
    error = routed(stage, output)
    if error is None:
        assert wait["Next"] == next_state
    else:
        assert [c["Next"] for c in wait["Catch"] if c["ErrorEquals"] == [error]] == [next_state]
