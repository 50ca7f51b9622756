"""Surveys answered off the link: an agent's phone survey, a customer's SMS reply, and what the desk answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from complaints.core.requests import SurveyRequest, aware_instant
from complaints.core.values import Strict


class PhoneSurveyRequest(SurveyRequest):
    """The answers an agent took on a survey call (满意度回访), and when the call was made."""

    asked_at: datetime | None = Field(default=None, description="when the customer was called; now if left out")

    @field_validator("asked_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else aware_instant(value, future=False)


class InboundSms(Strict):
    """An SMS a customer sent to the desk's number, as the SMS gateway delivers it (signed like any portal)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    sender: str = Field(alias="from", min_length=3, max_length=32, description="the customer's number")
    text: str = Field(max_length=1600, description="what the customer wrote")


class SmsReceipt(BaseModel):
    """What became of an inbound SMS. Every outcome is a 200: the gateway has nothing to deliver again."""

    outcome: Literal["recorded", "already_recorded", "unreadable", "unmatched"]
    message: str
    complaint_id: str | None = None
