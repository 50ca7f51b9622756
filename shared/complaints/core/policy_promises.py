"""The promise sections of a policy profile: what each kind of promise is, when promises are made after intake,
and the rules of the steps that keep them (staged replies, field visits, who the customer may call, portals).

The engine names the steps (received, accepted, replied, transferred, appointment booked, arrived); a profile
names its own kinds of promise and says which steps make and keep each one.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatch
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from complaints.core.enums import EventType, Priority
from complaints.core.policy_sections import Section
from complaints.core.values import Channel
from complaints.core.working_time import check_deadline

# A time limit: a duration (30m, 24h, 3d, 2wd, 4wh, 30wm) or an end of day (eod, eod@16:00).
Deadline = Annotated[str, AfterValidator(check_deadline)]
# The steps that keep promises; closing a complaint settles every promise still pending.
KEEPING_STEPS = frozenset({EventType.RECEIVED, EventType.ACCEPTED, EventType.REPLIED, EventType.RESOLVED,
                           EventType.APPOINTMENT_BOOKED, EventType.ARRIVED, EventType.DISPUTE_SETTLED})
# The steps that make promises beside intake: what happens starts a new clock.
MAKING_STEPS = frozenset({EventType.RECEIVED, EventType.ACCEPTED, EventType.TRANSFERRED, EventType.DISPUTE_OPENED})


class Extension(Section):
    """What extending a ceiling takes: each named part is required of the extension and recorded."""

    explanation: bool = True  # an explanation sent to the customer
    authority_report: bool = True  # a report to the supervising authority, recorded with its reference


class PromiseKindRule(Section):
    """What a kind of promise is."""

    kept_by: list[EventType] = []  # the steps that keep it (a late one is recorded missed)
    kept_by_steps: list[str] = []  # the dispute steps of the profile that keep it (the records sealed)
    customer_facing: bool = False  # the owner may move it; the customer hears from the desk when it falls due
    pausable: bool = False  # its clock stops while the complaint waits on the customer
    held_by: Literal["owner", "supervisor"] = "owner"  # who is reminded and warned
    ceiling: bool = False  # no other promise may be moved beyond it
    extension: Extension | None = None  # how a ceiling is extended; without, it cannot be
    escalate_to: list[Literal["supervisor", "manager"]] = ["supervisor"]  # told when it is missed

    def keeps(self, step: EventType) -> bool:
        return step in self.kept_by


class PromiseRule(Section):
    """A promise made when a step happens: within its time limit from that moment."""

    kind: str
    after: EventType  # the step that makes it (YAML reads a key named `on` as true)
    within: Deadline
    categories: list[str] = ["*"]  # category patterns; a complaint not yet classified matches "*" only
    channels: list[Channel] | None = None
    departments: list[str] | None = None  # for a transfer: the receiving department
    priorities: list[Priority] | None = None  # e.g. only an emergency (urgent) gets an arrival within minutes

    def applies(self, step: EventType, category: str | None, channel: Channel | None,
                department: str | None = None, priority: Priority | None = None) -> bool:
        return (self.after == step
                and (self.priorities is None or priority in self.priorities)
                and (any(p == "*" for p in self.categories) if category is None
                     else any(fnmatch(category, p) for p in self.categories))
                and (self.channels is None or channel in self.channels)
                and (self.departments is None or department in self.departments))


class Replies(Section):
    """Staged replies (阶段回复): each contact with the customer the owner records."""

    kinds: list[str] = Field(min_length=1)  # how the customer was reached: call, sms, visit ...
    next_kind: str  # the promise a reply's new promised time makes
    max_ahead: Deadline = "30d"  # the furthest a reply may promise the next one


class Appointments(Section):
    """Field visits: the agreed window, the arrival promise and the customer's reminder."""

    arrival_kind: str  # the promise of arriving within the booked window
    max_window: Deadline = "4h"  # the longest window a visit may be booked for
    remind_before: Deadline = "2h"  # the customer is reminded this long before the window, outside quiet hours
    max_ahead: Deadline = "30d"


_PHONE = r"^[0-9+][0-9 ()-]{2,31}$"


class Numbers(Section):
    phone: str = Field(pattern=_PHONE)  # the desk's number the handler answers on
    escalation_phone: str = Field(pattern=_PHONE)  # the supervisors' line, when the handler cannot be reached


class Contact(Numbers):
    """Whom the customer may call: the desk's numbers, and a department's own where it has them."""

    departments: dict[str, Numbers] = {}

    def of(self, department: str | None) -> Numbers:
        return self.departments.get(department or "", self)


class StatusPush(Section):
    """Status events pushed to portals that registered a webhook URL."""

    events: list[str] = ["acknowledged", "assigned", "replied", "resolved", "closed", "appealed", "extended"]
    retry_after: list[Deadline] = ["1m", "5m", "30m", "2h", "6h"]  # then the delivery is dead-lettered
    timeout_seconds: int = Field(default=10, ge=1, le=30)
    # Hosts a portal may name with plain http (a receiver on the same machine); every other URL is https.
    allow_http_hosts: list[str] = []


def check_promises(promises: Mapping[Priority, dict[str, str]], by_category: dict[str, dict[str, str]],
                   kinds: dict[str, PromiseKindRule], rules: list[PromiseRule], replies: Replies | None,
                   appointments: Appointments | None, contact: Contact | None, departments: set[str]) -> None:
    """Every kind of promise named is defined, kept by real steps and made by real ones."""
    named = {kind for table in (*promises.values(), *by_category.values()) for kind in table}
    named |= {rule.kind for rule in rules}
    named |= {replies.next_kind} if replies else set()
    named |= {appointments.arrival_kind} if appointments else set()
    if kinds and named - set(kinds):
        raise ValueError(f"promise kinds {sorted(named - set(kinds))} are not in promise_kinds")
    for kind, what in kinds.items():
        if set(what.kept_by) - KEEPING_STEPS:
            raise ValueError(f"promise kind {kind!r}: kept_by names steps that keep no promise; "
                             f"one of {sorted(KEEPING_STEPS)}")
        if what.extension is not None and not what.ceiling:
            raise ValueError(f"promise kind {kind!r}: only a ceiling has extension rules")
    for rule in rules:
        if rule.after not in MAKING_STEPS:
            raise ValueError(f"promise rule {rule.kind!r}: after must be one of {sorted(MAKING_STEPS)}")
        if set(rule.departments or []) - departments:
            raise ValueError(f"promise rule {rule.kind!r} names unknown departments")
    if contact and set(contact.departments) - departments:
        raise ValueError("contact names unknown departments")
