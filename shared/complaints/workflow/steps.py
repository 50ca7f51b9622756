"""The workflow's automatic steps: each is one Lambda task of the state machine.

They receive ids and return routing facts only. Every step is safe to run
again: Step Functions retries transient failures, so a step that already took
effect returns its earlier result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from complaints.core import clock, tokens
from complaints.core.enums import STATUS_WHILE_AWAITING, EventType, PromiseKind, PromiseState, Stage, Status
from complaints.core.errors import NoAgentAvailable, SupervisorRequired, VersionConflict
from complaints.core.observability import logger
from complaints.core.outbox import StatusEvent
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent
from complaints.desk.context import Desk
from complaints.handling import disputes, incidents, links, tracking
from complaints.promises import keeping as promises
from complaints.promises import terms as sla
from complaints.reporting import reports
from complaints.triage import assignment


def _routing(record: ComplaintRecord) -> dict[str, Any]:
    classification = record.classification
    return {
        "category": classification.category if classification else None,
        "priority": record.priority.value,
        "department": record.department,
        "owner_id": record.owner_id,
    }


def classify_step(desk: Desk, complaint_id: str) -> dict[str, Any]:
    record = desk.complaints.get(complaint_id)
    place = _classify(desk, record) if record.classification is None else None
    # Once saved, the complaint counts toward its place's outage; a retry of this step finishes the linking.
    return _routing(incidents.open_at_threshold(desk, record, place))


def _classify(desk: Desk, record: ComplaintRecord) -> incidents.Place | None:
    """Classify, route and save the complaint; what was found of its place, if it has no open incident."""
    result = desk.classifier.classify(record.text, service=record.service, channel=record.channel,
                                      vip=record.customer.vip)
    events = []
    repeat = incidents.find_repeat(desk, record, result.category)
    if repeat is not None:
        result = desk.classifier.classify(record.text, service=record.service, channel=record.channel,
                                          vip=record.customer.vip, repeat=True)
        events.append(incidents.note_repeat(desk, record, *repeat))
    linked, place = incidents.join_open(desk, record, result.category)
    if linked is not None:
        events.append(linked)
        result = incidents.joined(desk, result, linked)
    fresh_table = desk.policy.promise_table(result.priority, result.category, record.channel)
    if result.priority != record.priority or set(fresh_table) != {p.kind for p in record.promises}:
        # Promises follow the category and priority; the ones already kept stay kept.
        kept = {p.kind: p for p in record.promises if p.state is not PromiseState.PENDING}
        scheduled = frozenset((p.kind, p.due_at) for p in record.promises if p.state is PromiseState.PENDING)
        fresh = sla.promises_for(result.priority, record.received_at, desk.policy, result.category, record.channel)
        record.promises = [kept.get(p.kind, p) for p in fresh]
        promises.schedule(desk, record, unchanged=scheduled)  # a timer whose due time stands is not written again
    if not result.needs_triage:
        area = record.location.area if record.location else None
        result = result.model_copy(update={"department": desk.policy.route(
            result.category, area, result.priority, record.channel)})
    record.classification = result
    record.department = result.department
    made: list[str] = []
    if disputes.claimed_in(desk.policy, record.text):  # harm and a claim: the dispute's department owns it
        opened, made = disputes.open_on(desk, record, "system", clock.now())
        events.append(opened)
    saved = desk.complaints.save(record, [TimelineEvent(
        at=clock.now(), type=EventType.CLASSIFIED, actor="system",
        detail={"category": result.category, "nature": result.nature.value,
                "priority": result.priority.value, "confidence": result.confidence,
                "department": result.department, "triage": result.needs_triage,
                "evidence": ", ".join(result.evidence[:6])},
    ), *events])
    for kind in made:
        promises.start(desk, saved, kind)
    return place


def assign_step(desk: Desk, complaint_id: str) -> dict[str, Any]:
    record = desk.complaints.get(complaint_id)
    if record.needs_supervisor:
        raise SupervisorRequired(f"complaint {complaint_id} was passed around; a supervisor assigns it")
    if record.owner_id is not None:
        return _routing(record)
    assert record.department is not None, "classification sets the department"
    agent = assignment.pick_owner(desk, record)
    if agent is None:
        desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.NO_AGENT_AVAILABLE, actor="system",
                                                    detail={"department": record.department})])
        raise NoAgentAvailable(f"no agent of {record.department} can take complaint {complaint_id}")
    record.owner_id = agent.id
    try:
        desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.ASSIGNED, actor="system",
                                                    detail={"owner": agent.id, "department": record.department})])
    except VersionConflict:
        desk.loads.adjust(agent.id, -1)  # give the capacity back; the retry assigns again
        raise
    return _routing(record)


def park_step(desk: Desk, complaint_id: str, stage: Stage, task_token: str | None) -> dict[str, Any]:
    """Store the task token of a human wait on the complaint and start its timer.

    Without a token the stage is held by its timer alone and no execution waits (HELD_STAGES: the tracking
    ticket, and the survey that the close holds). Entering the wait the complaint already stands in (a retry,
    or a new execution after a failure, a stop or a restart) only replaces the token: its message went out
    once, its link and its timer stay.
    """
    attempts: list[_Parked] = []

    def park(record: ComplaintRecord) -> list[TimelineEvent]:
        attempts.append(_park(desk, record, stage, task_token))
        return []  # parking is the workflow's bookkeeping, not an event of the complaint

    record = desk.complaints.update(complaint_id, park)
    assert record is not None, "parking always changes the complaint"
    parked = attempts[-1]
    if parked.announce:
        try:
            _announce(desk, record, stage, parked.due, parked.link, parked.send_at, parked.tell_tracking)
        except Exception:  # not sent: the next entry of this wait sends it, and tells the portal then
            _unmark(desk, complaint_id, stage, [s.message_id(complaint_id, record.version) for s in parked.statuses])
            raise
    incidents.continue_after_park(desk, record)
    return {"stage": stage.value}


@dataclass
class _Parked:
    """What the announcement of a wait needs from the attempt that stored it."""

    due: datetime
    announce: bool = True
    link: str | None = None
    send_at: datetime | None = None
    tell_tracking: bool = False
    statuses: list[StatusEvent] = field(default_factory=list)  # written with the wait


def _park(desk: Desk, record: ComplaintRecord, stage: Stage, task_token: str | None) -> _Parked:
    complaint_id = record.complaint_id
    now = clock.now()
    again = record.stage is stage and record.announced is stage
    record.task_token, record.decision = task_token, None
    if again:
        if record.paused_at is None:
            record.status = STATUS_WHILE_AWAITING[stage]
        if record.timer_stage is not stage or record.timer_due is None:  # a failure cleared it: the wait restarts
            record.set_timer(stage, sla.stage_due(stage, record.priority, now, desk.policy, record.promises))
        assert record.timer_due is not None
        return _Parked(due=record.timer_due, announce=False)
    parked = _Parked(due=sla.stage_due(stage, record.priority, now, desk.policy, record.promises))
    record.stage, record.announced = stage, stage  # the marker goes in the same write as the wait
    record.status = STATUS_WHILE_AWAITING[stage]
    if stage is Stage.CONFIRMATION:
        record.confirm_nonce = tokens.random_nonce()
        parked.link = links.make(desk, links.CONFIRM, complaint_id, record.confirm_nonce,
                                 desk.policy.calendar.add(now, desk.policy.confirmation.link_valid))
    elif stage is Stage.SURVEY:
        # After the policy's delay, and never in quiet hours; its time to answer runs from then.
        parked.send_at = desk.policy.quiet.next_allowed(desk.policy.calendar.add(now, desk.policy.survey.delay))
        parked.due = desk.policy.calendar.add(parked.send_at, desk.policy.stage_limit(stage, record.priority))
        record.survey_nonce, record.survey_sent = tokens.random_nonce(), True
        parked.link = links.make(desk, links.SURVEY, complaint_id, record.survey_nonce, parked.due)
    elif stage is Stage.TRACKING:
        parked.tell_tracking = tracking.park_tracking(desk, record)
    record.set_timer(stage, parked.due)
    if stage is Stage.CONFIRMATION:
        desk.pushes.announce(record, "resolved")
    parked.statuses = record.statuses
    return parked


def _unmark(desk: Desk, complaint_id: str, stage: Stage, withdraw: list[str]) -> None:
    def unmark(record: ComplaintRecord) -> list[TimelineEvent] | None:
        if record.stage is not stage or record.announced is not stage:
            return None
        record.announced = None
        return []

    desk.complaints.update(complaint_id, unmark, withdraw=withdraw)


def _announce(desk: Desk, record: ComplaintRecord, stage: Stage, due: Any, link: str | None,
              send_at: datetime | None, tell_tracking: bool) -> None:
    department = desk.policy.department(record.department) if record.department else None
    if stage is Stage.ACCEPTANCE and record.owner_id:
        desk.notices.tell_staff(record.owner_id, record, "assigned", due=desk.local_time(due),
                                category=_routing(record)["category"], priority=record.priority.value)
    elif stage is Stage.ASSIGNMENT and department:
        desk.notices.tell_staff(department.supervisor, record, "needs_assignment",
                                category=_routing(record)["category"], department=department.id)
    elif stage is Stage.CONFIRMATION and link:
        desk.notices.tell_customer(record, "resolved", link=link)
    elif stage is Stage.SURVEY and link and send_at:
        desk.notices.tell_customer_at(record, "survey", send_at, link=link)
    elif stage is Stage.TRACKING and tell_tracking and record.tracking:
        promises.start(desk, record, PromiseKind.SOLUTION)
        desk.notices.tell_customer(record, "tracking", plan=record.tracking.plan,
                                   date=str(record.tracking.expected_by))


def close_step(desk: Desk, complaint_id: str) -> dict[str, Any]:
    """Close as confirmed fixed, or unconfirmed when the customer could not be reached; the execution ends.

    After a confirmed close the survey, once per complaint, is held by its timer: nothing waits for it in
    the workflow. Returns whether the survey is held now.
    """
    record = desk.complaints.get(complaint_id)
    if record.is_open:
        unconfirmed = record.verified == "unconfirmed"
        record.status = Status.CLOSED_UNCONFIRMED if unconfirmed else Status.CLOSED
        record.closed_at = clock.now()
        record.decision = None  # the workflow took the decision that led here
        record.set_timer(None, None)
        # Closing keeps every promise still open, or marks it missed if late.
        for kind in [p.kind for p in record.promises if p.state is PromiseState.PENDING]:
            record.promises = sla.keep(record.promises, kind, record.closed_at)
        if unconfirmed:
            counted = reports.counts(desk, closed_unconfirmed=1)
        else:
            counted = reports.counts(desk, closed_confirmed=1, first_time_fix=int(
                record.reopen_count == 0 and record.appeal is None), fixed_after_reopen=int(
                record.reopen_count > 0 and record.appeal is None), fixed_after_appeal=int(record.appeal is not None))
        desk.pushes.announce(record, "closed", confirmed=not unconfirmed)
        desk.complaints.save(record, [TimelineEvent(at=record.closed_at, type=EventType.CLOSED, actor="system",
                                                    detail={"reopen_count": record.reopen_count,
                                                      "confirmed": not unconfirmed})], counted)
        if record.owner_id:
            desk.loads.adjust(record.owner_id, -1)
    # A retry after the survey's announcement failed holds it again (the failure cleared its marker).
    unsent = record.stage is Stage.SURVEY and record.announced is not Stage.SURVEY
    survey = record.status is Status.CLOSED and (not record.survey_sent or unsent)
    if survey:
        park_step(desk, complaint_id, Stage.SURVEY, None)
    return {**_routing(record), "survey": survey}


def failure_cause(cause: Any) -> str:
    """What the caught error's Cause says, short: a function error's type and message (never its stack)."""
    if not isinstance(cause, str) or not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and ("errorMessage" in parsed or "errorType" in parsed):
        cause = f"{parsed.get('errorType', 'Error')}: {parsed.get('errorMessage', '')}"
    return cause[:_CAUSE_CHARS]


_CAUSE_CHARS = 500


def fail_step(desk: Desk, complaint_id: str, error: str, cause: str = "") -> dict[str, Any]:
    """The complaint shows as failed in its department's queue (the triage desk's before it has one), with the
    open work, and that department's supervisor is told to handle it by hand. The error and its cause stay in
    the timeline, so the failure can be explained once the execution's history is gone."""
    record = desk.complaints.get(complaint_id)
    if record.status is not Status.FAILED:
        was_open = record.is_open
        record.failed_status, record.failed_stage = record.status, record.stage  # where a redrive goes on
        record.status, record.failure = Status.FAILED, error
        record.stage = record.task_token = record.decision = None
        record.department = record.department or desk.policy.triage.department
        record.set_timer(None, None)
        detail = {"error": error, "department": record.department, **({"cause": cause} if cause else {})}
        desk.complaints.save(record, [TimelineEvent(at=clock.now(), type=EventType.FAILED, actor="system",
                                                    detail=detail)])
        if record.owner_id and was_open:
            desk.loads.adjust(record.owner_id, -1)
        assert record.department is not None
        desk.notices.tell_staff(desk.policy.department(record.department).supervisor, record, "failed", error=error)
    logger.error("complaint workflow failed", extra={"complaint_id": complaint_id, "error": error})
    return _routing(record)
