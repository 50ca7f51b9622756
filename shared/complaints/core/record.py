"""The complaint aggregate as stored: one item, rewritten under a version check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, PrivateAttr, WithJsonSchema

from complaints.core.collaboration import Assist, Consultation, ReturnRecord
from complaints.core.enums import CLOSED_STATUSES, HELD_STAGES, Priority, RedressState, Stage, Status
from complaints.core.outbox import StatusEvent
from complaints.core.outcomes import (
    Appeal,
    Appointment,
    Dispute,
    IncidentReport,
    IncidentResolution,
    QualityCheckResult,
    Resolution,
    SurveyAnswer,
    TrackingTicket,
)
from complaints.core.redress import RedressRecord
from complaints.core.values import Channel, Classification, Customer, Device, Location, Occurred, Promise, Service


class PendingDecision(BaseModel, defer_build=True):
    """A decision saved on the complaint that Step Functions may not have yet: sent again until it is taken."""

    stage: Stage
    token: str  # empty when no execution waited: then `start` names the execution the decision starts
    output: dict[str, str | int | float | bool | None]
    start: str | None = None  # an execution recorded on the complaint, started again until it runs
    error: str | None = None  # sent as this WorkflowError (a decision off the happy path), not as output


class ExecutionRun(BaseModel, defer_build=True):
    """One execution of the complaint's workflow as it was started: at intake, for an appeal, or a redrive."""

    name: str
    started_at: datetime
    by: str  # who started it: a portal, an operator, or a system actor such as "system:restart"
    kind: str  # intake | appeal | redrive | reopen (a low score's review) | fix_landed (a tracking ticket)
    resume: str | None = None  # the state it went on from (None: from the start)


