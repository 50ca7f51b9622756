"""What the API answers: intake receipts, portals' status reads, refusals, complaint summaries and views."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel

from complaints.core.collaboration import Assist, Consultation, ReturnRecord
from complaints.core.enums import Priority, Stage, Status
from complaints.core.outcomes import Outcome
from complaints.core.record import ComplaintRecord
from complaints.core.redress import RedressRecord
from complaints.core.values import Channel, Classification, Promise, Service, TimelineEvent


class IntakeAnswer(BaseModel, defer_build=True):
    complaint_id: str
    status: Status
    sensitive: bool
    promises: list[Promise]


class PortalComplaintStatus(BaseModel, defer_build=True):
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


class FieldError(BaseModel, defer_build=True):
    field: str
    reason: str


class ErrorBody(BaseModel, defer_build=True):
    """Every refusal: a readable message, the error's name, and the fields at fault."""

    message: str
    error: str | None = None
    errors: list[FieldError] = []
    department: str | None = None  # a refusal on a department's complaint: its leads may act


class ComplaintSummary(BaseModel, defer_build=True):
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

    @classmethod
    def of(cls, record: ComplaintRecord, **added: Any) -> Self:
        """The view of a stored complaint: its fields of the same name, the stage it awaits, and what is added."""
        copied = {name: _shown(getattr(record, name)) for name in cls.model_fields
                  if name in ComplaintRecord.model_fields and name not in added}
        classification = record.classification
        return cls(**copied, awaiting=record.stage, sensitive=record.sensitive,
                   category=classification.category if classification else None,
                   priority=classification.priority if classification else None, **added)


class ExecutionLink(BaseModel, defer_build=True):
    """One of the complaint's workflow executions, oldest first; the last is the one that goes on."""

    name: str
    execution_arn: str
    started_at: datetime
    by: str
    kind: str  # intake | appeal | redrive | reopen | fix_landed
    resume: str | None = None  # the state it went on from (None: from the start)
    latest: bool = False


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
    appointment: dict[str, str | bool] | None = None
    reopen_count: int = 0
    not_fixed: int = 0
    plan_required: bool = False  # the next report must carry a long-term plan (a tracking ticket)
    callback_attempts: int = 0
    unreachable_attempts: int = 0
    appeal: dict[str, str] | None = None
    dispute: dict[str, Any] | None = None  # harm claimed and redress demanded: its steps and settlement
    survey: dict[str, str | int | None] | None = None
    failure: str | None = None
    repeat_of: str | None = None
    incident_id: str | None = None
    transfer_count: int = 0
    passing_around: bool = False
    previous_owners: list[str] = []
    redress: list[RedressRecord] = []
    consultations: list[Consultation] = []
    assists: list[Assist] = []
    returns: list[ReturnRecord] = []
    holds: list[str] = []  # what must be settled before the complaint may be reported resolved
    executions: list[ExecutionLink] = []
    timeline: list[TimelineEvent] = []

    @classmethod
    def of(cls, record: ComplaintRecord, **added: Any) -> Self:
        return super().of(record, customer_name=record.customer.name, vip=record.customer.vip, holds=record.holds,
                          area=record.location.area if record.location else None, **added)


class ComplaintList(BaseModel, defer_build=True):
    items: list[ComplaintSummary]
    next_token: str | None = None


class ActionAnswer(BaseModel, defer_build=True):
    complaint_id: str
    status: Status
    message: str


def _shown(value: Any) -> Any:
    """A stored sub-document as the views have always shown it (None when nothing in it is set)."""
    return (value.shown() or None) if isinstance(value, Outcome) else value
