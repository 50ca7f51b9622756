"""Requests are read strictly: nothing is coerced, and what no complaint can hold is refused by name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from complaints.core.requests import IntakeRequest, QualityCheckRequest, ReviewRequest, SurveyRequest

INTAKE: dict[str, Any] = {"channel": "hotline", "external_id": "W-1", "text": "小区里信号弱，经常掉话。",
                          "customer": {"name": "测试", "phone": "13912340000"}}


def _refused(model: type[BaseModel], body: dict[str, Any]) -> set[str]:
    """The fields a JSON body is refused for, as the API reads it."""
    with pytest.raises(ValidationError) as refused:
        model.model_validate_json(json.dumps(body))
    return {".".join(str(part) for part in error["loc"]) for error in refused.value.errors()}


@pytest.mark.parametrize("score", [True, False, "8", 8.0])
def test_a_survey_score_is_a_whole_number_never_a_boolean_or_a_string(score: object) -> None:
    assert _refused(SurveyRequest, {"score": score}) == {"score"}
    assert SurveyRequest.model_validate_json('{"score": 8}').score == 8


@pytest.mark.parametrize("model, field", [(QualityCheckRequest, "passed"), (ReviewRequest, "reopen")])
@pytest.mark.parametrize("value", ["yes", "true", 1, 0])
def test_yes_or_no_fields_take_only_true_or_false(model: type[BaseModel], field: str, value: object) -> None:
    body = {"passed": True, "reason": "ok"} if model is QualityCheckRequest else {"cause": "cc", "action": "aa"}
    assert field in _refused(model, {**body, field: value})


def test_a_vip_flag_is_true_or_false_not_yes() -> None:
    assert _refused(IntakeRequest, {**INTAKE, "customer": {**INTAKE["customer"], "vip": "yes"}}) == {"customer.vip"}
    assert _refused(IntakeRequest, {**INTAKE, "customer": {**INTAKE["customer"], "vip": 1}}) == {"customer.vip"}


@pytest.mark.parametrize("received_at", [
    1700000000, "1700000000", 1700000000.5, True,  # not silently Unix seconds
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "1900-01-01T00:00:00+08:00",  # out of range
    "9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00",  # no instant in range, no offset
])
def test_received_at_is_an_iso_date_time_with_its_offset_in_a_sane_range(received_at: object) -> None:
    assert _refused(IntakeRequest, {**INTAKE, "received_at": received_at}) == {"received_at"}


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b", "\u200b \u2060\ufeff", "信号\x00很差", "\x1b[31m信号"])
def test_text_of_zero_width_characters_alone_or_with_control_characters_is_refused(text: str) -> None:
    assert _refused(IntakeRequest, {**INTAKE, "text": text}) == {"text"}
    assert _refused(IntakeRequest, {**INTAKE, "customer": {**INTAKE["customer"], "name": text}}) == {"customer.name"}


def test_text_keeps_its_line_breaks_and_tabs() -> None:
    assert IntakeRequest.model_validate({**INTAKE, "text": "第一行\n第二行\t完"}).text == "第一行\n第二行\t完"


def test_an_external_id_with_a_slash_is_refused_it_could_never_be_read_back() -> None:
    assert _refused(IntakeRequest, {**INTAKE, "external_id": "W/1"}) == {"external_id"}
