"""The supervisor's board: promises at risk and missed, unassigned work, failed workflows, incidents and load."""

from __future__ import annotations

from html import escape

from complaints.core.access import Operator
from complaints.desk.context import Desk
from complaints.reporting import board as supervision
from complaints.web.console_html import countdown, local_time
from complaints.web.console_text import Names, t

REFRESH_SECONDS = 60


def _link(complaint_id: str) -> str:
    return f'<a href="#/complaints/{escape(complaint_id)}">{escape(complaint_id)}</a>'


def _table(css: str, title: str, header: list[str], rows: list[tuple[str, list[str]]], lang: str,
           note: str = "") -> str:
    """A board section; rows are (the row's attributes, its cells)."""
    count = f' <span class="count">{len(rows)}</span>'
    if not rows:
        return (f'<section class="board-part {css}"><h2>{title}{count}</h2>{note}'
                f'<p class="empty">{t("none", lang)}</p></section>')
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join(f"<tr {attrs}>" + "".join(f'<td data-label="{h}">{c}</td>' for h, c in zip(header, cells,
                                                                                              strict=True))
                   + "</tr>" for attrs, cells in rows)
    return (f'<section class="board-part {css}"><h2>{title}{count}</h2>{note}<table class="stack">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>")


def _redrive(complaint_id: str, lang: str) -> str:
    """One button: the API's redrive of the complaint (it refuses, with the reason, what may not be redriven)."""
    return (f'<form class="action redrive" data-action="redrive" method="post" '
            f'data-api="/v1/complaints/{escape(complaint_id)}/redrive"><button type="submit">{t("redrive", lang)}'
            f'</button> <output class="answer" aria-live="polite"></output></form>')


def board_view(desk: Desk, operator: Operator, lang: str) -> str:
    found = supervision.board(desk, operator)  # supervisors and managers only
    n = Names(desk.policy, lang)
    now = found.now
    triage = desk.policy.triage.department  # a complaint that failed before it had a department
    alerts = [(f'class="{a.level}" data-complaint="{escape(a.complaint_id)}" data-kind="{escape(a.kind)}" '
               f'data-level="{a.level}"',
               [_link(a.complaint_id), n("promise", a.kind), countdown(a.due_at, None, now, lang, a.level),
                n.agent(a.owner_id), n("department", a.department), n("category", a.category),
                n("priority", a.priority)])
              for a in found.alerts]
    unassigned = [(f'data-complaint="{escape(i.complaint_id)}"',
                   [_link(i.complaint_id), n("category", i.category), n("priority", i.priority),
                    n("department", i.department), n("stage", i.awaiting), escape(local_time(i.received_at))])
                  for i in found.unassigned]
    failed = [(f'data-complaint="{escape(i.complaint_id)}"',
               [_link(i.complaint_id), n("category", i.category), n("department", i.department),
                f"<code>{escape(i.failure or '')}</code>", escape(local_time(i.received_at)),
                _redrive(i.complaint_id, lang) if operator.oversees(i.department or triage) else "—"])
              for i in found.failed]
    incidents = [(f'data-incident="{escape(i.incident_id)}"',
                  [escape(i.incident_id), n("category", i.category), escape(i.cluster_key),
                   n("department", i.department), escape(local_time(i.opened_at)), str(i.complaints)])
                 for i in found.incidents]
    agents = [(f'data-agent="{escape(a.agent_id)}" class="{"full" if a.open_count >= a.capacity else ""}"',
               [n.agent(a.agent_id), "、".join(n("department", d) for d in a.departments),
                f'<meter min="0" max="{a.capacity}" value="{a.open_count}" high="{a.capacity * 0.8:g}" '
                f'optimum="0">{a.open_count}/{a.capacity}</meter> {a.open_count} / {a.capacity}',
                str(a.missed_acceptances)])
              for a in found.agents]
    cut = "".join(f'<p class="hint">{n("department", d)}: {t("more_not_shown", lang)}</p>' for d in found.left_out)
    scope = "、".join(n("department", d) for d in found.departments)
    return (f'<section data-view="board" data-refresh="{REFRESH_SECONDS}" data-now="{now.isoformat()}">'
            f'<h1>{t("board", lang)}</h1><p class="hint">{scope}</p>'
            f'<p class="hint" aria-live="off">{t("refreshed", lang)} <time>{escape(local_time(now))}</time></p>{cut}'
            + _table("alerts", t("at_risk_promises", lang),
                     [t("complaint", lang), t("kind", lang), t("due", lang), t("owner", lang), t("department", lang),
                      t("category", lang), t("priority", lang)], alerts, lang)
            + _table("unassigned", t("unassigned", lang),
                     [t("complaint", lang), t("category", lang), t("priority", lang), t("department", lang),
                      t("awaiting", lang), t("received", lang)], unassigned, lang)
            + _table("failed", t("failed_workflows", lang),
                     [t("complaint", lang), t("category", lang), t("department", lang), t("reason", lang),
                      t("received", lang), t("actions", lang)], failed, lang,
                     note=f'<p class="hint">{t("redrive_hint", lang)}</p>')
            + _table("incidents", t("open_incidents", lang),
                     [t("incident", lang), t("category", lang), t("area", lang), t("department", lang),
                      t("opened", lang), t("count", lang)], incidents, lang)
            + _table("load", t("load", lang),
                     [t("agent", lang), t("department", lang), t("open_work", lang), t("missed_acceptances", lang)],
                     agents, lang)
            + "</section>")
