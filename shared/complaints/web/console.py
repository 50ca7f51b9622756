"""The operators' console: server-rendered views of queues and complaints, in Chinese and English.

The console's shell (``/console``) is a static page that signs the operator
in and keeps their JWT; it asks for each view here with that token, through
the same JWT authorizer as the API, and sends the views' forms to the API's
own action routes. Views are HTML fragments; nothing here changes a complaint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from complaints.bootstrap import desk as current_desk
from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.enums import EventType, PromiseKind, PromiseState, Role, Stage
from complaints.core.observability import logger
from complaints.core.values import Promise
from complaints.core.views import ComplaintSummary, ComplaintView
from complaints.desk.context import Desk
from complaints.handling import reading
from complaints.reporting import reports
from complaints.web import graph

LANGUAGES = ("zh-CN", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "queue": ("工单队列", "Queue"),
    "mine": ("我的工单", "My complaints"),
    "department": ("部门", "Department"),
    "complaint": ("投诉", "Complaint"),
    "category": ("类别", "Category"),
    "priority": ("优先级", "Priority"),
    "status": ("状态", "Status"),
    "awaiting": ("等待", "Awaiting"),
    "owner": ("处理人", "Owner"),
    "next_promise": ("下一承诺时限", "Next promise"),
    "received": ("受理时间", "Received"),
    "channel": ("渠道", "Channel"),
    "empty": ("没有待处理的投诉", "Nothing open here"),
    "customer": ("客户", "Customer"),
    "name": ("姓名", "Name"),
    "phone": ("电话", "Phone"),
    "vip": ("VIP", "VIP"),
    "service": ("业务", "Service"),
    "area": ("区域", "Area"),
    "text": ("投诉内容", "What the customer said"),
    "classification": ("分类", "Classification"),
    "nature": ("性质", "Nature"),
    "confidence": ("置信度", "Confidence"),
    "evidence": ("依据", "Evidence"),
    "alternatives": ("其他可能", "Alternatives"),
    "ownership": ("处理人与转派", "Owner and transfers"),
    "previous_owners": ("曾经的处理人", "Previous owners"),
    "transfers": ("转派次数", "Transfers"),
    "passing_around": ("多次转派", "Passed around"),
    "promises": ("承诺时限", "Promises"),
    "kind": ("类型", "Kind"),
    "due": ("时限", "Due"),
    "state": ("状态", "State"),
    "reason": ("原因", "Reason"),
    "timeline": ("处理记录", "Timeline"),
    "workflow": ("流程", "Workflow"),
    "actions": ("操作", "Actions"),
    "accept": ("接单", "Accept"),
    "resolve": ("回单", "Resolve"),
    "outcome": ("结果", "Outcome"),
    "root_cause": ("根因", "Root cause"),
    "what_was_done": ("处理措施", "What was done"),
    "plan": ("计划（延期解决）", "Plan (deferred)"),
    "expected_by": ("预计完成（延期解决）", "Expected by (deferred)"),
    "callback": ("回访结果", "Callback"),
    "note": ("备注", "Note"),
    "transfer": ("转派", "Transfer"),
    "to_department": ("转至部门", "To department"),
    "to_agent": ("或转至坐席", "Or to agent"),
    "extend": ("延长承诺", "Extend a promise"),
    "new_due": ("新时限", "New due time"),
    "submit": ("提交", "Submit"),
    "none_now": ("此刻没有需要您处理的操作", "Nothing for you to do at this step"),
    "missed": ("已超时", "missed"),
    "at_risk": ("即将超时", "at risk"),
    "workflow_missing": ("流程记录不可用", "The workflow's history is not available"),
    "sensitive": ("敏感渠道", "Sensitive channel"),
    "repeat_of": ("重复投诉，前次", "Repeat of"),
    "incident": ("关联故障", "Incident"),
    "resolution": ("处理结果", "Resolution"),
    "survey": ("满意度", "Survey"),
    "reports": ("报表", "Reports"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "show": ("查看", "Show"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "received_total": ("受理量", "Received"),
    "first_time_fix": ("一次解决率", "First-time fix"),
    "reopen_rate": ("重开率", "Reopen rate"),
    "mean_score": ("平均满意度", "Mean score"),
    "share_of_10": ("10分占比", "Share of 10s"),
    "low_share": ("低分占比", "Low scores"),
    "repeats": ("重复投诉", "Repeat complaints"),
    "passing_around_count": ("多次转派", "Passed around"),
    "by_category": ("按类别", "By category"),
    "by_channel": ("按渠道", "By channel"),
    "by_department": ("按部门", "By department"),
    "by_area": ("按区域", "By area"),
    "promises_by_kind": ("承诺履约", "Promises kept and missed"),
    "kept": ("履约", "Kept"),
    "missed_count": ("超时", "Missed"),
    "renegotiated": ("改约", "Renegotiated"),
    "kept_share": ("履约率", "Kept share"),
    "low_reasons": ("低分原因", "Why scores were low"),
    "open_incidents": ("进行中的故障", "Open incidents"),
    "hotspots": ("未解决的网络投诉（按区域，网络规划用）", "Unresolved network complaints by area (network planning)"),
    "count": ("数量", "Count"),
    "opened": ("开始时间", "Opened"),
    "none": ("无", "None"),
}


def t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return zh if lang == "zh-CN" else en


def language(requested: str | None, accept: str | None) -> str:
    if requested in LANGUAGES:
        return str(requested)
    return "en" if (accept or "").lower().startswith("en") else "zh-CN"


# ------------------------------------------------------------------ promises' countdown
def urgency(due_at: datetime | None, made_at: datetime | None, now: datetime) -> str:
    """missed, at-risk (under a fifth of the promised time left, or under an hour), or ok."""
    if due_at is None:
        return "none"
    left = due_at - now
    if left <= timedelta(0):
        return "missed"
    window = (due_at - made_at) if made_at else timedelta(hours=5)
    return "at-risk" if left < max(timedelta(hours=1), window / 5) else "ok"


def _countdown(due_at: datetime | None, made_at: datetime | None, now: datetime, lang: str) -> str:
    if due_at is None:
        return "—"
    level = urgency(due_at, made_at, now)
    label = {"missed": f' <span class="flag">{t("missed", lang)}</span>',
             "at-risk": f' <span class="flag">{t("at_risk", lang)}</span>'}.get(level, "")
    return (f'<span class="due {level}" data-due="{due_at.isoformat()}">'
            f'<time datetime="{due_at.isoformat()}">{escape(_local(due_at))}</time>'
            f' <span class="countdown" aria-live="off">{escape(_left(due_at - now))}</span>{label}</span>')


def _left(delta: timedelta) -> str:
    sign, seconds = ("-" if delta < timedelta(0) else ""), abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    return f"{sign}{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}" if days else \
        f"{sign}{rest // 3600:02d}:{rest % 3600 // 60:02d}"


def _local(moment: datetime) -> str:
    """A time as the desk reads it: its own time zone, month to minute."""
    return moment.astimezone(current_desk().base_policy.calendar.zone).strftime("%m-%d %H:%M")


# ------------------------------------------------------------------ queue
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
                                       limit=100, next_token=None)
    else:
        listing = reading.list_complaints(desk, operator, queue=scope, owner=None, status=None, limit=100,
                                       next_token=None)
    now = clock.now()
    tabs = "".join(
        f'<a href="#/queue/{escape(s)}" class="tab{" active" if s == scope else ""}"'
        f'{" aria-current=page" if s == scope else ""}>{escape(t("mine", lang) if s == "mine" else s)}</a>'
        for s in ["mine", *scopes])
    items = sorted(listing.items, key=_queue_order)
    rows = "".join(_queue_row(item, now, lang) for item in items)
    body = (f'<table class="queue"><caption class="sr-only">{t("queue", lang)}</caption><thead><tr>'
            + "".join(f'<th scope="col">{t(k, lang)}</th>' for k in
                      ("complaint", "category", "priority", "status", "owner", "next_promise"))
            + f"</tr></thead><tbody>{rows}</tbody></table>") if items else f'<p class="empty">{t("empty", lang)}</p>'
    return (f'<section aria-labelledby="queue-title" data-view="queue" data-now="{now.isoformat()}">'
            f'<h1 id="queue-title">{t("queue", lang)}</h1><nav class="tabs" aria-label="{t("department", lang)}">'
            f"{tabs}</nav>{body}</section>")


_PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def _queue_order(item: ComplaintSummary) -> tuple[int, datetime]:
    priority = _PRIORITY_ORDER.get(str(item.priority), 9)
    return priority, item.next_due_at or datetime.max.replace(tzinfo=clock.now().tzinfo)


def _queue_row(item: ComplaintSummary, now: datetime, lang: str) -> str:
    level = urgency(item.next_due_at, item.received_at, now)
    status = escape(str(item.status)) + (f" · {escape(str(item.awaiting))}" if item.awaiting else "")
    return (f'<tr class="{level}" data-complaint="{escape(item.complaint_id)}">'
            f'<td><a href="#/complaints/{escape(item.complaint_id)}">{escape(item.complaint_id)}</a>'
            f'{" <span class=badge>" + t("sensitive", lang) + "</span>" if item.sensitive else ""}</td>'
            f'<td>{escape(item.category or "—")}</td>'
            f'<td class="priority {escape(str(item.priority or ""))}">{escape(str(item.priority or "—"))}</td>'
            f"<td>{status}</td><td>{escape(item.owner_id or '—')}</td>"
            f"<td>{_countdown(item.next_due_at, item.received_at, now, lang)}</td></tr>")


# ------------------------------------------------------------------ a complaint
def complaint_view(desk: Desk, operator: Operator, complaint_id: str, lang: str) -> str:
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
        _workflow(desk, complaint_id, lang, appealed=view.appeal is not None),
        _timeline(view, lang),
    ]
    return (f'<article data-view="complaint" data-complaint="{escape(complaint_id)}" '
            f'data-status="{escape(str(view.status))}" data-now="{now.isoformat()}">'
            f'<h1>{t("complaint", lang)} {escape(complaint_id)} <span class="status">{escape(str(view.status))}'
            f'{" · " + escape(str(view.awaiting)) if view.awaiting else ""}</span></h1>{"".join(sections)}</article>')


def _dl(pairs: Iterable[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def _facts(view: ComplaintView, phone: str, lang: str) -> str:
    pairs = [
        (t("name", lang), escape(view.customer_name)),
        (t("phone", lang), f'<span class="phone">{escape(phone)}</span>'),
        (t("channel", lang), escape(str(view.channel)) + (f' <span class="badge">{t("sensitive", lang)}</span>'
                                                          if view.sensitive else "")),
        (t("received", lang), escape(_local(view.received_at))),
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
    return (f'<section aria-labelledby="facts"><h2 id="facts">{t("customer", lang)}</h2>{_dl(pairs)}'
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
    return f'<section aria-labelledby="cls"><h2 id="cls">{t("classification", lang)}</h2>{_dl(pairs)}</section>'


# The events that tell who owned the complaint when ("handed_over" was never written; a missed acceptance
# shows in the timeline instead).
_OWNERSHIP_EVENTS = (EventType.ASSIGNED, EventType.TRANSFERRED, EventType.ACCEPTED)


def _ownership(view: ComplaintView, lang: str) -> str:
    transfers = [e for e in view.timeline if e.type in _OWNERSHIP_EVENTS]
    def target(e: Any) -> str:
        to = e.detail.get("to") or e.detail.get("owner") or e.detail.get("agent_id") or e.detail.get("department")
        return f" → {escape(str(to))}" if to else ""

    history = "".join(
        f"<li><time>{escape(_local(e.at))}</time> {escape(e.type)} · {escape(e.actor)}{target(e)}"
        f"{' (' + escape(str(e.detail['reason'])) + ')' if e.detail.get('reason') else ''}</li>"
        for e in transfers)
    pairs = [(t("owner", lang), escape(view.owner_id or "—")), (t("department", lang), escape(view.department or "—")),
             (t("previous_owners", lang), escape(", ".join(view.previous_owners) or "—")),
             (t("transfers", lang), str(view.transfer_count) + (f' <span class="flag">{t("passing_around", lang)}'
                                                                '</span>' if view.passing_around else ""))]
    return (f'<section aria-labelledby="own"><h2 id="own">{t("ownership", lang)}</h2>{_dl(pairs)}'
            f'<ol class="history">{history}</ol></section>')


def _promises(view: ComplaintView, now: datetime, lang: str) -> str:
    def row(p: Promise) -> str:
        due = _countdown(p.due_at, p.made_at or view.received_at, now, lang) if p.state == PromiseState.PENDING \
            else escape(_local(p.due_at))
        return (f'<tr class="promise {escape(str(p.state))}" data-kind="{escape(p.kind)}"><td>{escape(p.kind)}</td>'
                f"<td>{due}</td><td>{escape(str(p.state))}</td><td>{escape(p.reason or '')}</td></tr>")

    rows = "".join(row(p) for p in view.promises)
    return (f'<section aria-labelledby="prom"><h2 id="prom">{t("promises", lang)}</h2><table class="promises"><thead>'
            f'<tr><th scope="col">{t("kind", lang)}</th><th scope="col">{t("due", lang)}</th>'
            f'<th scope="col">{t("state", lang)}</th><th scope="col">{t("reason", lang)}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")


def _timeline(view: ComplaintView, lang: str) -> str:
    items = "".join(
        f'<li><time datetime="{e.at.isoformat()}">{escape(_local(e.at))}</time> <b>{escape(e.type)}</b> '
        f"· {escape(e.actor)}"
        f"{' — ' + escape(', '.join(f'{k}: {v}' for k, v in e.detail.items())) if e.detail else ''}</li>"
        for e in view.timeline)
    return (f'<section aria-labelledby="tl" class="timeline-section"><h2 id="tl">{t("timeline", lang)}</h2>'
            f'<ol class="timeline">{items}</ol></section>')


# ------------------------------------------------------------------ the actions the viewer may take
def _field(label: str, control: str) -> str:
    return f"<label>{label} {control}</label>"


def _select(name: str, options: Iterable[str], required: bool = True) -> str:
    opts = "".join(f'<option value="{escape(o)}">{escape(o)}</option>' for o in options)
    blank = "" if required else "<option></option>"
    return f'<select name="{name}"{" required" if required else ""}>{blank}{opts}</select>'


def _form(action: str, path: str, title: str, fields: str, lang: str) -> str:
    return (f'<form class="action" data-action="{action}" data-api="{escape(path)}" method="post">'
            f"<fieldset><legend>{title}</legend>{fields}"
            f'<button type="submit">{t("submit", lang)}</button><output class="answer" aria-live="polite"></output>'
            f"</fieldset></form>")


def _forms(desk: Desk, operator: Operator, view: ComplaintView, lang: str) -> str:
    base = f"/v1/complaints/{view.complaint_id}"
    owner = view.owner_id == operator.agent_id
    lead = operator.oversees(view.department)
    forms: list[str] = []
    if view.awaiting == Stage.ACCEPTANCE and owner:
        forms.append(_form("accept", f"{base}/accept", t("accept", lang), "", lang))
    if view.awaiting in (Stage.RESOLUTION, Stage.TRACKING) and (owner or lead):
        causes = desk.policy.root_causes_for(view.category or "") if view.category else []
        fields = (_field(t("outcome", lang), _select("outcome", ["resolved", "temporary_measure", "deferred"]))
                  + _field(t("root_cause", lang), _select("root_cause", causes or ["other"]))
                  + _field(t("what_was_done", lang), '<textarea name="actions" required minlength="2"></textarea>')
                  + _field(t("evidence", lang), '<textarea name="evidence"></textarea>')
                  + _field(t("plan", lang), '<input name="plan">')
                  + _field(t("expected_by", lang), '<input name="expected_by" type="date">'))
        forms.append(_form("resolve", f"{base}/resolve", t("resolve", lang), fields, lang))
    if view.awaiting == Stage.CONFIRMATION and (owner or lead):
        fields = (_field(t("outcome", lang), _select("outcome", ["fixed", "not_fixed", "unreachable", "customer_busy"]))
                  + _field(t("note", lang), '<input name="note">'))
        forms.append(_form("callback", f"{base}/callbacks", t("callback", lang), fields, lang))
    open_work = view.awaiting in (Stage.ACCEPTANCE, Stage.RESOLUTION, Stage.ASSIGNMENT)
    if open_work and (owner or lead):
        departments = [d.id for d in desk.policy.departments]
        fields = (_field(t("to_department", lang), _select("department", departments, required=False))
                  + _field(t("to_agent", lang), '<input name="agent_id" maxlength="64">')
                  + _field(t("reason", lang), '<input name="reason" required minlength="2">'))
        forms.append(_form("transfer", f"{base}/transfer", t("transfer", lang), fields, lang))
    pending = [p.kind for p in view.promises if p.state == PromiseState.PENDING and p.kind != PromiseKind.ACKNOWLEDGE]
    if pending and (owner or lead):
        fields = (_field(t("kind", lang), _select("kind", pending))
                  + _field(t("new_due", lang), '<input name="due_at" type="datetime-local" required>')
                  + _field(t("reason", lang), '<input name="reason" required minlength="2">'))
        forms.append(_form("extend", f"{base}/promises/{{kind}}/extend", t("extend", lang), fields, lang))
    body = "".join(forms) or f'<p>{t("none_now", lang)}</p>'
    return f'<section aria-labelledby="act"><h2 id="act">{t("actions", lang)}</h2>{body}</section>'


# ------------------------------------------------------------------ the workflow graph
def _workflow(desk: Desk, complaint_id: str, lang: str, appealed: bool) -> str:
    client = desk.workflow.client
    arn = desk.workflow.execution_arn(complaint_id)
    try:
        execution = None
        if appealed:  # an appeal after the workflow ended runs as its own execution: show the newest
            try:
                execution = client.describe_execution(executionArn=arn + "-appeal")
                arn += "-appeal"
            except client.exceptions.ExecutionDoesNotExist:
                pass
        if execution is None:
            execution = client.describe_execution(executionArn=arn)
        definition = client.describe_state_machine_for_execution(executionArn=arn)["definition"]
        events: list[dict[str, Any]] = []
        for page in client.get_paginator("get_execution_history").paginate(executionArn=arn):
            events.extend(page["events"])
    except client.exceptions.ExecutionDoesNotExist:
        return (f'<section aria-labelledby="wf"><h2 id="wf">{t("workflow", lang)}</h2>'
                f'<p>{t("workflow_missing", lang)}</p></section>')
    path = graph.path_from_history(events, execution["status"])
    logger.debug("workflow drawn", extra={"states_entered": len(path.entered)})
    drawing = graph.svg(json.loads(definition), path, title=f"{t('workflow', lang)} {complaint_id}")
    return (f'<section aria-labelledby="wf" class="workflow-section" data-current="{escape(path.current or "")}">'
            f'<h2 id="wf">{t("workflow", lang)} <small>{escape(execution["status"])} · '
            f'{escape(path.current or "")}</small></h2><div class="graph">{drawing}</div></section>')


# ------------------------------------------------------------------ reports
def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _bars(title: str, values: dict[str, int], lang: str, limit: int = 12) -> str:
    if not values:
        return f"<section><h2>{title}</h2><p>{t('none', lang)}</p></section>"
    top = max(values.values())
    rows = "".join(
        f'<div class="bar"><span class="label">{escape(k)}</span>'
        f'<svg class="track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect class="fill" width="{100 * v / top:.1f}" height="10"/></svg>'
        f'<span class="value">{v}</span></div>'
        for k, v in list(values.items())[:limit])
    return f'<section class="chart"><h2>{title}</h2><div class="bars" role="list">{rows}</div></section>'


def _table(title: str, header: list[str], rows: list[list[str]], lang: str, css: str = "") -> str:
    if not rows:
        return f"<section><h2>{title}</h2><p>{t('none', lang)}</p></section>"
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<section class="{css}"><h2>{title}</h2><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def reports_view(desk: Desk, operator: Operator, lang: str, start: date | None, end: date | None) -> str:
    today = clock.now().astimezone(desk.policy.calendar.zone).date()
    end = end or today
    start = start or end.replace(day=1)
    report = reports.summary(desk, operator, start, end)
    cards = [("received_total", str(report.received)), ("first_time_fix", _percent(report.first_time_fix_rate)),
             ("reopen_rate", _percent(report.reopen_rate)),
             ("mean_score", "—" if report.mean_score is None else f"{report.mean_score:.1f}"),
             ("share_of_10", _percent(report.share_of_10)), ("low_share", _percent(report.low_score_share)),
             ("repeats", str(report.repeats)), ("passing_around_count", str(report.passing_around))]
    card_html = "".join(f'<div class="card" data-figure="{key}">{t(key, lang)}<b>{escape(value)}</b></div>'
                        for key, value in cards)
    promise_rows = [[escape(kind), str(c.kept), str(c.missed), str(c.renegotiated), _percent(c.kept_share)]
                    for kind, c in report.promises.items()]
    incident_rows = [[escape(i.incident_id), escape(i.category), escape(i.cluster_key), escape(i.department),
                      escape(_local(i.opened_at)), str(i.complaints)] for i in report.open_incidents]
    hotspot_rows = [[escape(area), str(count)] for area, count in report.hotspots.items()]
    query = f"from={start.isoformat()}&amp;to={end.isoformat()}"
    period = (f'<form class="period" data-target="reports"><label>{t("from", lang)} '
              f'<input type="date" name="from" value="{start.isoformat()}" required></label> '
              f'<label>{t("to", lang)} <input type="date" name="to" value="{end.isoformat()}" required></label> '
              f'<button type="submit">{t("show", lang)}</button> '
              f'<a href="#" data-download="/v1/reports/summary.csv?{query}" '
              f'data-filename="complaints-{start}-{end}.csv">{t("export_csv", lang)}</a></form>')
    return (f'<section data-view="reports" data-from="{start.isoformat()}" data-to="{end.isoformat()}">'
            f'<h1>{t("reports", lang)}</h1>{period}<div class="cards">{card_html}</div>'
            f'<div class="report-grid">'
            + _bars(t("by_category", lang), report.by_category, lang)
            + _bars(t("by_channel", lang), report.by_channel, lang)
            + _bars(t("by_department", lang), report.by_department, lang)
            + _bars(t("by_area", lang), report.by_area, lang)
            + _table(t("promises_by_kind", lang), [t("kind", lang), t("kept", lang), t("missed_count", lang),
                                                   t("renegotiated", lang), t("kept_share", lang)], promise_rows, lang)
            + _bars(t("low_reasons", lang), report.low_score_reasons, lang)
            + _table(t("open_incidents", lang), [t("incident", lang), t("category", lang), t("area", lang),
                                                 t("department", lang), t("opened", lang), t("count", lang)],
                     incident_rows, lang)
            + _table(t("hotspots", lang), [t("area", lang), t("count", lang)], hotspot_rows, lang, css="hotspots")
            + "</div></section>")
