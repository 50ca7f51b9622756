"""Policy profiles: the rules of one complaint desk, validated at load (the packaged ones when compiled)."""

from __future__ import annotations

from datetime import date, time
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pydantic
from pydantic import Field, model_validator

from complaints.core import labels as display
from complaints.core import policy_vocabulary as vocabulary
from complaints.core.compiled_policy import load_compiled
from complaints.core.enums import EventType, Priority, Stage
from complaints.core.observability import logger
from complaints.core.policy_aftercare import Appeals, Collaboration, CorrectiveActions, RedressRules, Survey
from complaints.core.policy_promises import (
    Appointments,
    Contact,
    Deadline,
    PromiseKindRule,
    PromiseRule,
    Replies,
    StatusPush,
    check_promises,
)
from complaints.core.policy_sections import (
    Agent,
    Category,
    ClusterRule,
    Confirmation,
    Department,
    Escalation,
    Intake,
    Negations,
    Notifications,
    Portal,
    QualityCheck,
    QuietHoursPolicy,
    RepeatRule,
    RoutingRule,
    Section,
    TextModel,
    Tracking,
    Transfers,
    Triage,
    WorkingHours,
    check_duration,
    check_people,
)
from complaints.core.values import Channel, Device, Location
from complaints.core.working_time import QuietHours, WorkingCalendar

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


