"""The requests portals, operators and customers send, validated strictly (unknown fields refused)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from complaints.core import clock
from complaints.core.enums import CallbackOutcome, Rating, ResolutionOutcome
from complaints.core.values import Channel, Customer, Device, Location, Occurred, Service, Strict, Text

# Portals' clocks drift; a received_at this far ahead of ours is still accepted.
CLOCK_SKEW = timedelta(minutes=5)
_ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Instants a request may name: far enough either side for any real complaint, and clear of datetime's limits
# (a year-1 time with a +14:00 offset has no UTC instant at all).
_EARLIEST, _LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def aware_instant(value: datetime, *, future: bool) -> datetime:
    """A date-time with its offset, within the years a complaint can name; not in the future unless allowed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone offset")
    try:
        instant = value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("is out of range") from exc
    if not _EARLIEST <= instant < _LATEST:
        raise ValueError(f"must be between {_EARLIEST.year} and {_LATEST.year}")
    if not future and instant > clock.now() + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return value


class IntakeRequest(Strict):
    """The body a portal posts to the intake webhook."""

    channel: Channel
    # It is a path segment of the portal's read-back and appeal routes: no "/".
    external_id: str = Field(min_length=1, max_length=128, pattern=r"^[\w.:#-]+$")
    received_at: datetime | None = None
    customer: Customer
    service: Service | None = None
    text: Text = Field(min_length=2, max_length=4000)
    location: Location | None = None
    occurred: Occurred | None = None
    device: Device | None = None
    language: Literal["zh-CN", "en"] = "zh-CN"

    @field_validator("received_at", mode="before")
    @classmethod
    def _written_as_a_date_time(cls, value: object) -> object:
        """An ISO 8601 date-time: a number (or a string of digits) is not silently read as Unix seconds."""
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
            raise ValueError("must be an ISO 8601 date-time with a time zone offset, e.g. 2026-11-22T09:30:00+08:00")
        return value

    @field_validator("received_at")
    @classmethod
    def _aware_and_past(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        return aware_instant(value, future=False)


class ResolveRequest(Strict):
    """The handler's report (回单): what was found, what was done, and how it ended."""

    outcome: ResolutionOutcome
    root_cause: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                            description="one of the policy's root causes for the complaint's category")
    actions: Text = Field(min_length=2, max_length=2000)
    evidence: Text | None = Field(default=None, max_length=2000, description="test results, photos' references")
    plan: Text | None = Field(default=None, min_length=2, max_length=1000,
                              description="deferred, or a temporary measure's long-term plan: the fix planned")
    expected_by: date | None = Field(default=None, description="with the plan: when the planned fix should land")
    plan_owner: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="with the plan: the agent who sees it through (else the owner)")

    @model_validator(mode="after")
    def _per_outcome(self) -> ResolveRequest:
        planned = self.plan is not None or self.expected_by is not None
        if self.outcome is ResolutionOutcome.DEFERRED and (self.plan is None or self.expected_by is None):
            raise ValueError("a deferred outcome needs the plan and its expected_by date")
        if self.outcome is ResolutionOutcome.TEMPORARY_MEASURE and planned and (
                self.plan is None or self.expected_by is None):
            raise ValueError("a temporary measure's long-term plan needs both the plan and its expected_by date")
        if self.outcome is ResolutionOutcome.RESOLVED and planned:
            raise ValueError("plan and expected_by belong to a deferred outcome or a temporary measure")
        if self.plan_owner is not None and self.plan is None:
            raise ValueError("plan_owner belongs with a plan")
        return self

    @property
    def tracked(self) -> bool:
        """A planned long-term fix (deferred, or behind a temporary measure): tracked until it lands."""
        return self.plan is not None


class DisputeRequest(Strict):
    """An agent opens a dispute: the customer claims harm and demands redress."""

    reason: Text = Field(min_length=2, max_length=1000)


class DisputeStepRequest(Strict):
    step: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$",
                      description="one of the profile's dispute steps, e.g. records_sealed")
    reference: Text | None = Field(default=None, max_length=100, description="the record's or the case's number")
    note: Text | None = Field(default=None, max_length=2000)


class SettlementRequest(Strict):
    way: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$",
                     description="one of the profile's ways of settling, e.g. mediation")
    compensation: StrictInt = Field(ge=0, le=100_000_000, description="paid to the customer, in the currency's units")
    agreement_reference: Text = Field(min_length=2, max_length=100)
    note: Text | None = Field(default=None, max_length=2000)


