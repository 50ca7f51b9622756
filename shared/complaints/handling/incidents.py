"""Repeat complaints and outage clusters (集中投诉).

A repeat is the same customer (by the keyed hash of the phone number) about
the same category within the policy's window: it links to the earlier
complaint and raises priority. A cluster is the policy's threshold of
complaints of one clustered category from one place (the profile's first cluster
dimension a complaint gives: a building, a ward, an area) within its window:
it opens one incident for the clusters' department, links every complaint in it and
those that arrive while it is open, and tells that team once. Resolving
the incident resolves every linked complaint, each still confirmed with its
own customer: complaints waiting for acceptance or resolution take the
incident's report as soon as their wait is parked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import EventType, Priority, ResolutionOutcome, Stage, Status
from complaints.core.errors import Conflict, Forbidden, InvalidField, VersionConflict
from complaints.core.observability import logger
from complaints.core.outcomes import IncidentReport, IncidentResolution, Resolution
from complaints.core.record import ComplaintRecord, Incident
from complaints.core.values import Classification, TimelineEvent
from complaints.core.working_time import parse_duration
from complaints.desk.context import Desk
from complaints.handling.decisions import claim

_ATTEMPTS = 5


def _window(duration: str) -> timedelta:
    amount, unit = parse_duration(duration)
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount),
            "wd": timedelta(days=amount)}[unit]


def find_repeat(desk: Desk, record: ComplaintRecord, category: str) -> tuple[str, int] | None:
    """The customer's latest earlier complaint of this category in the window, and how many there were."""
    since = record.received_at - _window(desk.policy.repeat.window)
    earlier = [cid for cid, cat in desk.complaints.recent_by_customer(record.customer_key, since, record.received_at)
               if cat == category and cid != record.complaint_id]
    return (earlier[-1], len(earlier)) if earlier else None


def note_repeat(desk: Desk, record: ComplaintRecord, earlier_id: str, earlier_count: int) -> TimelineEvent:
    record.repeat_of = earlier_id
    desk.complaints.add_event(earlier_id, TimelineEvent(at=clock.now(), type=EventType.REPEATED_BY, actor="system",
                                                        detail={"complaint_id": record.complaint_id}))
    return TimelineEvent(at=clock.now(), type=EventType.REPEAT, actor="system",
                         detail={"repeat_of": earlier_id, "earlier_complaints": earlier_count})


def _candidate(desk: Desk, record: ComplaintRecord, category: str) -> str | None:
    """The place (a building, a ward, an area) of an outage this complaint may be part of, if clustered."""
    key = record.cluster_key
    return key if key is not None and category in desk.policy.clusters.categories else None


@dataclass(frozen=True)
class Place:
    """What a classification step found of its place before saving: no open incident, and when the last ended."""

    last_resolved: datetime | None


def join_open(desk: Desk, record: ComplaintRecord, category: str) -> tuple[TimelineEvent | None, Place | None]:
    """Before the classification is saved: join the place's open incident, if it has one.

    An incident is opened only after the complaint is saved and visible to the
    others (``open_at_threshold``), so complaints classified at the same moment
    count each other. Returns the link's event, or what was found of a place
    with no open incident, for ``open_at_threshold`` to go on from.
    """
    key = _candidate(desk, record, category)
    if key is None:
        return None, None
    incident_id, last_resolved = desk.incidents.of_place(key, category)
    if incident_id is None:
        return None, Place(last_resolved)
    # The complaint that opened the incident links the others. If its step failed part way
    # (a conflicting write), its retry finds the incident it opened and finishes the linking.
    _link_opening_members(desk, incident_id, record, category, key)
    prioritised = _add_member(desk, incident_id, record.complaint_id)
    record.incident_id = incident_id
    return TimelineEvent(at=clock.now(), type=EventType.INCIDENT_LINKED, actor="system",
                         detail={"incident_id": incident_id, "opened": False, "prioritised": prioritised}), None


