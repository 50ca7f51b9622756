"""Reading complaints: one complaint's view, and the lists of a queue or an owner."""

from __future__ import annotations

import json
from typing import Any

from complaints.adapters.signing_keys import mask_phone, signing_key
from complaints.core import tokens
from complaints.core.access import Operator, authorize
from complaints.core.enums import Status
from complaints.core.errors import BadRequest, Forbidden, InvalidField
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.views import ComplaintList, ComplaintSummary, ComplaintView, ExecutionLink
from complaints.desk.context import Desk
from complaints.promises import terms as sla

# Page tokens are signed: a client can neither read the table's keys from them nor steer the query with its own.
_PAGE_TOKENS = "page-token"


def view(desk: Desk, complaint_id: str, operator: Operator) -> ComplaintView:
    record = desk.complaints.get(complaint_id)
    authorize(operator, record)
    return ComplaintView.of(record, next_due_at=sla.next_due(record.promises),
                            customer_phone_masked=mask_phone(record.customer.phone),
                            executions=executions(desk, record),
                            timeline=desk.complaints.timeline(complaint_id))


def executions(desk: Desk, record: ComplaintRecord) -> list[ExecutionLink]:
    """The complaint's executions in the order started, each with its ARN; the last is the latest."""
    runs = record.runs
    return [ExecutionLink(**run.model_dump(), execution_arn=desk.workflow.execution_arn(run.name),
                          latest=n == len(runs) - 1) for n, run in enumerate(runs)]


def list_complaints(desk: Desk, operator: Operator, *, queue: str | None, owner: str | None,
                    status: Status | None, limit: int, next_token: str | None, paged: bool = True) -> ComplaintList:
    """A queue's or an owner's complaints; `paged` lists return a signed token for the next page, if there is one."""
    if queue and owner:
        raise BadRequest("filter by queue or by owner, not both")
    if queue:
        if not operator.works_in(queue):
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "queue": queue})
            raise Forbidden(f"queue {queue} is not one of your departments", queue)
        index, partition = "queue", queue
    else:
        if owner and owner != operator.agent_id and not operator.may_list_work_of(desk.policy.agent(owner)):
            logger.warning("access refused", extra={"agent_id": operator.agent_id, "owner": owner})
            raise Forbidden("supervisors list the work of their own departments' agents; managers anyone's")
        index, partition = "owner", owner or operator.agent_id
    key = signing_key(desk.settings.required("signing_secret_name"), _PAGE_TOKENS) if paged or next_token else b""
    start = _page_start(next_token, key, index, partition) if next_token else None
    open_only = status is None or status not in (Status.CLOSED, Status.CLOSED_UNCONFIRMED)
    records, last = desk.complaints.list_by(index, partition, open_only=open_only, limit=limit, start=start)
    items = [ComplaintSummary.of(r, next_due_at=sla.next_due(r.promises)) for r in records
             if status is None or r.status is status]
    token = tokens.sign(json.dumps({"list": [index, partition], "after": last}), key) if last and paged else None
    return ComplaintList(items=items, next_token=token)


def _page_start(next_token: str, key: bytes, index: str, partition: str) -> dict[str, Any]:
    """Where a page continues: only from a token this API signed, for this very listing."""
    payload = tokens.verify(next_token, key)
    try:
        page = json.loads(payload) if payload is not None else None
    except ValueError:
        page = None
    if not isinstance(page, dict) or page.get("list") != [index, partition] or not isinstance(page.get("after"), dict):
        raise InvalidField("next_token", "is not a token this API returned for this list")
    after: dict[str, Any] = page["after"]
    return after
