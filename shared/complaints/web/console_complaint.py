"""The complaint view: facts, classification, owners, promises, the actions the viewer may take,
the workflow's graph and the timeline."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import EventType, PromiseKind, PromiseState, Stage
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.values import Promise
from complaints.core.views import ComplaintView
from complaints.desk.context import Desk
from complaints.handling import reading
from complaints.web import graph
from complaints.web.console_html import countdown, dl, field, form, local_time, select
from complaints.web.console_text import t


def complaint_view(desk: Desk, operator: Operator, complaint_id: str, lang: str, execution: str | None = None) -> str:
    view = reading.view(desk, complaint_id, operator)  # refuses operators who may not see it
    record = desk.complaints.get(complaint_id)
    now = clock.now()
    phone = record.customer.phone if operator.may_see_phone(record) else view.customer_phone_masked
    sections = [
        _facts(view, phone, lang),
        _classification(view, lang),
        _ownership(view, lang),
        _promises(view, now, lang),
        _forms(desk, operator, view, lang),
        _workflow(desk, record, lang, execution),
        _timeline(view, lang),
    ]
    return (f'<article data-view="complaint" data-complaint="{escape(complaint_id)}" '
            f'data-status="{escape(str(view.status))}" data-now="{now.isoformat()}">'
            f'<h1>{t("complaint", lang)} {escape(complaint_id)} <span class="status">{escape(str(view.status))}'
            f'{" · " + escape(str(view.awaiting)) if view.awaiting else ""}</span></h1>{"".join(sections)}</article>')


def _facts(view: ComplaintView, phone: str, lang: str) -> str:
    pairs = [
        (t("name", lang), escape(view.customer_name)),
        (t("phone", lang), f'<span class="phone">{escape(phone)}</span>'),
        (t("channel", lang), escape(str(view.channel)) + (f' <span class="badge">{t("sensitive", lang)}</span>'
                                                          if view.sensitive else "")),
        (t("received", lang), escape(local_time(view.received_at))),
    ]
    if view.vip:
        pairs.append((t("vip", lang), "✔"))
    if view.service:
        pairs.append((t("service", lang), escape(str(view.service))))
    if view.area:
        pairs.append((t("area", lang), escape(view.area)))
    if view.repeat_of:
        pairs.append((t("repeat_of", lang), f'<a href="#/complaints/{escape(view.repeat_of)}">'
                                             f"{escape(view.repeat_of)}</a>"))
    if view.incident_id:
        pairs.append((t("incident", lang), escape(view.incident_id)))
    if view.resolution:
        pairs.append((t("resolution", lang), escape("; ".join(f"{k}: {v}" for k, v in view.resolution.items()))))
    if view.survey:
        pairs.append((t("survey", lang), escape(", ".join(f"{k}: {v}" for k, v in view.survey.items()))))
    return (f'<section aria-labelledby="facts"><h2 id="facts">{t("customer", lang)}</h2>{dl(pairs)}'
            f'<h3>{t("text", lang)}</h3><blockquote class="complaint-text">{escape(view.text)}</blockquote></section>')


def _classification(view: ComplaintView, lang: str) -> str:
    c = view.classification
    if c is None:
        return ""
    alternatives = ", ".join(f"{escape(k)} ({v:g})" for k, v in sorted(c.alternatives.items(),
                                                                        key=lambda kv: -kv[1])[:3]) or "—"
    pairs = [(t("category", lang), escape(c.category)), (t("nature", lang), escape(str(c.nature))),
             (t("priority", lang), escape(str(c.priority))), (t("department", lang), escape(c.department or "—")),
             (t("confidence", lang), f"{c.confidence:.0%}"),
             (t("evidence", lang), " ".join(f"<mark>{escape(e)}</mark>" for e in c.evidence) or "—"),
             (t("alternatives", lang), alternatives)]
    return f'<section aria-labelledby="cls"><h2 id="cls">{t("classification", lang)}</h2>{dl(pairs)}</section>'


# The events that tell who owned the complaint when ("handed_over" was never written; a missed acceptance
# shows in the timeline instead).
_OWNERSHIP_EVENTS = (EventType.ASSIGNED, EventType.TRANSFERRED, EventType.ACCEPTED)


def _ownership(view: ComplaintView, lang: str) -> str:
    transfers = [e for e in view.timeline if e.type in _OWNERSHIP_EVENTS]
    def target(e: Any) -> str:
        to = e.detail.get("to") or e.detail.get("owner") or e.detail.get("agent_id") or e.detail.get("department")
        return f" → {escape(str(to))}" if to else ""

    history = "".join(
        f"<li><time>{escape(local_time(e.at))}</time> {escape(e.type)} · {escape(e.actor)}{target(e)}"
        f"{' (' + escape(str(e.detail['reason'])) + ')' if e.detail.get('reason') else ''}</li>"
        for e in transfers)
    pairs = [(t("owner", lang), escape(view.owner_id or "—")), (t("department", lang), escape(view.department or "—")),
             (t("previous_owners", lang), escape(", ".join(view.previous_owners) or "—")),
             (t("transfers", lang), str(view.transfer_count) + (f' <span class="flag">{t("passing_around", lang)}'
                                                                '</span>' if view.passing_around else ""))]
    return (f'<section aria-labelledby="own"><h2 id="own">{t("ownership", lang)}</h2>{dl(pairs)}'
            f'<ol class="history">{history}</ol></section>')


def _promises(view: ComplaintView, now: datetime, lang: str) -> str:
    def row(p: Promise) -> str:
        due = countdown(p.due_at, p.made_at or view.received_at, now, lang) if p.state == PromiseState.PENDING \
            else escape(local_time(p.due_at))
        return (f'<tr class="promise {escape(str(p.state))}" data-kind="{escape(p.kind)}"><td>{escape(p.kind)}</td>'
                f"<td>{due}</td><td>{escape(str(p.state))}</td><td>{escape(p.reason or '')}</td></tr>")

    rows = "".join(row(p) for p in view.promises)
    return (f'<section aria-labelledby="prom"><h2 id="prom">{t("promises", lang)}</h2><table class="promises"><thead>'
            f'<tr><th scope="col">{t("kind", lang)}</th><th scope="col">{t("due", lang)}</th>'
            f'<th scope="col">{t("state", lang)}</th><th scope="col">{t("reason", lang)}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


def _timeline(view: ComplaintView, lang: str) -> str:
    items = "".join(
        f'<li><time datetime="{e.at.isoformat()}">{escape(local_time(e.at))}</time> <b>{escape(e.type)}</b> '
        f"· {escape(e.actor)}"
        f"{' — ' + escape(', '.join(f'{k}: {v}' for k, v in e.detail.items())) if e.detail else ''}</li>"
        for e in view.timeline)
    return (f'<section aria-labelledby="tl" class="timeline-section"><h2 id="tl">{t("timeline", lang)}</h2>'
            f'<ol class="timeline">{items}</ol></section>')


# ------------------------------------------------------------------ the actions the viewer may take
def _forms(desk: Desk, operator: Operator, view: ComplaintView, lang: str) -> str:
    base = f"/v1/complaints/{view.complaint_id}"
    owner = view.owner_id == operator.agent_id
    lead = operator.oversees(view.department)
    forms: list[str] = []
    if view.awaiting == Stage.ACCEPTANCE and owner:
        forms.append(form("accept", f"{base}/accept", t("accept", lang), "", lang))
    if view.awaiting in (Stage.RESOLUTION, Stage.TRACKING) and (owner or lead):
        causes = desk.policy.root_causes_for(view.category or "") if view.category else []
        fields = (field(t("outcome", lang), select("outcome", ["resolved", "temporary_measure", "deferred"]))
                  + field(t("root_cause", lang), select("root_cause", causes or ["other"]))
                  + field(t("what_was_done", lang), '<textarea name="actions" required minlength="2"></textarea>')
                  + field(t("evidence", lang), '<textarea name="evidence"></textarea>')
                  + field(t("plan", lang), '<input name="plan">')
                  + field(t("expected_by", lang), '<input name="expected_by" type="date">'))
        forms.append(form("resolve", f"{base}/resolve", t("resolve", lang), fields, lang))
    if view.awaiting == Stage.CONFIRMATION and (owner or lead):
        fields = (field(t("outcome", lang), select("outcome", ["fixed", "not_fixed", "unreachable", "customer_busy"]))
                  + field(t("note", lang), '<input name="note">'))
        forms.append(form("callback", f"{base}/callbacks", t("callback", lang), fields, lang))
    open_work = view.awaiting in (Stage.ACCEPTANCE, Stage.RESOLUTION, Stage.ASSIGNMENT)
    if open_work and (owner or lead):
        departments = [d.id for d in desk.policy.departments]
        fields = (field(t("to_department", lang), select("department", departments, required=False))
                  + field(t("to_agent", lang), '<input name="agent_id" maxlength="64">')
                  + field(t("reason", lang), '<input name="reason" required minlength="2">'))
        forms.append(form("transfer", f"{base}/transfer", t("transfer", lang), fields, lang))
    pending = [p.kind for p in view.promises if p.state == PromiseState.PENDING and p.kind != PromiseKind.ACKNOWLEDGE]
    if pending and (owner or lead):
        fields = (field(t("kind", lang), select("kind", pending))
                  + field(t("new_due", lang), '<input name="due_at" type="datetime-local" required>')
                  + field(t("reason", lang), '<input name="reason" required minlength="2">'))
        forms.append(form("extend", f"{base}/promises/{{kind}}/extend", t("extend", lang), fields, lang))
    body = "".join(forms) or f'<p>{t("none_now", lang)}</p>'
    return f'<section aria-labelledby="act"><h2 id="act">{t("actions", lang)}</h2>{body}</section>'


# ------------------------------------------------------------------ the workflow graph
def _workflow(desk: Desk, record: ComplaintRecord, lang: str, chosen: str | None) -> str:
    """The graph of one execution (the latest unless another is chosen), and the list of them all, linked."""
    names = record.execution_names
    name = chosen if chosen in names else names[-1]
    client = desk.workflow.client
    arn = desk.workflow.execution_arn(name)
    listing = _executions(record, name, lang)
    try:
        execution = client.describe_execution(executionArn=arn)
        definition = client.describe_state_machine_for_execution(executionArn=arn)["definition"]
        events: list[dict[str, Any]] = []
        for page in client.get_paginator("get_execution_history").paginate(executionArn=arn):
            events.extend(page["events"])
    except client.exceptions.ExecutionDoesNotExist:
        return (f'<section aria-labelledby="wf"><h2 id="wf">{t("workflow", lang)} <small>{escape(name)}</small></h2>'
                f'{listing}<p>{t("workflow_missing", lang)}</p></section>')
    path = graph.path_from_history(events, execution["status"])
    logger.debug("workflow drawn", extra={"states_entered": len(path.entered)})
    drawing = graph.svg(json.loads(definition), path, title=f"{t('workflow', lang)} {name}")
    return (f'<section aria-labelledby="wf" class="workflow-section" data-current="{escape(path.current or "")}" '
            f'data-execution="{escape(name)}"><h2 id="wf">{t("workflow", lang)} <small>{escape(name)} · '
            f'{escape(execution["status"])} · {escape(path.current or "")}</small></h2>{listing}'
            f'<div class="graph">{drawing}</div></section>')


def _executions(record: ComplaintRecord, shown: str, lang: str) -> str:
    """Every execution of the complaint, oldest first, each a link to its own graph."""
    runs = record.runs
    if len(runs) < 2:
        return ""
    items = []
    for n, run in enumerate(runs):
        label = escape(run.name) + (f' <span class="badge">{t("latest", lang)}</span>' if n == len(runs) - 1 else "")
        link = (f"<b>{label}</b>" if run.name == shown else
                f'<a href="#/complaints/{escape(record.complaint_id)}?execution={escape(run.name)}">{label}</a>')
        how = escape(run.kind) + (f" · {escape(run.resume)}" if run.resume else "")
        items.append(f'<li data-execution="{escape(run.name)}">{link} · {escape(local_time(run.started_at))} · '
                     f"{escape(run.by)} · {how}</li>")
    return f'<h3>{t("executions", lang)}</h3><ol class="executions">{"".join(items)}</ol>'
