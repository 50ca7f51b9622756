"""Reading complaints: one complaint's view, and the lists of a queue or an owner."""

from __future__ import annotations

import base64
import json
from typing import Any

from complaints.adapters.signing_keys import mask_phone
from complaints.core.access import Operator, authorize
from complaints.core.enums import Status
from complaints.core.errors import BadRequest, Forbidden
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.views import ComplaintList, ComplaintSummary, ComplaintView
from complaints.desk.context import Desk
from complaints.promises import terms as sla


def _summary(record: ComplaintRecord) -> dict[str, Any]:
    return {
        "complaint_id": record.complaint_id, "status": record.status, "awaiting": record.stage,
        "channel": record.channel, "sensitive": record.sensitive,
        "category": record.classification.category if record.classification else None,
        "priority": record.classification.priority if record.classification else None,
        "department": record.department, "owner_id": record.owner_id,
        "received_at": record.received_at, "next_due_at": sla.next_due(record.promises),
    }


def view(desk: Desk, complaint_id: str, operator: Operator) -> ComplaintView:
    record = desk.repo.get(complaint_id)
    authorize(operator, record)
    return ComplaintView(
        **_summary(record),
        customer_name=record.customer.name,
        customer_phone_masked=mask_phone(record.customer.phone),
        vip=record.customer.vip,
        service=record.service,
        text=record.text,
        area=record.location.area if record.location else None,
        classification=record.classification,
        promises=record.promises,
        resolution=record.resolution,
        quality_check=record.quality_check,
        tracking={k: v for k, v in (record.tracking or {}).items() if k != "told"} or None,
        reopen_count=record.reopen_count,
        callback_attempts=record.callback_attempts,
        unreachable_attempts=record.unreachable_attempts,
        appeal=record.appeal,
        survey={k: v for k, v in (record.survey or {}).items() if k != "comment"} or None,
        failure=record.failure,
        repeat_of=record.repeat_of,
        incident_id=record.incident_id,
        transfer_count=record.transfer_count,
        passing_around=record.passing_around,
        previous_owners=record.previous_owners,
        timeline=desk.repo.timeline(complaint_id),
    )


def list_complaints(desk: Desk, operator: Operator, *, queue: str | None, owner: str | None,
                    status: Status | None, limit: int, next_token: str | None) -> ComplaintList:
    if queue and owner:
        raise BadRequest("filter by queue or by owner, not both")
    lead = operator.role.leads
    if queue:
        if queue not in operator.departments:
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "queue": queue})
            raise Forbidden(f"queue {queue} is not one of your departments")
        index, partition = "queue", f"Q#{queue}"
    else:
        if owner and owner != operator.agent_id and not lead:
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "owner": owner})
            raise Forbidden("only supervisors list other agents' work")
        index, partition = "owner", f"O#{owner or operator.agent_id}"
    try:
        start = json.loads(base64.urlsafe_b64decode(next_token)) if next_token else None
    except ValueError as exc:
        raise BadRequest("next_token is not a token this API returned") from exc
    open_only = status is None or status not in (Status.CLOSED, Status.FAILED)
    records, last = desk.repo.list_by(index, partition, open_only=open_only, limit=limit, start=start)
    items = [ComplaintSummary(**_summary(r)) for r in records if status is None or r.status is status]
    token = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
    return ComplaintList(items=items, next_token=token)
