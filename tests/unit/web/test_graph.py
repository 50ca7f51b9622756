"""The workflow graph: drawn from the definition the execution runs on, its path from the history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from complaints.web.graph import edges, layers, path_from_history, svg

ASL = json.loads((Path(__file__).resolve().parents[3] / "statemachine" / "complaint.asl.json").read_text())


def _entered(name: str) -> dict[str, Any]:
    return {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": name}}


def _exited(name: str) -> dict[str, Any]:
    return {"type": "TaskStateExited", "stateExitedEventDetails": {"name": name}}


def test_every_state_of_the_definition_is_laid_out_once() -> None:
    placed = [name for layer in layers(ASL) for name in layer]
    assert sorted(placed) == sorted(ASL["States"])
    assert layers(ASL)[0] == [ASL["StartAt"]]


def test_edges_follow_next_choices_and_catches() -> None:
    found = edges(ASL)
    targets = {(a, b) for a, b, _ in found}
    for name, state in ASL["States"].items():
        if "Next" in state:
            assert (name, state["Next"]) in targets
        for catch in state.get("Catch", []):
            assert (name, catch["Next"], "catch") in found


def test_the_path_is_the_states_entered_and_the_current_one_is_still_open() -> None:
    first, second = ASL["StartAt"], ASL["States"][ASL["StartAt"]]["Choices"][0]["Next"]
    path = path_from_history([_entered(first), _exited(first), _entered(second)])
    assert path.entered == [first, second]
    assert path.current == second
    assert path.transitions == {(first, second)}


def test_the_drawing_marks_the_current_state() -> None:
    first, second = ASL["StartAt"], ASL["States"][ASL["StartAt"]]["Choices"][0]["Next"]
    drawing = svg(ASL, path_from_history([_entered(first), _exited(first), _entered(second)]), title="C1")
    assert drawing.startswith("<svg")
    assert drawing.count("<rect") >= len(ASL["States"])
    assert f'data-state="{second}" aria-current="step"' in drawing
    assert drawing.count('aria-current="step"') == 1
    assert '<path class="edge taken"' in drawing


def test_the_resume_entry_leads_a_new_complaint_down_and_draws_only_the_jump_an_execution_took() -> None:
    rows = layers(ASL)
    assert rows[0] == [ASL["StartAt"]] and "Classify" in rows[1] and "AwaitConfirmation" not in rows[1]
    history = [_entered("Resume"), _exited("Resume"), _entered("AwaitConfirmation")]
    drawing = svg(ASL, path_from_history(history), title="C1-r1")
    assert drawing.count('class="edge resume"') == 0 and drawing.count('<path class="edge taken"') == 1


def test_an_ended_execution_marks_its_last_state_with_the_ending() -> None:
    first = ASL["StartAt"]
    drawing = svg(ASL, path_from_history([_entered(first)], status="FAILED"))
    assert "current ended-failed" in drawing
