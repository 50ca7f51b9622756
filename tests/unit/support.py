"""What the unit tests share: fakes for the ports, the model classes they build, and the steps of a complaint.

The request and enum classes are imported here once and re-exported, so when
the models move, this is the one import to change. The workflow's steps are
driven by hand, as the state machine would call them, with a fresh task token
for each human wait.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from complaints.adapters.notify import Message
from complaints.adapters.stepfunctions import Workflow
from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import CallbackOutcome, Priority, PromiseState, Rating, ResolutionOutcome, Stage, Status
from complaints.core.errors import WorkflowUnavailable
from complaints.core.record import ComplaintRecord
from complaints.core.requests import (
    CallbackRequest,
    ConfirmRequest,
    ExtendRequest,
    FollowUpRequest,
    IntakeRequest,
    PauseRequest,
    QualityCheckRequest,
    ResolveRequest,
    ReviewRequest,
    SurveyRequest,
    TransferRequest,
)
from complaints.core.values import Channel, Customer, Location, Promise, Service, TimelineEvent
from complaints.desk.context import Desk
from complaints.handling import acceptance, resolution
from complaints.intake.portals import Delivery
from complaints.intake.receive import submit
from complaints.workflow import steps

__all__ = [
    "CallbackOutcome", "CallbackRequest", "Channel", "ConfirmRequest", "ExtendRequest", "FollowUpRequest",
    "PauseRequest", "Priority", "Promise", "PromiseState", "QualityCheckRequest", "Rating", "ResolutionOutcome",
    "ResolveRequest", "ReviewRequest", "Service", "Stage", "Status", "SurveyRequest", "TimelineEvent",
    "TransferRequest",
]

STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:unit-complaint"
COVERAGE = "小区里信号弱，经常掉话，已经持续两周了。"  # network.coverage: network_optimisation (a-wang, a-liu)
BILLING = "没有订购任何增值业务却被乱扣费30元，要求退费。"  # billing.unauthorized_charge: always quality-checked
BROADBAND = "家里宽带每天晚上断网，光猫灯一直闪"  # broadband.network: maintenance, with a first_contact promise
FIXED = ResolveRequest(outcome=ResolutionOutcome.RESOLVED, root_cause="antenna_tilt",
                       actions="re-tilted the sector antenna")


# ------------------------------------------------------------------ fakes of the ports
class FakeWorkflow(Workflow):
    """The Step Functions port, recording what the domain asked of it."""

    def __init__(self) -> None:
        super().__init__(STATE_MACHINE_ARN)
        self.started: list[tuple[str, dict[str, Any], str | None]] = []
        self.succeeded: list[tuple[str, dict[str, Any]]] = []
        self.failed: list[tuple[str, str, str]] = []
        self.gone: set[str] = set()  # tokens the workflow no longer waits on
        self.unavailable = False  # SendTaskSuccess refused
        self.statuses: dict[str, str] = {}  # executions by name, with their status (started ones run)

    @property
    def client(self) -> Any:
        raise AssertionError("the unit tests' workflow has no AWS client")

    def start(self, complaint_id: str, facts: dict[str, Any], name: str | None = None) -> None:
        self.started.append((complaint_id, facts, name))
        self.statuses.setdefault(name or complaint_id, "RUNNING")

    def status(self, name: str) -> str | None:
        return self.statuses.get(name)

    def executions(self) -> Iterator[tuple[str, str]]:
        yield from reversed(list(self.statuses.items()))

    def succeed(self, task_token: str, output: dict[str, Any], error: str | None = None) -> None:
        if self.unavailable:
            raise WorkflowUnavailable("the workflow did not take the decision (ServiceUnavailable)")
        if error is None:
            self.succeeded.append((task_token, output))
        else:  # a decision off the happy path, routed by the wait's Catch
            self.failed.append((task_token, error, json.dumps(output)))

    def redeliver(self, task_token: str, output: dict[str, Any], error: str | None = None) -> bool:
        if task_token in self.gone:
            return False
        self.succeed(task_token, output, error)
        return True

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        if task_token in self.gone:
            return False
        self.failed.append((task_token, error, cause))
        return True

    def output_for(self, task_token: str) -> dict[str, Any]:
        """The decision sent to a wait, as its output or as the cause of the error that routes it."""
        sent = [output for token, output in self.succeeded if token == task_token]
        routed = [json.loads(cause) for token, _, cause in self.failed if token == task_token]
        return next(iter(sent + routed))

    def errors_for(self, task_token: str) -> list[str]:
        return [error for token, error, _ in self.failed if token == task_token]


@dataclass
class MemoryNotifier:
    """The notification port, keeping every message sent."""

    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.sent.append(message)

    def to_customer(self, complaint_id: str, template: str) -> list[Message]:
        return [m for m in self.sent if m.to_customer and m.complaint_id == complaint_id and m.template == template]

    def to_staff(self, agent_id: str, template: str) -> list[Message]:
        return [m for m in self.sent if not m.to_customer and m.recipient == agent_id and m.template == template]

    def link(self, complaint_id: str, template: str) -> str:
        """The token of the link in the customer's last message of a kind."""
        return self.to_customer(complaint_id, template)[-1].render().rsplit("/", 1)[1]


