"""Pydantic models of the complaint, its requests and its views."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from complaints.core import clock

# Portals' clocks drift; a received_at this far ahead of ours is still accepted.
CLOCK_SKEW = timedelta(minutes=5)


class Status(StrEnum):
    """The statuses a user sees, in lifecycle order."""

    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"  # waiting on the customer; pausable promises stop
    QUALITY_CHECK = "quality_check"  # a supervisor checks the handling before the customer is called
    TRACKING = "tracking"  # 投诉跟踪单: a long-term fix is planned and followed until it lands
    RESOLVED = "resolved"  # awaiting the customer's confirmation
    CLOSED = "closed"  # the customer confirmed the fix
    CLOSED_UNCONFIRMED = "closed_unconfirmed"  # the customer could not be reached to confirm
    FAILED = "failed"


CLOSED_STATUSES = frozenset({Status.CLOSED, Status.CLOSED_UNCONFIRMED, Status.FAILED})


class Stage(StrEnum):
    """What the workflow is waiting for from a person."""

    ASSIGNMENT = "assignment"  # a supervisor must pick an owner by hand
    ACCEPTANCE = "acceptance"
    RESOLUTION = "resolution"
    QUALITY_CHECK = "quality_check"  # a supervisor's check (质检) before the customer is called
    TRACKING = "tracking"  # a deferred fix is followed until it lands
    CONFIRMATION = "confirmation"
    SURVEY = "survey"
    REVIEW = "review"  # a supervisor reviews a low survey score


# The status a complaint shows while the workflow waits at each stage.
STATUS_WHILE_AWAITING: dict[Stage, Status] = {
    Stage.ASSIGNMENT: Status.ACKNOWLEDGED,
    Stage.ACCEPTANCE: Status.ASSIGNED,
    Stage.RESOLUTION: Status.IN_PROGRESS,
    Stage.QUALITY_CHECK: Status.QUALITY_CHECK,
    Stage.TRACKING: Status.TRACKING,
    Stage.CONFIRMATION: Status.RESOLVED,
    Stage.SURVEY: Status.CLOSED,
    Stage.REVIEW: Status.CLOSED,
}


class Channel(StrEnum):
    HOTLINE = "hotline"
    WEB = "web"
    APP = "app"
    SMS = "sms"
    EMAIL = "email"
    WECHAT = "wechat"
    WALK_IN = "walk_in"
    GOV_HOTLINE = "gov_hotline"  # 12345 citizen hotline
    CONSUMER_HOTLINE = "consumer_hotline"  # 12315
    REGULATOR = "regulator"  # 工信部申诉
    MEDIA = "media"


SENSITIVE_CHANNELS = frozenset(
    {Channel.GOV_HOTLINE, Channel.CONSUMER_HOTLINE, Channel.REGULATOR, Channel.MEDIA}
)


class Service(StrEnum):
    MOBILE_VOICE = "mobile_voice"
    MOBILE_DATA = "mobile_data"
    BROADBAND = "broadband"
    BILLING = "billing"
    SERVICE = "service"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """Sorts the most urgent first in index keys."""
        return {"urgent": 0, "high": 1, "normal": 2, "low": 3}[self.value]


class Nature(StrEnum):
    VALID = "valid"
    HELP_SEEKING = "help_seeking"
    INQUIRY = "inquiry"
    VENTING = "venting"


class ResolutionOutcome(StrEnum):
    RESOLVED = "resolved"
    TEMPORARY_MEASURE = "temporary_measure"
    DEFERRED = "deferred"  # a long-term fix, such as a planned base station: a tracking ticket


class CallbackOutcome(StrEnum):
    FIXED = "fixed"
    NOT_FIXED = "not_fixed"
    UNREACHABLE = "unreachable"
    CUSTOMER_BUSY = "customer_busy"  # reached, but asked to be called again


class Rating(StrEnum):
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"


class PromiseState(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    MISSED = "missed"
    CANCELLED = "cancelled"
    RENEGOTIATED = "renegotiated"  # moved with a reason, the customer told; a new promise replaces it


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------- requests
class Customer(Strict):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32, pattern=r"^\+?[0-9][0-9 ()-]{3,30}$")
    account: str | None = Field(default=None, max_length=64)
    vip: bool = False


class Location(Strict):
    address: str | None = Field(default=None, max_length=300)
    area: str | None = Field(default=None, max_length=64, pattern=r"^[\w.-]+$")
    cell_id: str | None = Field(default=None, max_length=64, pattern=r"^[\w.:-]+$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Occurred(Strict):
    since: str | None = Field(default=None, max_length=64)
    frequency: str | None = Field(default=None, max_length=64)


class Device(Strict):
    model: str | None = Field(default=None, max_length=100)
    network: Literal["2G", "3G", "4G", "5G", "wifi", "fixed"] | None = None
    modem: str | None = Field(default=None, max_length=100)


class IntakeRequest(Strict):
    """The body a portal posts to the intake webhook."""

    channel: Channel
    external_id: str = Field(min_length=1, max_length=128, pattern=r"^[\w.:#/-]+$")
    received_at: datetime | None = None
    customer: Customer
    service: Service | None = None
    text: str = Field(min_length=2, max_length=4000)
    location: Location | None = None
    occurred: Occurred | None = None
    device: Device | None = None
    language: Literal["zh-CN", "en"] = "zh-CN"

    @field_validator("received_at")
    @classmethod
    def _aware_and_past(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        if value.tzinfo is None:
            raise ValueError("must include a time zone offset")
        if value > clock.now() + CLOCK_SKEW:
            raise ValueError("must not be in the future")
        return value


class ResolveRequest(Strict):
    """The handler's report (回单): what was found, what was done, and how it ended."""

    outcome: ResolutionOutcome
    root_cause: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                            description="one of the policy's root causes for the complaint's category")
    actions: str = Field(min_length=2, max_length=2000)
    evidence: str | None = Field(default=None, max_length=2000, description="test results, photos' references")
    plan: str | None = Field(default=None, min_length=2, max_length=1000, description="deferred only: the fix planned")
    expected_by: date | None = Field(default=None, description="deferred only: when the planned fix should land")

    @model_validator(mode="after")
    def _per_outcome(self) -> ResolveRequest:
        deferred = self.outcome is ResolutionOutcome.DEFERRED
        if deferred and (self.plan is None or self.expected_by is None):
            raise ValueError("a deferred outcome needs the plan and its expected_by date")
        if not deferred and (self.plan is not None or self.expected_by is not None):
            raise ValueError("plan and expected_by belong to a deferred outcome only")
        return self


