"""What the API answers: intake receipts, portals' status reads, refusals, complaint summaries and views."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from complaints.core.enums import Channel, Priority, Service, Stage, Status
from complaints.core.values import Classification, Promise, TimelineEvent


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