def open_at_threshold(desk: Desk, record: ComplaintRecord, place: Place | None = None) -> ComplaintRecord:
    """After the classification is saved: open the place's incident if the window now holds the threshold.

    The saved complaint is in the area index, so of several complaints saved at
    once at least the last to look sees them all; if two reach the threshold
    together, the incident's key lets one open it and the other joins it.
    ``place`` is what the step found before saving (a retried step looks again).
    Returns the record as it stands after linking.
    """
    category = record.classification.category if record.classification else ""
    key = _candidate(desk, record, category)
    if key is None or record.incident_id is not None:
        return record
    rule = desk.policy.clusters
    incident_id, last_resolved = (None, place.last_resolved) if place else desk.incidents.of_place(key, category)
    if incident_id is None:
        now = clock.now()
        since = max(now - _window(rule.window), last_resolved or now - _window(rule.window))
        recent = desk.complaints.recent_in_cluster(key, category, since, now)
        members = [cid for cid in recent if cid != record.complaint_id] + [record.complaint_id]
        if len(members) < rule.threshold:
            return record
        incident = Incident(incident_id=f"INC{now.strftime('%Y%m%d')}-{secrets.token_hex(3).upper()}",
                            cluster_key=key, category=category, department=rule.department, opened_at=now,
                            complaint_ids=members, opened_by=record.complaint_id,
                            prioritise_at=desk.policy.calendar.add(now, rule.prioritise_after)
                            if rule.prioritise_after else None)
        incident_id = desk.incidents.create(incident)
    _link_opening_members(desk, incident_id, record, category, key)
    _add_member(desk, incident_id, record.complaint_id)
    return _link(desk, record.complaint_id, incident_id) or desk.complaints.get(record.complaint_id)


def _link_opening_members(desk: Desk, incident_id: str, record: ComplaintRecord, category: str,
                          where: str) -> None:
    for _ in range(_ATTEMPTS):
        incident = desk.incidents.get(incident_id)
        if incident.opened_by != record.complaint_id or incident.members_linked:
            return
        opening = incident.complaint_ids[:incident.complaint_ids.index(record.complaint_id)]
        for other in opening:
            _link(desk, other, incident_id)
        incident.members_linked = True
        try:
            desk.incidents.save(incident)
        except VersionConflict:
            continue  # a later complaint joined meanwhile: read it again
        department = desk.policy.department(incident.department)
        desk.notices.tell_staff(department.supervisor, record, "incident_opened", incident_id=incident_id,
                                count=len(opening) + 1, category=category, where=where)
        logger.info("incident opened", extra={"incident_id": incident_id, "complaints": len(opening) + 1})
        return
    raise VersionConflict(f"incident {incident_id} kept changing while linking its complaints")


def many_affected(result: Classification, at_least: Priority = Priority.HIGH) -> Classification:
    """A complaint in an outage affects many users: at least high priority (more once the outage is old)."""
    if result.priority.rank > at_least.rank:
        return result.model_copy(update={"priority": at_least})
    return result


def joined(desk: Desk, result: Classification, linked: TimelineEvent) -> Classification:
    """The priority of a complaint that joined an open incident: high, or the policy's once it is prioritised."""
    prioritised = bool(linked.detail.get("prioritised"))
    return many_affected(result, desk.policy.clusters.prioritise_to if prioritised else Priority.HIGH)


def _add_member(desk: Desk, incident_id: str, complaint_id: str) -> bool:
    """Add the complaint to the incident; whether the incident is prioritised (an old outage).

    Both this and prioritising write the incident under its version, so either the complaint is in the
    incident that was prioritised (and raised with it) or it sees the incident prioritised here.
    """
    def join(incident: Incident) -> bool:
        if complaint_id in incident.complaint_ids:
            return False
        incident.complaint_ids.append(complaint_id)
        return True

    saved = desk.incidents.update(incident_id, join) or desk.incidents.get(incident_id)
    return saved.prioritised_at is not None


def _link(desk: Desk, complaint_id: str, incident_id: str) -> ComplaintRecord | None:
    """Link a complaint to the incident (at least high priority); the saved record, or None if it was linked."""
    def link(record: ComplaintRecord) -> list[TimelineEvent] | None:
        if record.incident_id == incident_id:
            return None
        record.incident_id = incident_id
        if record.classification is not None:
            record.classification = many_affected(record.classification)
        return [TimelineEvent(at=clock.now(), type=EventType.INCIDENT_LINKED, actor="system",
                              detail={"incident_id": incident_id, "opened": True})]

    return desk.complaints.update(complaint_id, link)