class CallbackRequest(Strict):
    outcome: CallbackOutcome
    note: str | None = Field(default=None, max_length=1000)


class QualityCheckRequest(Strict):
    passed: bool
    reason: str | None = Field(default=None, min_length=2, max_length=1000)

    @model_validator(mode="after")
    def _reason_when_failed(self) -> QualityCheckRequest:
        if not self.passed and self.reason is None:
            raise ValueError("a failed quality check needs the reason the owner is given")
        return self


class FollowUpRequest(Strict):
    """Progress on a tracking ticket's planned fix."""

    note: str = Field(min_length=2, max_length=1000)
    expected_by: date | None = None


class ConfirmRequest(Strict):
    """The customer's own answer through the link in the message."""

    outcome: Literal["fixed", "not_fixed"]
    comment: str | None = Field(default=None, max_length=1000)


class AppealRequest(Strict):
    reason: str = Field(min_length=2, max_length=1000)


class AssignRequest(Strict):
    agent_id: str = Field(min_length=1, max_length=64)


class TransferRequest(Strict):
    reason: str = Field(min_length=2, max_length=500)
    department: str | None = Field(default=None, max_length=64)
    agent_id: str | None = Field(default=None, max_length=64)


class ReviewRequest(Strict):
    """The supervisor's recovery of a low score: the cause found, the action taken, and whether to reopen."""

    cause: str = Field(min_length=2, max_length=500)
    action: str = Field(min_length=2, max_length=1000)
    reopen: bool = False


class IncidentResolveRequest(Strict):
    root_cause: str = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                            description="one of the policy's root causes for the incident's category")
    actions: str = Field(min_length=2, max_length=2000)


class SurveyRequest(Strict):
    score: Annotated[int, Field(ge=1, le=10, description="overall, 1 to 10")]
    attitude: Rating | None = None
    speed: Rating | None = None
    result: Rating | None = None
    comment: str | None = Field(default=None, max_length=1000)


# ---------------------------------------------------------------- views
class Promise(BaseModel):
    kind: str
    due_at: datetime
    state: PromiseState = PromiseState.PENDING
    reason: str | None = None  # why it was renegotiated
    made_at: datetime | None = None  # when it was (re)made, if not at intake


class ExtendRequest(Strict):
    due_at: datetime
    reason: str = Field(min_length=2, max_length=500)


class PauseRequest(Strict):
    reason: str = Field(min_length=2, max_length=500)


class TimelineEvent(BaseModel):
    at: datetime
    type: str
    actor: str
    detail: dict[str, str | int | float | bool | None] = {}


class Classification(BaseModel):
    category: str
    nature: Nature
    priority: Priority
    confidence: float
    evidence: list[str] = []
    needs_triage: bool = False
    department: str = ""
    alternatives: dict[str, float] = {}


class IntakeAnswer(BaseModel):
    complaint_id: str
    status: Status
    sensitive: bool
    promises: list[Promise]


class PortalComplaintStatus(BaseModel):
    """What a portal may read back about its own complaint: no personal data."""

    complaint_id: str
    external_id: str
    status: Status
    awaiting: Stage | None = None
    category: str | None = None
    received_at: datetime
    closed_at: datetime | None = None
    reopen_count: int = 0
    promises: list[Promise]


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorBody(BaseModel):
    """Every refusal: a readable message, the error's name, and the fields at fault."""

    message: str
    error: str | None = None
    errors: list[FieldError] = []


class ComplaintSummary(BaseModel):
    complaint_id: str
    status: Status
    awaiting: Stage | None = None
    channel: Channel
    sensitive: bool = False
    category: str | None = None
    priority: Priority | None = None
    department: str | None = None
    owner_id: str | None = None
    received_at: datetime
    next_due_at: datetime | None = None


class ComplaintView(ComplaintSummary):
    customer_name: str
    customer_phone_masked: str
    vip: bool
    service: Service | None = None
    text: str
    area: str | None = None
    classification: Classification | None = None
    promises: list[Promise] = []
    resolution: dict[str, str] | None = None
    quality_check: dict[str, str] | None = None
    tracking: dict[str, str | int] | None = None
    reopen_count: int = 0
    callback_attempts: int = 0
    unreachable_attempts: int = 0
    appeal: dict[str, str] | None = None
    survey: dict[str, str | int | None] | None = None
    failure: str | None = None
    repeat_of: str | None = None
    incident_id: str | None = None
    transfer_count: int = 0
    passing_around: bool = False
    previous_owners: list[str] = []
    timeline: list[TimelineEvent] = []


class ComplaintList(BaseModel):
    items: list[ComplaintSummary]
    next_token: str | None = None


class ActionAnswer(BaseModel):
    complaint_id: str
    status: Status
    message: str
