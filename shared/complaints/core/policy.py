"""Policy profiles: the rules of one complaint desk, validated at load."""

from __future__ import annotations

from datetime import date, datetime, time
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from complaints.core.models import Channel, Priority, Stage
from complaints.core.working_time import QuietHours, WorkingCalendar, parse_duration

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_duration(value: str) -> str:
    parse_duration(value)
    return value


def _check_shift(value: str) -> str:
    if value != "always":
        start, _, end = value.partition("-")
        try:
            time.fromisoformat(start)
            time.fromisoformat(end)
        except ValueError as exc:
            raise ValueError(f"shift {value!r} is not 'always' or like 08:00-20:00") from exc
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]
Shift = Annotated[str, AfterValidator(_check_shift)]


class WorkingHours(_Model):
    start: time
    end: time
    lunch: tuple[time, time] | None = None
    closures: list[date] = []  # local days off beyond the national calendar


class QuietHoursPolicy(_Model):
    periods: list[tuple[time, time]]


class Department(_Model):
    id: str
    name: str
    supervisor: str
    manager: str


class Agent(_Model):
    id: str
    name: str
    role: Literal["agent", "supervisor", "manager", "admin"]
    departments: list[str] = Field(min_length=1)
    shift: Shift = "always"
    capacity: int = Field(ge=0)
    email: str | None = None
    skills: list[str] = ["*"]
    areas: list[str] = ["*"]
    languages: list[str] = ["zh-CN", "en"]

    def can_take(self, category: str, area: str | None, language: str) -> bool:
        return (any(fnmatch(category, pattern) for pattern in self.skills)
                and (area is None or any(fnmatch(area, pattern) for pattern in self.areas))
                and language in self.languages)

    def on_duty(self, local: datetime) -> bool:
        if self.shift == "always":
            return True
        start_text, _, end_text = self.shift.partition("-")
        start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        now = local.time()
        return start <= now < end if start < end else (now >= start or now < end)


class AgentUpdate(_Model):
    """An agent as the admin endpoint takes it (the id is in the path)."""

    name: str = Field(min_length=1, max_length=100)
    role: Literal["agent", "supervisor", "manager", "admin"] = "agent"
    departments: list[str] = Field(min_length=1)
    shift: Shift = "always"
    capacity: int = Field(ge=0, le=1000)
    email: str | None = Field(default=None, max_length=200)
    skills: list[str] = ["*"]
    areas: list[str] = ["*"]
    languages: list[str] = ["zh-CN", "en"]


class Category(_Model):
    department: str
    strong: list[str] = []
    phrases: list[str] = []
    weak: list[str] = []


class RoutingRule(_Model):
    department: str
    category: str = "*"
    areas: list[str] = ["*"]
    priority: list[Priority] | None = None
    channels: list[Channel] | None = None

    def matches(self, category: str, area: str | None, priority: Priority, channel: Channel) -> bool:
        return (fnmatch(category, self.category)
                and any(fnmatch(area or "", pattern) for pattern in self.areas)
                and (self.priority is None or priority in self.priority)
                and (self.channels is None or channel in self.channels))


class Transfers(_Model):
    max: int = Field(ge=0)


class Escalation(_Model):
    ladder: list[Literal["owner", "supervisor", "manager"]] = Field(min_length=1)
    sensitive_start: int = Field(ge=0)


class Notifications(_Model):
    digest_interval: Duration


class Negations(_Model):
    before: list[str]
    after: list[str]


class Triage(_Model):
    department: str
    min_score: float = Field(gt=0)
    min_score_communicative: float = Field(gt=0)
    min_confidence: float = Field(ge=0, le=1)


class RepeatRule(_Model):
    window: Duration


class ClusterRule(_Model):
    categories: list[str]
    threshold: int = Field(ge=2)
    window: Duration
    department: str


class QualityCheck(_Model):
    """Which resolutions a supervisor checks (质检) before the customer is called."""

    categories: list[str] = []  # category patterns always checked
    priorities: list[Priority] = []  # priorities always checked
    sensitive: bool = False  # complaints from sensitive channels always checked
    sample_rate: float = Field(default=0.0, ge=0, le=1)  # share of the rest, picked at random
    within: Duration = "4h"


class Verification(_Model):
    """Confirming the fix with the customer (回访)."""

    max_unreachable: int = Field(ge=1)  # unreachable attempts before closing unconfirmed ...
    unreachable_span: Duration  # ... spread over at least this long
    link_valid: Duration  # how long the customer's confirmation link works


class Tracking(_Model):
    """Deferred fixes (投诉跟踪单)."""

    follow_up_interval: Duration
    max_expected: Duration = "300d"  # the furthest a plan may promise the fix


class Survey(_Model):
    low_score_below: int = Field(default=8, ge=1, le=11)
    delay: Duration = "2h"  # after the confirmed close
    recovery_within: Duration = "2wd"  # the supervisor's promise to recover a low score


class Appeals(_Model):
    """申诉: a customer appeals a closed complaint once; another team handles it again."""

    window: Duration
    department: str


