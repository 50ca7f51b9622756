"""The sections of a policy profile, each validated on its own: hours, staff, taxonomy, routing and rules."""

from __future__ import annotations

from datetime import date, datetime, time
from fnmatch import fnmatch
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from complaints.core.enums import Priority, Role
from complaints.core.values import Channel, Service
from complaints.core.working_time import parse_duration


class Section(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def check_duration(value: str) -> str:
    parse_duration(value)
    return value


def check_shift(value: str) -> str:
    if value != "always":
        start, _, end = value.partition("-")
        try:
            time.fromisoformat(start)
            time.fromisoformat(end)
        except ValueError as exc:
            raise ValueError(f"shift {value!r} is not 'always' or like 08:00-20:00") from exc
    return value


Duration = Annotated[str, AfterValidator(check_duration)]
Shift = Annotated[str, AfterValidator(check_shift)]


def _role(value: str) -> Role:
    # A function, not the Enum class itself: Python 3.13 gives Enum's call the signature (*values),
    # which pydantic cannot inspect as a validator.
    return Role(value)


# A role, documented in the API as the plain list of names it has always been.
RoleName = Annotated[Role, PlainValidator(_role), PlainSerializer(str, return_type=str),
                     WithJsonSchema({"type": "string", "enum": [role.value for role in Role], "title": "Role"})]


class WorkingHours(Section):
    start: time
    end: time
    lunch: tuple[time, time] | None = None
    closures: list[date] = []  # local days off beyond the national calendar


class QuietHoursPolicy(Section):
    periods: list[tuple[time, time]]


class Department(Section):
    id: str
    name: str
    supervisor: str
    manager: str


class Agent(Section):
    id: str
    name: str
    role: RoleName
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


class AgentUpdate(Section):
    """An agent as the admin endpoint takes it (the id is in the path)."""

    name: str = Field(min_length=1, max_length=100)
    role: RoleName = Role.AGENT
    departments: list[str] = Field(min_length=1)
    shift: Shift = "always"
    capacity: int = Field(ge=0, le=1000)
    email: str | None = Field(default=None, max_length=200)
    skills: list[str] = ["*"]
    areas: list[str] = ["*"]
    languages: list[str] = ["zh-CN", "en"]


class Category(Section):
    department: str
    strong: list[str] = []
    phrases: list[str] = []
    weak: list[str] = []
    services: list[Service] = []  # a portal naming one of these services nudges the phrase rules towards it


class EncoderVote(Section):
    """An English encoder consulted when the vote is unsure: files beside the profile, from `make encoder`."""

    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.encoder\.json$")
    # The encoder's scores are added at this weight to the linear model's log-probabilities.
    weight: float = Field(gt=0, le=10)
    # It is consulted for an English complaint whose winning category, by the rules and the linear model, is
    # less likely than this.
    consult_below: float = Field(gt=0, le=1)


class TextModel(Section):
    """The learned model that votes with the phrase rules: a file beside the profile, from `make model`."""

    model: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.json$")
    encoder: EncoderVote | None = None
    # Below this probability for its category, a valid complaint goes to the triage desk; so does a
    # communicative one whose nature is less certain than min_nature_probability (it may be a fault).
    min_probability: float = Field(ge=0, le=1)
    min_nature_probability: float = Field(default=0.8, ge=0, le=1)


class RoutingRule(Section):
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


class Transfers(Section):
    """Passing around (推诿): how many transfers out of a department may follow one another within the window."""

    max: int = Field(ge=0)
    window: Duration = "30d"  # a transfer out of a department counts while an earlier one lies within this


class Escalation(Section):
    ladder: list[Literal["owner", "supervisor", "manager"]] = Field(min_length=1)
    sensitive_start: int = Field(ge=0)


class Notifications(Section):
    digest_interval: Duration


class Negations(Section):
    before: list[str]
    after: list[str]


class Triage(Section):
    department: str
    min_score: float = Field(gt=0)
    min_score_communicative: float = Field(gt=0)
    min_confidence: float = Field(ge=0, le=1)


class RepeatRule(Section):
    window: Duration


class ClusterRule(Section):
    categories: list[str]
    threshold: int = Field(ge=2)
    window: Duration
    department: str
    # An incident still open this long (a site down for days) is prioritised: its complaints are raised to
    # prioritise_to, its department's supervisor and manager are told, and reports mark it.
    prioritise_after: Duration | None = None
    prioritise_to: Priority = Priority.URGENT
    # Where an outage shows: the first of these location fields a complaint gives (field -> the name its
    # key carries), e.g. a building before the area.
    dimensions: dict[str, str] = {"area": "area"}
    # The customers of one outage report it by different symptoms or by its cause: the categories counted
    # together at a place (group name -> categories). A clustered category in no group counts with those of its
    # family (the part of its key before the dot).
    groups: dict[str, list[str]] = {}

    @model_validator(mode="after")
    def _grouped_categories_are_clustered(self) -> ClusterRule:
        for name, members in self.groups.items():
            stray = sorted(set(members) - set(self.categories))
            if stray:
                raise ValueError(f"clusters.groups.{name} names categories that are not clustered: {stray}")
        return self

    def group_of(self, category: str) -> str:
        """The outage group a category's complaints are counted in at a place."""
        for name, members in self.groups.items():
            if category in members:
                return name
        return category.split(".", 1)[0]


class QualityCheck(Section):
    """Which resolutions a supervisor checks (质检) before the customer is called."""

    categories: list[str] = []  # category patterns always checked
    priorities: list[Priority] = []  # priorities always checked
    sensitive: bool = False  # complaints from sensitive channels always checked
    sample_rate: float = Field(default=0.0, ge=0, le=1)  # share of the rest, picked at random
    within: Duration = "4h"


class Confirmation(Section):
    """Confirming the fix with the customer (回访)."""

    max_unreachable: int = Field(ge=1)  # unreachable attempts before closing unconfirmed ...
    unreachable_span: Duration  # ... spread over at least this long
    link_valid: Duration  # how long the customer's confirmation link works
    # One call is one attempt: an unanswered or busy call recorded sooner than this after the last is refused.
    attempt_interval_minutes: int = Field(default=30, ge=1, le=1440)
    # After this many "not fixed" answers the complaint is not simply reopened again: its next report must
    # carry a long-term plan, which makes it a tracking ticket, and the supervisor is told. None: never.
    not_fixed_to_tracking: int | None = Field(default=None, ge=1, le=10)


class Intake(Section):
    """What a portal's delivery may claim."""

    # A complaint received longer ago than this is refused: its promises would all be missed at once.
    received_within_days: int = Field(default=30, ge=1, le=3650)


class Tracking(Section):
    """Deferred fixes (投诉跟踪单)."""

    follow_up_interval: Duration
    max_expected: Duration = "300d"  # the furthest a plan may promise the fix


class Portal(Section):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str
    default_region: str = Field(default="CN", pattern=r"^[A-Z]{2}$")  # for phone numbers without +country
    inbound_sms: bool = False  # an SMS gateway: it may deliver customers' replies (POST .../sms)


def check_people(departments: list[Department], agents: list[Agent], default_department: str,
                 categories: dict[str, Category]) -> set[str]:
    """Every department and person the staff sections name exists; the department ids."""
    known = {d.id for d in departments}
    people = {a.id for a in agents}
    if default_department not in known:
        raise ValueError(f"default_department {default_department!r} is not a department")
    for key, category in categories.items():
        if category.department not in known:
            raise ValueError(f"category {key!r} names unknown department {category.department!r}")
    for agent in agents:
        unknown = set(agent.departments) - known
        if unknown:
            raise ValueError(f"agent {agent.id!r} names unknown departments {sorted(unknown)}")
    for department in departments:
        for person in (department.supervisor, department.manager):
            if person not in people:
                raise ValueError(f"department {department.id!r} names unknown person {person!r}")
    return known
