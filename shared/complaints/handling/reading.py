"""Reading complaints: one complaint's view, and the lists of a queue or an owner."""

from __future__ import annotations

import base64
import json

from complaints.adapters.signing_keys import mask_phone
from complaints.core.access import Operator, authorize
from complaints.core.enums import Status
from complaints.core.errors import BadRequest, Forbidden
from complaints.core.observability import logger
from complaints.core.views import ComplaintList, ComplaintSummary, ComplaintView
from complaints.desk.context import Desk
from complaints.promises import terms as sla


def view(desk: Desk, complaint_id: str, operator: Operator) -> ComplaintView:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    return ComplaintView.of(record, next_due_at=sla.next_due(record.promises),
                            customer_phone_masked=mask_phone(record.customer.phone),
                            timeline=desk.complaints.timeline(complaint_id))


def list_complaints(desk: Desk, operator: Operator, *, queue: str | None, owner: str | None,
                    status: Status | None, limit: int, next_token: str | None) -> ComplaintList:
    if queue and owner:
        raise BadRequest("filter by queue or by owner, not both")
    lead = operator.role.leads
    if queue:
        if queue not in operator.departments:
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "queue": queue})
            raise Forbidden(f"queue {queue} is not one of your departments", queue)
        index, partition = "queue", queue
    else:
        if owner and owner != operator.agent_id and not lead:
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "owner": owner})
            raise Forbidden("only supervisors list other agents' work")
        index, partition = "owner", owner or operator.agent_id
    try:
        start = json.loads(base64.urlsafe_b64decode(next_token)) if next_token else None
    except ValueError as exc:
        raise BadRequest("next_token is not a token this API returned") from exc
    open_only = status is None or status not in (Status.CLOSED, Status.FAILED)
    records, last = desk.complaints.list_by(index, partition, open_only=open_only, limit=limit, start=start)
    items = [ComplaintSummary.of(r, next_due_at=sla.next_due(r.promises)) for r in records
             if status is None or r.status is status]
    token = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
    return ComplaintList(items=items, next_token=token)