# ------------------------------------------------------------------ the clock
class FakeDns:
    """socket.getaddrinfo for the unit tests: the names given resolve to their addresses, an address to itself,
    any other name to nothing (socket.gaierror), as on a machine without DNS. `asked` lists the names resolved;
    a name in `hanging` gets no answer until `answer` is set, as from a resolver that does not respond."""

    PUBLIC = "93.184.215.14"  # an address on the internet (the documentation ranges count as private)

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {"portal.example": [self.PUBLIC]}
        self.asked: list[str] = []
        self.hanging: set[str] = set()
        self.answer = threading.Event()
        self._numeric = socket.getaddrinfo

    def __call__(self, host: str, port: Any, family: int = 0, type: int = 0, proto: int = 0,  # noqa: A002
                 flags: int = 0) -> list[tuple[Any, ...]]:
        self.asked.append(host)
        if host in self.hanging:
            self.answer.wait()
        found: list[tuple[Any, ...]] = []
        for address in self.names.get(host, [host]):
            try:
                found += self._numeric(address, port, family, type, proto, flags | socket.AI_NUMERICHOST)
            except socket.gaierror:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return found


def move_clock_to(local: str, desk: Desk, *, working_day: bool = True) -> datetime:
    """Forward to the next local HH:MM (on a working day unless told otherwise)."""
    zone = desk.policy.calendar.zone
    now = clock.now().astimezone(zone)
    target = datetime.combine(now.date(), time.fromisoformat(local), tzinfo=zone)
    while target <= now or (working_day and not desk.policy.calendar.is_working_day(target.date())):
        target += timedelta(days=1)
    return clock.advance(target - now)


def advance(hours: float = 0, *, days: float = 0, minutes: float = 0) -> datetime:
    return clock.advance(timedelta(days=days, hours=hours, minutes=minutes))


# ------------------------------------------------------------------ people
def operator(desk: Desk, agent_id: str) -> Operator:
    agent = desk.policy.agent(agent_id)
    assert agent is not None, agent_id
    return Operator(agent_id, agent.role, tuple(agent.departments))


# ------------------------------------------------------------------ a complaint's steps
_numbers = itertools.count(1)


def receive(desk: Desk, text: str = COVERAGE, *, phone: str | None = None, channel: Channel = "hotline",
            service: Service | None = "mobile_voice", area: str | None = "test-area",
            cell_id: str | None = None, vip: bool = False, language: str = "zh-CN",
            location: dict[str, Any] | None = None) -> str:
    """A complaint delivered by the demo portal through intake (at the area and cell given, or the location); its
    id."""
    n = next(_numbers)
    portal = desk.policy.portal("demo-portal")
    assert portal is not None
    request = IntakeRequest.model_validate({
        "channel": channel, "external_id": f"UNIT-{n:06d}", "service": service, "language": language,
        "customer": Customer(name="单元测试", phone=phone or f"1391234{n:04d}", vip=vip),
        "text": text, "location": location if location is not None
        else Location(area=area, cell_id=cell_id) if area or cell_id else None})
    complaint_id = submit(desk, Delivery(portal, f"msg_{uuid.uuid4().hex}"), request).complaint_id
    advance(minutes=1)  # the desk's clock stands still unless moved; a step later is a moment later
    return complaint_id


def park(desk: Desk, complaint_id: str, stage: Stage) -> str:
    """The workflow waits at a stage with a fresh task token; the token."""
    token = f"token-{stage.value}-{next(_numbers)}"
    steps.park_step(desk, complaint_id, stage, token)
    advance(minutes=1)
    return token


def to_acceptance(desk: Desk, complaint_id: str) -> str:
    """Classified, assigned and offered to its owner; the owner."""
    steps.classify_step(desk, complaint_id)
    advance(minutes=1)
    owner = steps.assign_step(desk, complaint_id)["owner_id"]
    advance(minutes=1)
    park(desk, complaint_id, Stage.ACCEPTANCE)
    return str(owner)


def to_resolution(desk: Desk, complaint_id: str) -> str:
    owner = to_acceptance(desk, complaint_id)
    acceptance.accept(desk, complaint_id, operator(desk, owner))
    advance(minutes=1)
    park(desk, complaint_id, Stage.RESOLUTION)
    return owner


def to_confirmation(desk: Desk, complaint_id: str, report: ResolveRequest = FIXED) -> str:
    owner = to_resolution(desk, complaint_id)
    resolution.resolve(desk, complaint_id, operator(desk, owner), report)
    advance(minutes=1)
    park(desk, complaint_id, Stage.CONFIRMATION)
    return owner


def record(desk: Desk, complaint_id: str) -> ComplaintRecord:
    return desk.complaints.get(complaint_id)


def events(desk: Desk, complaint_id: str) -> list[str]:
    return [event.type for event in desk.complaints.timeline(complaint_id)]


def promise(complaint: ComplaintRecord, kind: str) -> Promise:
    """The complaint's latest promise of a kind."""
    return [p for p in complaint.promises if p.kind == kind][-1]


def today_counts(desk: Desk) -> dict[str, int]:
    """Today's report counters (local day of the desk), but the assessment's per agent (today_assessed)."""
    return {k: v for k, v in _today_all(desk).items() if not k.startswith("assess:")}


def today_assessed(desk: Desk) -> dict[str, int]:
    """Today's assessment counters: "<department>|<agent>|<figure>"."""
    return {k.removeprefix("assess:"): v for k, v in _today_all(desk).items() if k.startswith("assess:")}


def _today_all(desk: Desk) -> dict[str, int]:
    day = clock.now().astimezone(desk.policy.calendar.zone).date().isoformat()
    return desk.reports.days([day]).get(day, {})