class Policy(Section):
    profile: str
    country: str
    timezone: str
    working_hours: WorkingHours
    quiet_hours: QuietHoursPolicy
    departments: list[Department]
    default_department: str
    portals: list[Portal]
    agents: list[Agent]
    # The desk's words: the ways complaints arrive, the services a portal may name, the fields of a location
    # and of a device, what the managers' hotspots count, the wording of messages.
    channels: dict[str, vocabulary.ChannelRule] = Field(min_length=1)
    services: list[str] = []
    location_fields: dict[str, vocabulary.FieldRule] = {}
    device_fields: dict[str, vocabulary.FieldRule] = {}
    hotspots: vocabulary.Hotspots | None = None
    messages: vocabulary.Messages = vocabulary.Messages()
    disputes: vocabulary.Disputes | None = None
    categories: dict[str, Category]
    natures: dict[Literal["inquiry", "help_seeking", "venting"], list[str]]
    failure_words: list[str]
    negations: Negations
    sensitive_words: list[str]
    safety_words: list[str]
    many_affected_words: list[str] = []
    triage: Triage
    text_model: TextModel | None = None
    repeat: RepeatRule
    clusters: ClusterRule
    promises: dict[Priority, dict[str, Deadline]]
    promises_by_category: dict[str, dict[str, Deadline]] = {}
    promise_kinds: dict[str, PromiseKindRule] = {}
    promise_rules: list[PromiseRule] = []
    replies: Replies | None = None
    appointments: Appointments | None = None
    contact: Contact | None = None
    status_push: StatusPush = StatusPush()
    stage_limits: dict[Stage, str | dict[str, str]]
    escalation_interval: str
    escalation: Escalation
    routing: list[RoutingRule] = []
    transfers: Transfers
    notifications: Notifications
    survey: Survey = Survey()
    root_causes: dict[str, list[str]]  # category pattern -> the causes a handler may report
    quality_check: QualityCheck = QualityCheck()
    confirmation: Confirmation
    intake: Intake = Intake()
    tracking: Tracking
    appeals: Appeals
    redress: RedressRules
    collaboration: Collaboration = Collaboration()
    corrective_actions: CorrectiveActions = CorrectiveActions()
    # Display names per language (see core/labels.py); a language given must name every key.
    labels: display.LabelTable = {}

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        departments = check_people(self.departments, self.agents, self.default_department, self.categories)
        if set(self.promises) != set(Priority):
            raise ValueError("promises must be set for every priority")
        check_promises(self.promises, self.promises_by_category, self.promise_kinds, self.promise_rules,
                       self.replies, self.appointments, self.contact, departments)
        for limit in self.stage_limits.values():
            for duration in (limit.values() if isinstance(limit, dict) else [limit]):
                check_duration(duration)
        check_duration(self.escalation_interval)
        if all(limit is not None for limit in self.redress.approval_limits.values()):
            raise ValueError("redress.approval_limits: some role must approve any amount (a null limit)")
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
        vocabulary.check_disputes(self.disputes, departments, self.promise_kinds)
        vocabulary.check_vocabulary(self.channels, self.services, self.categories, self.routing, self.promise_rules,
                         self.location_fields, self.hotspots, self.clusters)
        lacking = display.missing(self.labels, self.label_keys())
        if lacking:
            raise ValueError("labels: " + "; ".join(f"{language} lacks {', '.join(keys)}"
                                                    for language, keys in lacking.items()))
        return self

    def label_keys(self) -> dict[display.LabelKind, set[str]]:
        """Every key the desk can show, by kind: the engine's vocabulary and this profile's own.

        Departments are not required: each has a name of its own (and the roster may add them at run time).
        """
        wanted = display.engine_keys()
        wanted["category"] = set(self.categories)
        wanted["channel"] = set(self.channels)
        wanted["service"] = set(self.services)
        wanted["root_cause"] = {cause for causes in self.root_causes.values() for cause in causes}
        wanted["promise"] |= {kind for table in self.promises.values() for kind in table}
        wanted["promise"] |= {kind for table in self.promises_by_category.values() for kind in table}
        wanted["promise"] |= set(self.promise_kinds) | {rule.kind for rule in self.promise_rules}
        wanted["role"] |= set(self.escalation.ladder)
        wanted["reply"] = set(self.replies.kinds) if self.replies else set()
        # A location is shown field by field: the engine's address and area, and the profile's own fields.
        wanted["location"] = set(self.location_fields) | set(vocabulary.ENGINE_LOCATION_FIELDS)
        if self.disputes is not None:
            wanted["dispute_step"], wanted["dispute_way"] = set(self.disputes.steps), set(self.disputes.ways)
        return wanted

    def label(self, kind: display.LabelKind, key: str | None, language: str) -> str:
        """What people read for a stored key; a department the labels do not name shows its own name."""
        shown = display.name(self.labels, language, kind, key)
        if kind == "department" and shown == key and key not in self.labels.get(language, {}).get(kind, {}):
            known = next((d for d in self.departments if d.id == key), None)
            return known.name if known else shown
        return shown

    def channel_sensitive(self, channel: str) -> bool:
        rule = self.channels.get(channel)
        return rule is not None and rule.sensitive

    def intake_problems(self, channel: str, service: str | None, location: Location | None,
                        device: Device | None) -> list[tuple[str, str]]:
        """What a delivery names that this desk does not know: (field, reason) pairs, none when all is well."""
        given = (location.profile_fields if location else {}, device.profile_fields if device else {})
        return (vocabulary.unknown_keys(channel, list(self.channels), service, self.services)
                + vocabulary.field_problems("location", given[0], self.location_fields)
                + vocabulary.field_problems("device", given[1], self.device_fields))

    def kind(self, kind: str) -> PromiseKindRule:
        """What a kind of promise is; a kind the profile no longer names is a plain promise."""
        return self.promise_kinds.get(kind) or _PLAIN

    def kinds_kept_by(self, step: EventType) -> set[str]:
        return {kind for kind, rule in self.promise_kinds.items() if rule.keeps(step)}

    def made_on(self, step: EventType, category: str | None, channel: Channel | None,
                department: str | None = None, priority: Priority | None = None) -> dict[str, str]:
        """The promises a step makes (kind → time limit from that moment), by the profile's rules."""
        return {rule.kind: rule.within for rule in self.promise_rules
                if rule.applies(step, category, channel, department, priority)}

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

    def promise_table(self, priority: Priority, category: str | None,
                      channel: Channel | None = None) -> dict[str, str]:
        """The promises made at intake: the priority's, the category's own added or replacing them, and the
        rules' for what is received (by category and channel)."""
        table = dict(self.promises[priority])
        for pattern, extra in self.promises_by_category.items():
            if category is not None and fnmatch(category, pattern):
                table.update(extra)
        table.update(self.made_on(EventType.RECEIVED, category, channel, priority=priority))
        return table

    def stage_limit(self, stage: Stage, priority: Priority) -> str:
        limit = self.stage_limits.get(stage, "2wd")
        if isinstance(limit, dict):
            return limit.get(priority.value, limit["default"])
        return limit


_PLAIN = PromiseKindRule()


@lru_cache(maxsize=16)
def _calendar(country: str, timezone: str, start: time, end: time, lunch: tuple[time, time] | None,
              closures: frozenset[date]) -> WorkingCalendar:
    return WorkingCalendar(country, timezone, start, end, lunch, closures)


@lru_cache(maxsize=8)
def load_policy(profile: str) -> Policy:
    """A packaged profile: compiled while current (core/compiled_policy.py), else from its YAML, with a warning."""
    compiled, stale = load_compiled(profile, pydantic.VERSION)
    if not isinstance(compiled, Policy):
        logger.warning("compiled policy stale; reading its YAML", extra={"profile": profile, "problems": stale})
        compiled = load_policy_file(POLICY_DIR / f"{profile}.yaml")
    return compiled


def load_policy_file(path: Path) -> Policy:
    """A profile from its YAML (a desk's own POLICY_FILE); PyYAML is imported here only."""
    import yaml
    with path.open(encoding="utf-8") as handle:
        return Policy.model_validate(yaml.safe_load(handle))
