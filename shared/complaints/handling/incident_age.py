"""Old outages (a site down for more than 48 hours is prioritised).

An incident still open when the policy's limit has passed is prioritised
once: each of its open complaints is raised to the policy's priority (the
queues put them first) with a timeline event and a report counter, the
incident is marked, and its department's supervisor and manager are told at
once. Complaints that join the incident later are raised as they join.

The complaints are raised before the incident is marked, each change on its
own and harmless twice, so a sweep that stops part way leaves the incident's
timer for the next sweep to finish.
"""

from __future__ import annotations

from datetime import datetime

from complaints.adapters.dynamodb.conditional import retried
from complaints.core import clock
from complaints.core.enums import EventType, Priority
from complaints.core.errors import ComplaintNotFound, VersionConflict
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord, Incident
from complaints.core.values import TimelineEvent
from complaints.desk.context import Desk
from complaints.reporting import reports


def sweep(desk: Desk, now: datetime) -> int:
    """Prioritise the incidents whose age limit has passed; how many were prioritised."""
    done = 0
    for incident_id in desk.incidents.due_to_prioritise(now):
        try:
            done += prioritise(desk, incident_id, now)
        except VersionConflict:
            # Its complaints kept changing: the incident keeps its timer and the next sweep goes on.
            logger.info("incident not prioritised yet", extra={"incident_id": incident_id})
    return done


def prioritise(desk: Desk, incident_id: str, now: datetime) -> bool:
    """Raise the incident's complaints and mark it; False if it was resolved or prioritised meanwhile."""
    incident = desk.incidents.get(incident_id)
    if incident.status != "open" or incident.prioritised_at is not None:
        return False
    target = desk.policy.clusters.prioritise_to
    hours = int((now - incident.opened_at).total_seconds() // 3600)
    raised = [cid for cid in incident.complaint_ids if _raise(desk, cid, incident, target, hours)]

    def mark(current: Incident) -> bool:
        if current.status != "open" or current.prioritised_at is not None:
            return False
        current.prioritised_at = now
        return True

    saved = desk.incidents.update(incident_id, mark)
    if saved is None:
        return False
    # Complaints that joined while this ran saw the incident not yet prioritised: raise them too.
    raised += [cid for cid in saved.complaint_ids if cid not in incident.complaint_ids
               and _raise(desk, cid, saved, target, hours)]
    department = desk.policy.department(saved.department)
    anchor = desk.complaints.get(saved.opened_by or saved.complaint_ids[-1])
    for recipient in dict.fromkeys([department.supervisor, department.manager]):
        if recipient:
            desk.notices.tell_staff(recipient, anchor, "incident_prioritised", incident_id=incident_id,
                                    hours=hours, count=len(saved.complaint_ids), category=saved.category,
                                    where=saved.cluster_key, priority=target.value)
    logger.info("incident prioritised", extra={"incident_id": incident_id, "hours_open": hours,
                                               "complaints_raised": len(raised)})
    return True


def _raise(desk: Desk, complaint_id: str, incident: Incident, target: Priority, hours: int) -> bool:
    """Raise one open complaint of the incident to the target priority; whether it was raised now."""
    def attempt() -> bool:
        try:
            record = desk.complaints.get(complaint_id)
        except ComplaintNotFound:
            return False
        if not _raisable(record, target):
            return False
        assert record.classification is not None
        record.classification = record.classification.model_copy(update={"priority": target})
        desk.complaints.save(record, [TimelineEvent(
            at=clock.now(), type=EventType.INCIDENT_PRIORITISED, actor=f"incident:{incident.incident_id}",
            detail={"incident_id": incident.incident_id, "hours_open": hours, "priority": target.value})],
            reports.counts(desk, incident_raised=1))
        return True

    return bool(retried(attempt, f"complaint {complaint_id}"))


def _raisable(record: ComplaintRecord, target: Priority) -> bool:
    return record.is_open and record.classification is not None and record.priority.rank > target.rank