def view_incident(desk: Desk, incident_id: str, operator: Operator) -> Incident:
    """An incident is its department's and the managers' to see."""
    incident = desk.incidents.get(incident_id)
    if not operator.works_in(incident.department):
        logger.warning("access refused", extra={"agent_id": operator.agent_id, "incident_id": incident_id})
        raise Forbidden(f"incident {incident_id} belongs to {incident.department}")
    return incident


def resolve_incident(desk: Desk, incident_id: str, agent_id: str, departments: tuple[str, ...],
                     root_cause: str, actions: str) -> Incident:
    incident = desk.incidents.get(incident_id)
    if incident.department not in departments:
        raise Forbidden(f"incident {incident_id} belongs to {incident.department}")
    if incident.status != "open":
        raise Conflict(f"incident {incident_id} is already {incident.status}")
    causes = desk.policy.root_causes_for(incident.category)
    if root_cause not in causes:
        raise InvalidField("root_cause", f"{root_cause!r} is not a root cause of {incident.category}; "
                                         f"one of: {', '.join(causes)}")
    now = clock.now()
    incident.status, incident.resolved_at = "resolved", now
    incident.resolution = IncidentReport(root_cause=root_cause, actions=actions, by=agent_id, at=clock.iso(now))
    incident = desk.incidents.save(incident, release_key=True)
    for complaint_id in incident.complaint_ids:
        _apply(desk, complaint_id, incident)
    return incident


def _apply(desk: Desk, complaint_id: str, incident: Incident) -> None:
    def take_resolution(record: ComplaintRecord) -> list[TimelineEvent] | None:
        if not record.is_open or record.status is Status.RESOLVED or record.incident_resolution:
            return None
        assert incident.resolution is not None
        record.incident_resolution = IncidentResolution(incident_id=incident.incident_id,
                                                        **incident.resolution.model_dump())
        return [TimelineEvent(at=clock.now(), type=EventType.INCIDENT_RESOLVED,
                              actor=f"incident:{incident.incident_id}",
                              detail={"root_cause": record.incident_resolution.root_cause})]

    try:
        record = desk.complaints.update(complaint_id, take_resolution)
    except VersionConflict:
        return  # it kept changing: whoever changed it decides
    if record is not None:
        continue_after_park(desk, record)


def continue_after_park(desk: Desk, record: ComplaintRecord) -> None:
    """A complaint whose incident is resolved does not wait for people to accept and resolve it."""
    resolution = record.incident_resolution
    if not resolution or record.stage not in (Stage.ACCEPTANCE, Stage.RESOLUTION):
        return
    actor = f"incident:{resolution.incident_id}"
    try:
        if record.stage is Stage.ACCEPTANCE:
            def accept(r: ComplaintRecord) -> None:
                r.status = Status.IN_PROGRESS

            claim(desk, record, Stage.ACCEPTANCE, TimelineEvent(at=clock.now(), type=EventType.ACCEPTED, actor=actor),
                  {"accepted_by": actor}, accept)
        else:
            def resolve(r: ComplaintRecord) -> None:
                r.status = Status.RESOLVED
                r.resolution = Resolution(outcome=ResolutionOutcome.RESOLVED, root_cause=resolution.root_cause,
                                          actions=resolution.actions, by=actor, at=clock.iso(clock.now()))

            claim(desk, record, Stage.RESOLUTION, TimelineEvent(
                at=clock.now(), type=EventType.RESOLVED, actor=actor,
                detail={"outcome": ResolutionOutcome.RESOLVED.value, "root_cause": resolution.root_cause}),
                {"outcome": ResolutionOutcome.RESOLVED.value, "quality_check": False}, resolve)
    except VersionConflict:
        # Someone acted at the same moment; their decision stands and the next park tries again.
        logger.info("incident resolution deferred", extra={"complaint_id": record.complaint_id})