class ComplaintRecord(BaseModel, defer_build=True):
    complaint_id: str
    version: int = 0
    status: Status
    stage: Stage | None = None
    task_token: str | None = None
    decision: PendingDecision | None = None  # cleared when the workflow next parks, closes or fails
    portal_id: str
    external_id: str
    channel: Channel
    language: str
    received_at: datetime
    updated_at: datetime
    customer: Customer
    customer_key: str
    service: Service | None = None
    text: str
    location: Location | None = None
    occurred: Occurred | None = None
    device: Device | None = None
    classification: Classification | None = None
    department: str | None = None
    owner_id: str | None = None
    previous_owners: list[str] = []
    promises: list[Promise] = []
    resolution: Resolution | None = None
    quality_check: QualityCheckResult | None = None  # the last check's result and reason
    tracking: TrackingTicket | None = None
    appointment: Appointment | None = None  # the field visit booked with the customer
    callback_attempts: int = 0
    unreachable_attempts: int = 0  # since the last resolution
    first_unreachable_at: datetime | None = None
    last_attempt_at: datetime | None = None  # the last call that did not reach a decision (unreachable, busy)
    confirm_nonce: str | None = None  # the customer's confirmation link, single use
    verified: str | None = None  # fixed | unconfirmed: how the confirmation wait ended
    reopen_count: int = 0
    not_fixed: int = 0  # the customer's "not fixed" answers
    plan_required: bool = False  # not fixed too often: the next report must carry a long-term plan
    survey: SurveyAnswer | None = None
    survey_nonce: str | None = None
    survey_sent: bool = False  # one survey per complaint, even if it is reopened and closed again
    appeal: Appeal | None = None  # 申诉: once per complaint
    failure: str | None = None
    failed_status: Status | None = None  # where a failed complaint stood, so a redrive goes on from there
    failed_stage: Stage | None = None
    announced: Stage | None = None  # the wait whose message went out: entering it again sends nothing
    executions: list[ExecutionRun] = []  # in the order started (empty on complaints stored before they were kept)
    closed_at: datetime | None = None
    timer_stage: Stage | None = None
    timer_level: int = 0
    timer_due: datetime | None = None
    repeat_of: str | None = None
    paused_at: datetime | None = None
    transfer_count: int = 0
    departments_left: list[str] = []
    hops_at: list[datetime] = []  # when each transfer out of a department was made
    passing_around: bool = False
    needs_supervisor: bool = False
    incident_id: str | None = None
    incident_resolution: IncidentResolution | None = None
    redress: list[RedressRecord] = []
    consultations: list[Consultation] = []
    assists: list[Assist] = []
    returns: list[ReturnRecord] = []
    # What the reports have counted of this complaint (see reporting/counting.py).
    counted: list[str] = []
    counted_open: str | None = None  # the open-hotspot gauge it adds to now
    # Set at intake from the profile: whether its channel is sensitive, and where an outage would show (the
    # first of the profile's cluster dimensions the location gives, e.g. "building:3" or "area:north").
    channel_sensitive: bool = False
    cluster_key: str | None = None
    dispute: Dispute | None = None  # harm claimed and redress demanded (the profile's disputes)
    # Status events the change being made causes: written with it by the next save, never stored on the item.
    _statuses: list[StatusEvent] = PrivateAttr(default_factory=list)

    @property
    def priority(self) -> Priority:
        return self.classification.priority if self.classification else Priority.NORMAL

    @property
    def sensitive(self) -> bool:
        """Complaints from the channels the profile marks sensitive (government hotlines, authorities, media)
        are sensitive from intake on."""
        return self.channel_sensitive

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def holds(self) -> list[str]:
        """What must be settled before the complaint may be reported resolved: open assists, pending approvals."""
        return ([f"assist {a.assist_id} ({a.department}) is open" for a in self.assists if a.open]
                + [f"redress {r.redress_id} ({r.kind.value} {r.amount} {r.currency}) awaits approval"
                   for r in self.redress if r.state is RedressState.PENDING_APPROVAL])

    @property
    def settlement_compensation(self) -> RedressRecord | None:
        """The redress recorded as the compensation of the dispute's settlement, if it has one."""
        settlement = self.dispute.settlement if self.dispute else None
        if settlement is None or settlement.redress_id is None:
            return None
        return next((r for r in self.redress if r.redress_id == settlement.redress_id), None)

    @property
    def settlement_stands(self) -> bool:
        """The dispute is settled, and the settlement's compensation (if any) is approved."""
        if self.dispute is None or self.dispute.settlement is None:
            return False
        compensation = self.settlement_compensation
        return compensation is None or compensation.stands

    @property
    def helping_departments(self) -> set[str]:
        """Departments with an open consultation or assist on the complaint: they may see it."""
        return {c.department for c in self.consultations if c.open} | {a.department for a in self.assists if a.open}

    @property
    def runs(self) -> list[ExecutionRun]:
        """The complaint's executions, oldest first (the intake's alone on a complaint stored before they were kept)."""
        return self.executions or [ExecutionRun(name=self.complaint_id, started_at=self.received_at,
                                                by=f"portal:{self.portal_id}", kind="intake")]

    @property
    def execution_names(self) -> list[str]:
        return [run.name for run in self.runs]

    def add_execution(self, run: ExecutionRun) -> None:
        self.executions = [*self.runs, run]

    @property
    def held(self) -> bool:
        """Waiting at a stage its timer holds with no execution open (an execution's wait has a task token)."""
        return self.stage in HELD_STAGES and not self.task_token

    def set_timer(self, stage: Stage | None, due: datetime | None, level: int = 0) -> None:
        self.timer_stage, self.timer_due, self.timer_level = stage, due, level

    def add_status(self, status: StatusEvent) -> None:
        """A status event for the complaint's portal, saved in the same write as the change now being made."""
        self._statuses.append(status)

    @property
    def statuses(self) -> list[StatusEvent]:
        """The status events the next save writes."""
        return list(self._statuses)

    def statuses_saved(self) -> None:
        self._statuses.clear()


class Incident(BaseModel, defer_build=True):
    """Many complaints of one clustered category from one place: one incident (an outage, a burst main)."""

    incident_id: str
    version: int = 0
    status: str = "open"  # open | resolved
    cluster_key: str
    category: str
    department: str
    opened_at: datetime
    complaint_ids: list[str] = []
    opened_by: str | None = None  # the complaint whose classification reached the threshold
    members_linked: bool = False  # every complaint it opened with carries its id, and the supervisor was told
    # The API has always documented the report as a map of strings.
    resolution: Annotated[IncidentReport | None, WithJsonSchema(
        {"anyOf": [{"additionalProperties": {"type": "string"}, "type": "object"}, {"type": "null"}],
         "title": "Resolution"})] = None
    resolved_at: datetime | None = None
    prioritise_at: datetime | None = None  # when it is prioritised if still open (the policy's clusters rule)
    prioritised_at: datetime | None = None
