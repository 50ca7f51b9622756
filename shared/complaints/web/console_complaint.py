"""The complaint view: facts, classification, owners, promises, the actions the viewer may take,
the workflow's graph and the timeline."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import EventType, PromiseState
from complaints.core.observability import logger
from complaints.core.record import ComplaintRecord
from complaints.core.values import Promise
from complaints.core.views import ComplaintView
from complaints.desk.context import Desk
from complaints.handling import reading
from complaints.web import (
    console_actions,
    console_dispute,
    console_forms,
    console_location,
    console_redress,
    console_timeline,
    graph,
)
from complaints.web.console_html import countdown, dl, local_time
from complaints.web.console_text import Names, t


def complaint_view(desk: Desk, operator: Operator, complaint_id: str, lang: str, execution: str | None = None) -> str:
    view = reading.view(desk, complaint_id, operator)  # refuses operators who may not see it, as the API does
    record = desk.complaints.get(complaint_id)
    now = clock.now()
    n = Names(desk.policy, lang)
    phone = record.customer.phone if operator.may_see_phone(record) else view.customer_phone_masked
    sections = [
        _facts(view, phone, n, console_location.location_pairs(desk.policy, record.location, n)),
        _classification(view, n),
        _outcomes(view, n),
        console_redress.redress(view, n),
        console_dispute.panel(desk, operator, record, now, n),
        _ownership(view, n),
        console_redress.collaboration(view, n),
        _promises(view, now, n),
        console_actions.forms(desk, operator, view, n, console_forms.redress_forms(desk, operator, record, n)
                              + console_forms.collaboration_forms(desk, operator, record, n)
                              + console_location.correction_forms(desk.policy, operator, record, n)),
        _workflow(desk, record, n, execution),
        console_timeline.timeline(view.timeline, n, lang),
    ]
    waiting = f" · {n('stage', view.awaiting)}" if view.awaiting else ""
    return (f'<article data-view="complaint" data-complaint="{escape(complaint_id)}" '
            f'data-status="{escape(str(view.status))}" data-now="{now.isoformat()}">'
            f'<h1>{t("complaint", lang)} {escape(complaint_id)} <span class="status">{n("status", view.status)}'
            f'{waiting}</span></h1>{"".join(s for s in sections if s)}</article>')


def _facts(view: ComplaintView, phone: str, n: Names, where: list[tuple[str, str]]) -> str:
    lang = n.lang
    pairs = [
        (t("name", lang), escape(view.customer_name)),
        (t("phone", lang), f'<span class="phone">{escape(phone)}</span>'),
        (t("channel", lang), n("channel", view.channel) + (f' <span class="badge">{t("sensitive", lang)}</span>'
                                                           if view.sensitive else "")),
        (t("received", lang), escape(local_time(view.received_at))),
    ]
    if view.vip:
        pairs.append((t("vip", lang), "✔"))
    if view.service:
        pairs.append((t("service", lang), n("service", view.service)))
    pairs += where
    if view.repeat_of:
        pairs.append((t("repeat_of", lang), f'<a href="#/complaints/{escape(view.repeat_of)}">'
                                             f"{escape(view.repeat_of)}</a>"))
    if view.incident_id:
        pairs.append((t("incident", lang), escape(view.incident_id)))
    return (f'<section aria-labelledby="facts"><h2 id="facts">{t("customer", lang)}</h2>{dl(pairs)}'
            f'<h3>{t("text", lang)}</h3><blockquote class="complaint-text">{escape(view.text)}</blockquote></section>')


def _classification(view: ComplaintView, n: Names) -> str:
    c, lang = view.classification, n.lang
    if c is None:
        return ""
    ranked = sorted(((k, v) for k, v in c.alternatives.items() if k != c.category), key=lambda kv: -kv[1])[:3]
    alternatives = "、".join(f"{n('category', k)} <small>{v:.0%}</small>" if v <= 1 else n("category", k)
                             for k, v in ranked) or "—"
    pairs = [(t("category", lang), n("category", c.category)), (t("nature", lang), n("nature", c.nature)),
             (t("priority", lang), n("priority", c.priority)), (t("department", lang), n("department", c.department)),
             (t("confidence", lang), f"{c.confidence:.0%}"),
             (t("evidence", lang), " ".join(f"<mark>{escape(e)}</mark>" for e in c.evidence) or "—"),
             (t("alternatives", lang), alternatives)]
    return f'<section aria-labelledby="cls"><h2 id="cls">{t("classification", lang)}</h2>{dl(pairs)}</section>'


def _outcomes(view: ComplaintView, n: Names) -> str:
    """The handler's report, the quality check, the tracking ticket, the survey and the appeal, as small forms."""
    lang, blocks = n.lang, []
    r = view.resolution
    if r:
        pairs = [(t("outcome", lang), n("outcome", r.get("outcome"))),
                 (t("root_cause", lang), n("root_cause", r.get("root_cause"))),
                 (t("what_was_done", lang), escape(r.get("actions", "")))]
        pairs += [(t(key, lang), escape(r[field])) for key, field in (("evidence", "evidence"), ("plan_label", "plan"))
                  if r.get(field)]
        if r.get("expected_by"):
            pairs.append((t("expected", lang), escape(r["expected_by"])))
        pairs += [(t("by", lang), n.agent(r.get("by"))), (t("at", lang), _when(r.get("at")))]
        blocks.append(_block("resolution", t("resolution", lang), pairs))
    q = view.quality_check
    if q:
        verdict = t("passed", lang) if q.get("passed") == "yes" else t("returned", lang)
        pairs = [(t("quality_check", lang), verdict)]
        pairs += [(t("reason", lang), escape(q["reason"]))] if q.get("reason") else []
        blocks.append(_block("quality-check", t("quality_check", lang),
                             [*pairs, (t("by", lang), n.agent(q.get("by"))), (t("at", lang), _when(q.get("at")))]))
    tr = view.tracking
    if tr:
        pairs = [(t("plan_label", lang), escape(str(tr.get("plan", "")))),
                 (t("expected", lang), escape(str(tr.get("expected_by", "")))),
                 (t("follow_ups", lang), escape(str(tr.get("follow_ups", 0))))]
        if tr.get("landed_at"):
            pairs.append((t("landed", lang), _when(tr["landed_at"])))
        blocks.append(_block("tracking", t("tracking", lang), pairs))
    s = view.survey
    if s:
        if s.get("outcome") == "no_response":
            pairs = [(t("score", lang), t("no_answer", lang))]
        else:
            pairs = [(t("score", lang), escape(str(s.get("score", "—"))))]
            pairs += [(t(f"rating_{aspect}", lang), n("rating", s[aspect]))
                      for aspect in ("attitude", "speed", "result") if s.get(aspect)]
            pairs.append((t("survey", lang), t(f"survey_{s.get('channel') or 'web'}", lang)))
            if s.get("asked_by"):
                pairs.append((t("by", lang), n.agent(str(s["asked_by"]))))
        if s.get("review_cause"):
            pairs += [(t("review", lang), escape(str(s["review_cause"]))),
                      (t("what_was_done", lang), escape(str(s.get("review_action", "")))),
                      (t("by", lang), n.agent(str(s.get("reviewed_by", ""))))]
        if s.get("at"):
            pairs.append((t("at", lang), _when(s["at"])))
        blocks.append(_block("survey", t("survey", lang), pairs))
    a = view.appeal
    if a:
        blocks.append(_block("appeal", t("appeal", lang), [
            (t("reason", lang), escape(a.get("reason", ""))), (t("at", lang), _when(a.get("at"))),
            (t("department", lang), n("department", a.get("from_department"))),
            (t("owner", lang), n.agent(a.get("from_owner")))]))
    if view.failure:
        blocks.append(_block("failure", t("failure", lang), [(t("reason", lang),
                                                              f"<code>{escape(view.failure)}</code>")]))
    return "".join(blocks)


