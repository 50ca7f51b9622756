"""An operator corrects where an open complaint is, and what depends on the place follows.

The owner or a lead of the complaint's department sets the fields a portal
or a caller gave wrong or left out, checked as the intake checks them: a
field the desk does not name is refused by name, the limits are the
intake's, and a correction that names nothing or changes nothing is
refused; nothing is stored when it is refused. The complaint is written
under its version, so of two corrections made at once one is taken and the
other is refused as a conflict, to be made again on what the first left.

What depends on the place moves with it in the same write: the cluster key
(where an outage would show, which the area index and the next clustering
read), the open hotspot gauge (counting.gauge_changes follows the location as
written), and the count by area, taken back from the area the classification
counted and given to the corrected one on the day it was counted. The
timeline names the fields corrected, never their values; nothing here logs a
value, and the workflow never hears of a correction (its input and output
carry ids and routing facts only). An incident the complaint already joined
stays its own: whether the outage is the same is the incident team's to say.
"""

from __future__ import annotations

from complaints.core import clock
from complaints.core.access import Operator, authorize, require_owner_or_lead
from complaints.core.enums import EventType
from complaints.core.errors import InvalidField, NotAwaiting
from complaints.core.location_correction import LocationCorrection, corrected, given_fields
from complaints.core.observability import logger
from complaints.core.policy_vocabulary import ENGINE_LOCATION_FIELDS, cluster_key, field_problems
from complaints.core.record import ComplaintRecord
from complaints.core.values import TimelineEvent
from complaints.core.views import ActionAnswer
from complaints.desk.context import Desk
from complaints.handling.acceptance import answer
from complaints.reporting import counting
from complaints.reporting.reports import day_of


def check_corrector(record: ComplaintRecord, operator: Operator) -> None:
    """The owner or a lead of the complaint's department corrects the location of an open complaint (refuses
    anyone else, and a complaint that is closed)."""
    require_owner_or_lead(record, operator, "correct its location")
    if not record.is_open:
        raise NotAwaiting(f"complaint {record.complaint_id} is {record.status.value}: its place is as it was "
                          f"handled")


def check_fields(desk: Desk, request: LocationCorrection) -> None:
    """The correction names at least one field, and only fields of this desk within the intake's limits."""
    if not given_fields(request.location):
        known = ", ".join([*ENGINE_LOCATION_FIELDS, *desk.policy.location_fields])
        raise InvalidField("location", f"names no field to correct (this desk's fields: {known})")
    for field, problem in field_problems("location", request.location.profile_fields, desk.policy.location_fields):
        raise InvalidField(field, problem)


def correct(desk: Desk, complaint_id: str, operator: Operator, request: LocationCorrection) -> ActionAnswer:
    check_fields(desk, request)
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    check_corrector(record, operator)
    area_before = record.location.area if record.location else None
    location, changed = corrected(record.location, request.location)
    if not changed:
        raise InvalidField("location", "changes nothing: every field given already has that value")
    record.location = location
    record.cluster_key = cluster_key(desk.policy.clusters.dimensions, location)
    moved = counting.area_moved(record, area_before)
    now = clock.now()
    event = TimelineEvent(at=now, type=EventType.LOCATION_CORRECTED, actor=operator.agent_id,
                          detail={"fields": ",".join(changed), "note": request.note})
    record = desk.complaints.save(record, [event], (_counted_day(desk, record), moved) if moved else None)
    logger.info("location corrected", extra={"complaint_id": complaint_id, "fields": changed})  # names, no values
    return answer(record, f"location corrected: {', '.join(changed)}")


def _counted_day(desk: Desk, record: ComplaintRecord) -> str:
    """The local day the classification counted the complaint by area: its classified event's."""
    classified = next((e.at for e in desk.complaints.timeline(record.complaint_id)
                       if e.type is EventType.CLASSIFIED), record.received_at)
    return day_of(desk, classified)