class Portal(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str
    default_region: str = Field(default="CN", pattern=r"^[A-Z]{2}$")  # for phone numbers without +country


class Policy(_Model):
    profile: str
    country: str
    timezone: str
    working_hours: WorkingHours
    quiet_hours: QuietHoursPolicy
    departments: list[Department]
    default_department: str
    portals: list[Portal]
    agents: list[Agent]
    categories: dict[str, Category]
    natures: dict[Literal["inquiry", "help_seeking", "venting"], list[str]]
    failure_words: list[str]
    negations: Negations
    sensitive_words: list[str]
    safety_words: list[str]
    many_affected_words: list[str] = []
    triage: Triage
    repeat: RepeatRule
    clusters: ClusterRule
    promises: dict[Priority, dict[str, str]]
    promises_by_category: dict[str, dict[str, Duration]] = {}
    stage_limits: dict[Stage, str | dict[str, str]]
    escalation_interval: str
    escalation: Escalation
    routing: list[RoutingRule] = []
    transfers: Transfers
    notifications: Notifications
    survey: Survey = Survey()
    root_causes: dict[str, list[str]]  # category pattern -> the causes a handler may report
    quality_check: QualityCheck = QualityCheck()
    verification: Verification
    tracking: Tracking
    appeals: Appeals

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        departments = {d.id for d in self.departments}
        agents = {a.id for a in self.agents}
        if self.default_department not in departments:
            raise ValueError(f"default_department {self.default_department!r} is not a department")
        for key, category in self.categories.items():
            if category.department not in departments:
                raise ValueError(f"category {key!r} names unknown department {category.department!r}")
        for agent in self.agents:
            unknown = set(agent.departments) - departments
            if unknown:
                raise ValueError(f"agent {agent.id!r} names unknown departments {sorted(unknown)}")
        for department in self.departments:
            for person in (department.supervisor, department.manager):
                if person not in agents:
                    raise ValueError(f"department {department.id!r} names unknown person {person!r}")
        if set(self.promises) != set(Priority):
            raise ValueError("promises must be set for every priority")
        for table in self.promises.values():
            for duration in table.values():
                _check_duration(duration)
        for limit in self.stage_limits.values():
            for duration in (limit.values() if isinstance(limit, dict) else [limit]):
                _check_duration(duration)
        _check_duration(self.escalation_interval)
        if "other" not in self.categories:
            raise ValueError("the taxonomy needs an 'other' category")
        for named in (self.triage.department, self.clusters.department, self.appeals.department):
            if named not in departments:
                raise ValueError(f"triage, clusters or appeals name unknown department {named!r}")
        for rule in self.routing:
            if rule.department not in departments:
                raise ValueError(f"routing rule names unknown department {rule.department!r}")
        unknown_categories = set(self.clusters.categories) - set(self.categories)
        if unknown_categories:
            raise ValueError(f"clusters name unknown categories {sorted(unknown_categories)}")
        for key in self.categories:
            if not self.root_causes_for(key):
                raise ValueError(f"category {key!r} has no root causes to report")
        return self

    def root_causes_for(self, category: str) -> list[str]:
        """The root causes a handler may report for a category: every matching pattern's, in order."""
        causes = [cause for pattern, listed in self.root_causes.items() if fnmatch(category, pattern)
                  for cause in listed]
        return list(dict.fromkeys(causes))

    def needs_quality_check(self, category: str, priority: Priority, sensitive: bool, draw: float) -> bool:
        """Whether a resolution goes to a supervisor's check; draw is a number in [0, 1) for the sample."""
        rule = self.quality_check
        return (any(fnmatch(category, pattern) for pattern in rule.categories) or priority in rule.priorities
                or (rule.sensitive and sensitive) or draw < rule.sample_rate)

    @property
    def calendar(self) -> WorkingCalendar:
        hours = self.working_hours
        return _calendar(self.country, self.timezone, hours.start, hours.end, hours.lunch,
                         frozenset(hours.closures))

    @property
    def quiet(self) -> QuietHours:
        return QuietHours(ZoneInfo(self.timezone), tuple(self.quiet_hours.periods))

    def route(self, category: str, area: str | None, priority: Priority, channel: Channel) -> str:
        """The department that takes a complaint: the first matching rule, else the category's own."""
        for rule in self.routing:
            if rule.matches(category, area, priority, channel):
                return rule.department
        return self.categories[category].department

    def department(self, department_id: str) -> Department:
        for department in self.departments:
            if department.id == department_id:
                return department
        raise KeyError(department_id)

    def portal(self, portal_id: str) -> Portal | None:
        return next((p for p in self.portals if p.id == portal_id), None)

    def agent(self, agent_id: str) -> Agent | None:
        return next((a for a in self.agents if a.id == agent_id), None)

    def promise_table(self, priority: Priority, category: str | None) -> dict[str, str]:
        """The promises for a priority, with the category's own added or replacing them."""
        table = dict(self.promises[priority])
        for pattern, extra in self.promises_by_category.items():
            if category is not None and fnmatch(category, pattern):
                table.update(extra)
        return table

    def stage_limit(self, stage: Stage, priority: Priority) -> str:
        limit = self.stage_limits.get(stage, "2wd")
        if isinstance(limit, dict):
            return limit.get(priority.value, limit["default"])
        return limit


@lru_cache(maxsize=16)
def _calendar(country: str, timezone: str, start: time, end: time, lunch: tuple[time, time] | None,
              closures: frozenset[date]) -> WorkingCalendar:
    return WorkingCalendar(country, timezone, start, end, lunch, closures)


@lru_cache(maxsize=8)
def load_policy(profile: str) -> Policy:
    path = POLICY_DIR / f"{profile}.yaml"
    with path.open(encoding="utf-8") as handle:
        return Policy.model_validate(yaml.safe_load(handle))
