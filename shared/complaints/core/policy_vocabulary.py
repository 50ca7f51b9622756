"""The sections of a policy profile that give a desk its words: channels, services, location and device
fields, the hotspot dimension, and the wording of messages.

The engine knows none of them: an operator's cells, a property office's buildings and a hospital's
wards are each a profile's fields, checked against the profile when a complaint arrives.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatch
from typing import Protocol

from pydantic import Field, model_validator

from complaints.core.enums import Status
from complaints.core.policy_sections import Section
from complaints.core.values import KEY_PATTERN, Location


class ChannelRule(Section):
    """A way complaints arrive; a sensitive one (a government hotline, an authority, the media) raises the
    priority, starts escalation one step up and has its resolutions checked."""

    sensitive: bool = False


class FieldRule(Section):
    """A field of the location or the device that the profile names: free text, or one of its values."""

    values: list[str] | None = None
    max_length: int = Field(default=64, ge=1, le=100)


class Hotspots(Section):
    """The open gauge the managers' report shows: unresolved complaints of these categories by dimension."""

    categories: list[str] = Field(min_length=1)  # category patterns
    dimension: str = "area"  # "area", or a location field of the profile
    title: dict[str, str] = {}  # what the report calls them, per language


class Messages(Section):
    """The desk's own wording: a status as the customer reads it, and message templates replacing the engine's
    (per template, per language; the placeholders stay the engine's)."""

    status: dict[str, dict[Status, str]] = {}
    templates: dict[str, dict[str, str]] = {}


class Disputes(Section):
    """A dispute: harm claimed and redress demanded (a medical dispute, flood damage to a flat). Opened when
    the text names both a harm and a claim, or by an agent; owned by one department; its steps recorded as they
    happen, some of them required before it may be settled; it ends in a settlement, which reports count apart. Its
    compensation is the complaint's redress, approved under the desk's redress limits."""

    department: str
    harm_words: list[str] = Field(min_length=1)
    claim_words: list[str] = Field(min_length=1)
    steps: list[str] = Field(min_length=1)  # what may be recorded: evidence sealed, mediation, appraisal ...
    required_before_settling: list[str] = []
    ways: list[str] = Field(min_length=1)  # how a settlement is reached: negotiation, mediation, court ...

    @model_validator(mode="before")
    @classmethod
    def _approval_is_redress(cls, value: object) -> object:
        """A settlement's compensation is redress: its currency and who approves it are the redress section's."""
        moved = sorted({"currency", "manager_approval_above"} & set(value if isinstance(value, dict) else ()))
        if moved:
            raise ValueError(f"disputes: {', '.join(moved)} is no longer read here: a settlement's compensation "
                             "is redress, in redress.currency and approved under redress.approval_limits")
        return value

    @model_validator(mode="after")
    def _known_steps(self) -> Disputes:
        check_keys("dispute step", set(self.steps) | set(self.ways))
        if set(self.required_before_settling) - set(self.steps):
            raise ValueError("disputes: required_before_settling names steps not in steps")
        return self


# The engine's own words for a status, for a language the profile does not word.
STATUS_TEXT: dict[str, dict[Status, str]] = {
    "zh-CN": {Status.ACKNOWLEDGED: "已受理，正在安排处理人员", Status.ASSIGNED: "已派单给处理人员",
              Status.IN_PROGRESS: "正在处理中", Status.QUALITY_CHECK: "处理结果正在复核",
              Status.TRACKING: "已列入跟踪，等待计划中的修复", Status.RESOLVED: "已处理，待您确认"},
    "en": {Status.ACKNOWLEDGED: "registered and being assigned", Status.ASSIGNED: "assigned to a handler",
           Status.IN_PROGRESS: "being worked on", Status.QUALITY_CHECK: "the handling is being checked",
           Status.TRACKING: "tracked until the planned fix lands",
           Status.RESOLVED: "handled and awaiting your confirmation"},
}


def status_text(messages: Messages, language: str, status: Status) -> str:
    """A status as the customer reads it: the profile's wording, else the engine's."""
    own = messages.status.get(language) or {}
    if status in own:
        return own[status]
    return STATUS_TEXT.get(language, STATUS_TEXT["en"]).get(status, status.value)