class CallbackRequest(Strict):
    outcome: CallbackOutcome
    note: Text | None = Field(default=None, max_length=1000)


class QualityCheckRequest(Strict):
    passed: StrictBool
    reason: Text | None = Field(default=None, min_length=2, max_length=1000)

    @model_validator(mode="after")
    def _reason_when_failed(self) -> QualityCheckRequest:
        if not self.passed and self.reason is None:
            raise ValueError("a failed quality check needs the reason the owner is given")
        return self


class FollowUpRequest(Strict):
    """Progress on a tracking ticket's planned fix."""

    note: Text = Field(min_length=2, max_length=1000)
    expected_by: date | None = None


class ConfirmRequest(Strict):
    """The customer's own answer through the link in the message."""

    outcome: Literal["fixed", "not_fixed"]
    comment: Text | None = Field(default=None, max_length=1000)


class AppealRequest(Strict):
    reason: Text = Field(min_length=2, max_length=1000)


class AssignRequest(Strict):
    agent_id: str = Field(min_length=1, max_length=64)


class TransferRequest(Strict):
    reason: Text = Field(min_length=2, max_length=500)
    department: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=64)


class ReviewRequest(Strict):
    """The supervisor's recovery of a low score: the cause found, the action taken, and whether to reopen."""

    cause: Text = Field(min_length=2, max_length=500)
    action: Text = Field(min_length=2, max_length=1000)
    reopen: StrictBool = False


class IncidentResolveRequest(Strict):
    root_cause: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                            description="one of the policy's root causes for the incident's category")
    actions: Text = Field(min_length=2, max_length=2000)


class SurveyRequest(Strict):
    score: Annotated[StrictInt, Field(ge=1, le=10, description="overall, 1 to 10")]
    attitude: Rating | None = None
    speed: Rating | None = None
    result: Rating | None = None
    comment: Text | None = Field(default=None, max_length=1000)


class ExtendRequest(Strict):
    """Move a promise later. A ceiling moves only with what the policy asks: the explanation the customer is
    sent, and the report to the supervising authority with its reference."""

    due_at: datetime
    reason: Text = Field(min_length=2, max_length=500)
    explanation: Text | None = Field(default=None, min_length=2, max_length=500,
                                     description="a ceiling: what the customer is told")
    authority: Text | None = Field(default=None, min_length=2, max_length=100,
                                   description="a ceiling: the supervising authority reported to")
    authority_reference: str | None = Field(default=None, min_length=2, max_length=64, pattern=r"^[\w./:#-]+$",
                                            description="a ceiling: the reference of the report to the authority")

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return aware_instant(value, future=True)


class ReplyRequest(Strict):
    """A staged reply (阶段回复): how the owner reached the customer, what was said, and when the next answer is
    due if one was promised. The summary stays on the complaint; it never goes to the workflow."""

    kind: str = Field(min_length=2, max_length=32, pattern=r"^[a-z][a-z_]*$",
                      description="one of the policy's kinds of contact (call, sms, visit ...)")
    summary: Text = Field(min_length=2, max_length=1000)
    next_reply_at: datetime | None = Field(default=None, description="the next promised time, with its offset")

    @field_validator("next_reply_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else aware_instant(value, future=True)


class AppointmentRequest(Strict):
    """A field visit's window, agreed with the customer; inside quiet hours only when the customer asked."""

    start: datetime
    end: datetime
    customer_requested: StrictBool = False
    note: Text | None = Field(default=None, max_length=500)

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return aware_instant(value, future=True)

    @model_validator(mode="after")
    def _ordered(self) -> AppointmentRequest:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ArrivalRequest(Strict):
    note: Text | None = Field(default=None, max_length=500)


class WebhookRegistration(Strict):
    """A portal's outbound webhook: where the desk pushes status events, and which."""

    url: str = Field(min_length=10, max_length=500, pattern=r"^https?://[^\s]+$")
    events: list[str] | None = Field(default=None, max_length=20, description="default: every status event")


class PauseRequest(Strict):
    reason: Text = Field(min_length=2, max_length=500)


class SearchRequest(Strict):
    """A console search: sent in a body so a phone number never sits in an address or an access log."""

    q: Text = Field(min_length=1, max_length=64, description="a complaint id, a portal's reference or a phone number")