def _block(css: str, title: str, pairs: list[tuple[str, str]]) -> str:
    return f'<section class="record {css}"><h2>{title}</h2>{dl(pairs)}</section>'


def _when(value: object) -> str:
    """A stored ISO time in the desk's zone."""
    if not value:
        return "—"
    try:
        return escape(local_time(datetime.fromisoformat(str(value))))
    except ValueError:
        return escape(str(value))


# The events that tell who owned the complaint when ("handed_over" was never written; a missed acceptance
# shows in the timeline instead).
_OWNERSHIP_EVENTS = (EventType.ASSIGNED, EventType.TRANSFERRED, EventType.ACCEPTED)


def _ownership(view: ComplaintView, n: Names) -> str:
    lang = n.lang
    history = "".join(
        f'<li><time>{escape(local_time(e.at))}</time> <b>{n("event", e.type)}</b> · '
        f"{console_timeline.sentence(e, n, lang)}</li>"
        for e in view.timeline if e.type in _OWNERSHIP_EVENTS)
    pairs = [(t("owner", lang), n.agent(view.owner_id)), (t("department", lang), n("department", view.department)),
             (t("previous_owners", lang), "、".join(n.agent(o) for o in view.previous_owners) or "—"),
             (t("transfers", lang), str(view.transfer_count) + (f' <span class="flag">{t("passing_around", lang)}'
                                                                '</span>' if view.passing_around else ""))]
    return (f'<section aria-labelledby="own"><h2 id="own">{t("ownership", lang)}</h2>{dl(pairs)}'
            f'<ol class="history">{history}</ol></section>')


