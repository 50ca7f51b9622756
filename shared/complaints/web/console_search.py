"""Search: find a complaint by its id, a portal's reference or the customer's phone.

The query is sent in the body of a POST, never in an address, so a phone
number stays out of the browser's history and the access logs; the page
does not repeat a number back, and shows a customer's phone only as the
complaint page would (masked unless the operator may call them).
"""

from __future__ import annotations

from html import escape

from complaints.core.access import Operator
from complaints.desk.context import Desk
from complaints.handling import search
from complaints.web.console_html import local_time
from complaints.web.console_text import Names, t


def search_view(desk: Desk, operator: Operator, lang: str, query: str | None = None) -> str:
    n = Names(desk.policy, lang)
    results = ""
    if query is not None:
        found = search.search(desk, operator, query)
        shown = "" if found.phone else escape(query.strip())
        if found.hits:
            rows = "".join(
                f'<tr data-complaint="{escape(h.complaint.complaint_id)}" data-matched="{h.matched_by}">'
                f'<td data-label="{t("complaint", lang)}"><a href="#/complaints/{escape(h.complaint.complaint_id)}">'
                f"{escape(h.complaint.complaint_id)}</a></td>"
                f'<td data-label="{t("found_by", lang)}">{t("by_" + _short(h.matched_by), lang)}</td>'
                f'<td data-label="{t("received", lang)}">{escape(local_time(h.complaint.received_at))}</td>'
                f'<td data-label="{t("category", lang)}">{n("category", h.complaint.category)}</td>'
                f'<td data-label="{t("status", lang)}">{n("status", h.complaint.status)}</td>'
                f'<td data-label="{t("owner", lang)}">{n.agent(h.complaint.owner_id)}</td></tr>'
                for h in found.hits)
            header = "".join(f'<th scope="col">{t(k, lang)}</th>' for k in
                             ("complaint", "found_by", "received", "category", "status", "owner"))
            results = (f'<h2>{t("search_results", lang)} <span class="count">{len(found.hits)}</span></h2>'
                       f'<table class="stack results"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>')
        else:
            results = f'<p class="empty">{t("nothing_found", lang)}{" · " + shown if shown else ""}</p>'
    return (f'<section data-view="search"><h1>{t("search", lang)}</h1>'
            f'<form class="search" role="search" data-api="/console/views/search">'
            f'<label>{t("search_hint", lang)} <input type="search" name="q" maxlength="{search.MAX_QUERY}" '
            f'required autocomplete="off" inputmode="text"></label> <button type="submit">{t("search", lang)}</button>'
            f'</form><div class="search-results" aria-live="polite">{results}</div></section>')


def _short(matched_by: str) -> str:
    return {"complaint_id": "id", "external_id": "external", "phone": "phone"}[matched_by]
