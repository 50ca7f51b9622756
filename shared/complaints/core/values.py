"""Value models shared by requests, the stored complaint and its views: who, where, what and when."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    WithJsonSchema,
)

from complaints.core.enums import EventType, Nature, Priority, PromiseState


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


_LINE_BREAKS = frozenset("\t\n\r")


def _readable(value: str) -> str:
    """Text people read: no control characters (NUL, escapes), and something visible besides format characters."""
    if any(unicodedata.category(c) == "Cc" and c not in _LINE_BREAKS for c in value):
        raise ValueError("must not contain control characters such as NUL")
    if value and not any(unicodedata.category(c)[0] not in "CZ" for c in value):
        raise ValueError("must contain visible characters, not only spaces or zero-width characters")
    return value


# Free text from portals, operators and customers.
Text = Annotated[str, AfterValidator(_readable)]


class Customer(Strict):
    name: Text = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=5, max_length=32, pattern=r"^\+?[0-9][0-9 ()-]{3,30}$")
    account: Text | None = Field(default=None, max_length=64)
    vip: StrictBool = False


class Location(Strict):
    address: Text | None = Field(default=None, max_length=300)
    area: str | None = Field(default=None, max_length=64, pattern=r"^[\w.-]+$")
    cell_id: str | None = Field(default=None, max_length=64, pattern=r"^[\w.:-]+$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Occurred(Strict):
    since: Text | None = Field(default=None, max_length=64)
    frequency: Text | None = Field(default=None, max_length=64)


class Device(Strict):
    model: Text | None = Field(default=None, max_length=100)
    network: Literal["2G", "3G", "4G", "5G", "wifi", "fixed"] | None = None
    modem: Text | None = Field(default=None, max_length=100)


class Classification(BaseModel):
    category: str
    nature: Nature
    priority: Priority
    confidence: float
    evidence: list[str] = []
    needs_triage: bool = False
    department: str = ""
    alternatives: dict[str, float] = {}


class Promise(BaseModel):
    kind: str  # a PromiseKind, or a kind of the policy's own
    due_at: datetime
    state: PromiseState = PromiseState.PENDING
    reason: str | None = None  # why it was renegotiated
    made_at: datetime | None = None  # when it was (re)made, if not at intake


def _event_type(value: str) -> EventType:
    return EventType(value)  # a function: Python 3.13's Enum call signature, (*values), is no validator's


class TimelineEvent(BaseModel):
    at: datetime
    # Documented as a plain string: the list of event types grows without changing the API's contract.
    type: Annotated[EventType, PlainValidator(_event_type), PlainSerializer(str, return_type=str),
                    WithJsonSchema({"type": "string", "title": "Type"})]
    actor: str
    detail: dict[str, str | int | float | bool | None] = {}