def check_keys(kind: str, keys: list[str] | set[str]) -> None:
    """Channel and service keys are what portals send: lowercase words."""
    bad = sorted(key for key in keys if not re.match(KEY_PATTERN, key))
    if bad:
        raise ValueError(f"{kind} keys must be lowercase words (a-z, 0-9, _), not {bad}")


def unknown_keys(channel: str, channels: list[str], service: str | None,
                 services: list[str]) -> list[tuple[str, str]]:
    """A channel or a service the desk does not name: (field, reason) pairs."""
    problems = []
    if channel not in channels:
        problems.append(("channel", f"must be one of {', '.join(channels)}"))
    if service is not None and service not in services:
        problems.append(("service", f"must be one of {', '.join(services)}" if services
                         else "this desk names no services: leave it out"))
    return problems


def field_problems(where: str, given: dict[str, str], rules: dict[str, FieldRule]) -> list[tuple[str, str]]:
    """What is wrong with the profile fields a request gave: (field, message) pairs, none when all is well."""
    problems: list[tuple[str, str]] = []
    for name, value in given.items():
        rule = rules.get(name)
        if rule is None:
            known = ", ".join(sorted(rules)) or "none"
            problems.append((f"{where}.{name}", f"is not a {where} field of this desk (its fields: {known})"))
        elif rule.values is not None and value not in rule.values:
            problems.append((f"{where}.{name}", f"must be one of {', '.join(rule.values)}"))
        elif len(value) > rule.max_length:
            problems.append((f"{where}.{name}", f"must be at most {rule.max_length} characters"))
    return problems


def dimension_value(location: Location | None, dimension: str) -> str | None:
    return location.field(dimension) if location is not None else None


def hotspot_of(hotspots: Hotspots | None, category: str, location: Location | None) -> str | None:
    """The hotspot a complaint of this category adds to, or None."""
    if hotspots is None or not any(fnmatch(category, pattern) for pattern in hotspots.categories):
        return None
    return dimension_value(location, hotspots.dimension)


def cluster_key(dimensions: dict[str, str], location: Location | None) -> str | None:
    """Where an outage would show: the first location field given (field -> the name its key carries)."""
    for field, key_name in dimensions.items():
        value = dimension_value(location, field)
        if value:
            return f"{key_name}:{value}"
    return None


class _Categorised(Protocol):
    @property
    def services(self) -> list[str]: ...


class _ByChannel(Protocol):
    @property
    def channels(self) -> list[str] | None: ...


class _Clustered(Protocol):
    @property
    def dimensions(self) -> dict[str, str]: ...


def check_vocabulary(channels: dict[str, ChannelRule], services: list[str],
                     categories: Mapping[str, _Categorised], routing: Sequence[_ByChannel],
                     promise_rules: Sequence[_ByChannel], location_fields: dict[str, FieldRule],
                     hotspots: Hotspots | None, clusters: _Clustered) -> None:
    """The profile names only its own channels, services and location fields."""
    check_keys("channel", set(channels))
    check_keys("service", set(services))
    check_keys("location field", set(location_fields))
    for key, category in categories.items():
        unknown = set(category.services) - set(services)
        if unknown:
            raise ValueError(f"category {key!r} names unknown services {sorted(unknown)}")
    for rule in (*routing, *promise_rules):
        unknown = set(rule.channels or []) - set(channels)
        if unknown:
            raise ValueError(f"a routing or promise rule names unknown channels {sorted(unknown)}")
    known = set(location_fields) | set(ENGINE_LOCATION_FIELDS)
    named = set(clusters.dimensions) | ({hotspots.dimension} if hotspots else set())
    if named - known:
        raise ValueError(f"clusters or hotspots name unknown location fields {sorted(named - known)}")


ENGINE_LOCATION_FIELDS = ("area", "address")


def check_disputes(disputes: Disputes | None, departments: set[str], kinds: Mapping[str, _KeptBySteps]) -> None:
    """A dispute's department is a department, and a promise kept by a dispute step names one of its steps."""
    steps = set(disputes.steps) if disputes else set()
    if disputes is not None and disputes.department not in departments:
        raise ValueError(f"disputes name unknown department {disputes.department!r}")
    for kind, rule in kinds.items():
        if set(rule.kept_by_steps) - steps:
            raise ValueError(f"promise kind {kind!r}: kept_by_steps names steps the disputes do not")


class _KeptBySteps(Protocol):
    @property
    def kept_by_steps(self) -> list[str]: ...