def _promises(view: ComplaintView, now: datetime, n: Names) -> str:
    lang = n.lang

    def row(p: Promise) -> str:
        due = countdown(p.due_at, p.made_at or view.received_at, now, lang) if p.state == PromiseState.PENDING \
            else escape(local_time(p.due_at))
        return (f'<tr class="promise {escape(str(p.state))}" data-kind="{escape(p.kind)}">'
                f'<td data-label="{t("kind", lang)}">{n("promise", p.kind)}</td>'
                f'<td data-label="{t("due", lang)}">{due}</td>'
                f'<td data-label="{t("state", lang)}">{n("promise_state", p.state)}</td>'
                f'<td data-label="{t("reason", lang)}">{escape(p.reason or "")}</td></tr>')

    rows = "".join(row(p) for p in view.promises)
    return (f'<section aria-labelledby="prom"><h2 id="prom">{t("promises", lang)}</h2>'
            f'<table class="promises stack"><thead>'
            f'<tr><th scope="col">{t("kind", lang)}</th><th scope="col">{t("due", lang)}</th>'
            f'<th scope="col">{t("state", lang)}</th><th scope="col">{t("reason", lang)}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


# ------------------------------------------------------------------ the workflow graph
def _workflow(desk: Desk, record: ComplaintRecord, n: Names, chosen: str | None) -> str:
    """The graph of one execution (the latest unless another is chosen), and the list of them all, linked."""
    lang = n.lang
    names = record.execution_names
    name = chosen if chosen in names else names[-1]
    client = desk.workflow.client
    arn = desk.workflow.execution_arn(name)
    listing = _executions(record, name, n)
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
            f'{t("run_" + execution["status"].lower(), lang)} · {escape(path.current or "")}</small></h2>{listing}'
            f'<div class="graph">{drawing}</div></section>')


def _executions(record: ComplaintRecord, shown: str, n: Names) -> str:
    """Every execution of the complaint, oldest first, each a link to its own graph."""
    lang = n.lang
    runs = record.runs
    if len(runs) < 2:
        return ""
    items = []
    for number, run in enumerate(runs):
        label = escape(run.name) + (f' <span class="badge">{t("latest", lang)}</span>'
                                    if number == len(runs) - 1 else "")
        link = (f"<b>{label}</b>" if run.name == shown else
                f'<a href="#/complaints/{escape(record.complaint_id)}?execution={escape(run.name)}">{label}</a>')
        how = t("started_by_" + run.kind, lang) + (f" · {escape(run.resume)}" if run.resume else "")
        items.append(f'<li data-execution="{escape(run.name)}">{link} · {escape(local_time(run.started_at))} · '
                     f"{_starter(run.by, n)} · {how}</li>")
    return f'<h3>{t("executions", lang)}</h3><ol class="executions">{"".join(items)}</ol>'


def _starter(by: str, n: Names) -> str:
    """Who started an execution: an agent by name, a portal or the system as the desk says them."""
    kind, _, who = by.partition(":")
    if kind == "portal":
        return f'{t("portal", n.lang)} {escape(who)}'
    if kind == "system":
        return t("system", n.lang)
    return n.agent(by)
