"""Finding a complaint when a customer calls back: by complaint id, by a portal's reference, or by phone.

The phone is matched the way the repeat index is keyed: the number in E.164,
hashed with the deployment's key, looked up in the customer index; the
number itself is never stored in an index, logged or sent back. Every match
passes the same visibility rule as reading the complaint (core/access.py);
matches the operator may not see are left out, without saying they exist.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from complaints.adapters.signing_keys import phone_key
from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import PromiseState
from complaints.core.errors import ComplaintNotFound, InvalidField
from complaints.core.observability import logger
from complaints.core.phones import to_e164
from complaints.core.views import ComplaintSummary
from complaints.desk.context import Desk

MAX_QUERY = 64
MAX_RESULTS = 50
_COMPLAINT_ID = re.compile(r"^C\d{8}-[0-9A-Z]{6}$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s()-]{5,24}$")
_SINCE = datetime(2000, 1, 1, tzinfo=UTC)

MatchedBy = Literal["complaint_id", "external_id", "phone"]


class SearchHit(BaseModel, defer_build=True):
    matched_by: MatchedBy
    complaint: ComplaintSummary


class SearchResult(BaseModel, defer_build=True):
    hits: list[SearchHit]
    phone: bool  # the query was read as a phone number (the console does not echo it)


def search(desk: Desk, operator: Operator, query: str) -> SearchResult:
    text = query.strip()
    if not text or len(text) > MAX_QUERY:
        raise InvalidField("q", f"give a complaint id, a portal reference or a phone number (1 to {MAX_QUERY} "
                                "characters)")
    found: dict[str, MatchedBy] = {}
    if _COMPLAINT_ID.match(text.upper()):
        found[text.upper()] = "complaint_id"
    for portal in desk.policy.portals:
        complaint_id = desk.complaints.find_external(portal.id, text)
        if complaint_id:
            found.setdefault(complaint_id, "external_id")
    phone = bool(_PHONE_LIKE.match(text)) and sum(c.isdigit() for c in text) >= 5
    if phone:
        try:
            number = to_e164(text, desk.policy.country, field="q")
        except InvalidField:
            number = None
        if number:
            key = phone_key(number, desk.settings.required("signing_secret_name"))
            until = clock.now() + timedelta(days=1)
            for complaint_id, _ in reversed(desk.complaints.recent_by_customer(key, _SINCE, until)):
                found.setdefault(complaint_id, "phone")
                if len(found) >= MAX_RESULTS:
                    break
    hits = []
    for complaint_id, matched_by in found.items():
        try:
            record = desk.complaints.get(complaint_id)
        except ComplaintNotFound:
            continue
        if operator.may_see(record):
            due = min((p.due_at for p in record.promises if p.state is PromiseState.PENDING), default=None)
            hits.append(SearchHit(matched_by=matched_by, complaint=ComplaintSummary.of(record, next_due_at=due)))
    logger.info("complaints searched", extra={"matched": len(hits), "by_phone": phone,
                                              "left_out": len(found) - len(hits)})
    hits.sort(key=lambda h: h.complaint.received_at, reverse=True)
    return SearchResult(hits=hits, phone=phone)
