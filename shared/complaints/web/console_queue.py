"""The queue view: a department's or the operator's own open complaints, by priority and due time."""

from __future__ import annotations

from datetime import datetime
from html import escape

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import Role
from complaints.core.views import ComplaintSummary
from complaints.desk.context import Desk
from complaints.handling import reading
from complaints.web.console_html import countdown, urgency
from complaints.web.console_text import Names, t


def queue_scopes(desk: Desk, operator: Operator) -> list[str]:
    if operator.role.across_departments:
        return [d.id for d in desk.policy.departments]
    return list(operator.departments)


def queue_view(desk: Desk, operator: Operator, lang: str, scope: str | None) -> str:
    scopes = queue_scopes(desk, operator)
    scope = scope if scope in [*scopes, "mine"] else (
        "mine" if operator.role is Role.AGENT or not scopes else scopes[0])
    if scope == "mine":
        listing = reading.list_complaints(desk, operator, queue=None, owner=operator.agent_id, status=None,
                                          limit=100, next_token=None, paged=False)
    else:
        listing = reading.list_complaints(desk, operator, queue=scope, owner=None, status=None, limit=100,
                                          next_token=None, paged=False)
    now = clock.now()
    n = Names(desk.policy, lang)
    tabs = "".join(
        f'<a href="#/queue/{escape(s)}" class="tab{" active" if s == scope else ""}"'
        f'{" aria-current=page" if s == scope else ""}>{t("mine", lang) if s == "mine" else n("department", s)}</a>'
        for s in ["mine", *scopes])
    items = sorted(listing.items, key=_queue_order)
    rows = "".join(_queue_row(item, now, n) for item in items)
    body = (f'<table class="queue stack"><caption class="sr-only">{t("queue", lang)}</caption><thead><tr>'
            + "".join(f'<th scope="col">{t(k, lang)}</th>' for k in _COLUMNS)
            + f"</tr></thead><tbody>{rows}</tbody></table>") if items else f'<p class="empty">{t("empty", lang)}</p>'
    return (f'<section aria-labelledby="queue-title" data-view="queue" data-now="{now.isoformat()}">'
            f'<h1 id="queue-title">{t("queue", lang)}</h1><nav class="tabs" aria-label="{t("department", lang)}">'
            f"{tabs}</nav>{body}</section>")


_COLUMNS = ("complaint", "category", "priority", "status", "owner", "next_promise")
_PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def _queue_order(item: ComplaintSummary) -> tuple[int, datetime]:
    priority = _PRIORITY_ORDER.get(str(item.priority), 9)
    return priority, item.next_due_at or datetime.max.replace(tzinfo=clock.now().tzinfo)


def _queue_row(item: ComplaintSummary, now: datetime, n: Names) -> str:
    lang = n.lang
    level = urgency(item.next_due_at, item.received_at, now)
    status = n("status", item.status) + (f" · {n('stage', item.awaiting)}" if item.awaiting else "")
    cells = [
        f'<a href="#/complaints/{escape(item.complaint_id)}">{escape(item.complaint_id)}</a>'
        + (f' <span class="badge">{t("sensitive", lang)}</span>' if item.sensitive else ""),
        n("category", item.category),
        f'<span class="priority {escape(str(item.priority or ""))}">{n("priority", item.priority)}</span>',
        status, n.agent(item.owner_id), countdown(item.next_due_at, item.received_at, now, lang)]
    return (f'<tr class="{level}" data-complaint="{escape(item.complaint_id)}">'
            + "".join(f'<td data-label="{t(k, lang)}">{c}</td>' for k, c in zip(_COLUMNS, cells, strict=True))
            + "</tr>")
