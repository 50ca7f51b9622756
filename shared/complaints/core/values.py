"""Value models shared by requests, the stored complaint and its views: who, where, what and when."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

from complaints.core.enums import EventType, Nature, Priority, PromiseState


class Strict(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


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


# A channel or a service: a key of the desk's policy profile, checked against it at intake.
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
Channel = Annotated[str, Field(pattern=KEY_PATTERN)]
Service = Annotated[str, Field(pattern=KEY_PATTERN)]
# The value of a field the profile declares (a building, a ward, a device's model).
FieldValue = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f<>]+$")]
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_PROFILE_FIELDS = 8


class ProfileFields(BaseModel, defer_build=True):
    """A sub-document whose fields beyond the engine's own are the profile's (checked against it at intake)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    __pydantic_extra__: dict[str, FieldValue] = Field(init=False)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, value: object) -> object:
        """A profile field sent as null is not given, as an engine field's null is."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v is not None or k in cls.model_fields}
        return value

    @model_validator(mode="after")
    def _named_plainly(self) -> ProfileFields:
        extra = self.__pydantic_extra__ or {}
        bad = [name for name in extra if not _FIELD_NAME.match(name)]
        if bad:
            raise ValueError(f"field names must be lowercase words, not {bad[:3]}")
        if len(extra) > MAX_PROFILE_FIELDS:
            raise ValueError(f"at most {MAX_PROFILE_FIELDS} fields")
        return self

    @property
    def profile_fields(self) -> dict[str, str]:
        return dict(self.__pydantic_extra__ or {})

    def field(self, name: str) -> str | None:
        """A field's value, the engine's own or the profile's; None when it is not given."""
        value = getattr(self, name, None) if name in type(self).model_fields else self.profile_fields.get(name)
        return None if value is None else str(value)


class Location(ProfileFields):
    """Where: an address and an area for every desk; the profile's own fields beside them (a building,
    unit and room, a ward)."""

    address: Text | None = Field(default=None, max_length=300)
    area: str | None = Field(default=None, max_length=64, pattern=r"^[\w.-]+$")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Occurred(Strict):
    since: Text | None = Field(default=None, max_length=64)
    frequency: Text | None = Field(default=None, max_length=64)


class Device(ProfileFields):
    """The customer's equipment, in the fields the profile names (a desk without any refuses it)."""


class Classification(BaseModel, defer_build=True):
    category: str
    nature: Nature
    priority: Priority
    confidence: float
    evidence: list[str] = []
    needs_triage: bool = False
    department: str = ""
    alternatives: dict[str, float] = {}


class Promise(BaseModel, defer_build=True):
    kind: str  # a PromiseKind, or a kind of the policy's own
    due_at: datetime
    state: PromiseState = PromiseState.PENDING
    reason: str | None = None  # why it was renegotiated
    made_at: datetime | None = None  # when it was (re)made, if not at intake


def _event_type(value: str) -> EventType:
    return EventType(value)  # a function: Python 3.13's Enum call signature, (*values), is no validator's


class TimelineEvent(BaseModel, defer_build=True):
    at: datetime
    # Documented as a plain string: the list of event types grows without changing the API's contract.
    type: Annotated[EventType, PlainValidator(_event_type), PlainSerializer(str, return_type=str),
                    WithJsonSchema({"type": "string", "title": "Type"})]
    actor: str
    detail: dict[str, str | int | float | bool | None] = {}
