"""A complaint's timeline as sentences in the desk's language, with local times.

Each event type says what happened in words, with the keys in its detail
(categories, departments, outcomes, promise kinds) given their names and
times given in the desk's zone; a flag becomes a clause or nothing, never
"True". Text people typed (reasons, notes) is quoted as it is, escaped.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from complaints.core.enums import EventType
from complaints.core.values import TimelineEvent
from complaints.web import console_corrective, console_dispute, console_location
from complaints.web.console_html import local_time
from complaints.web.console_text import Names, t

Detail = dict[str, Any]
_Sentence = Callable[[Detail, Names, str], str]


def _zh_en(zh: str, en: str) -> Callable[[str], str]:
    return lambda lang: zh if lang == "zh-CN" else en


def _quote(value: Any) -> str:
    return f"“{escape(str(value))}”"


def _when(value: Any) -> str:
    """A stored time (ISO) in the desk's zone; a date stays a date; none is a dash."""
    text = "—" if value in (None, "") else str(value)
    try:
        return escape(local_time(datetime.fromisoformat(text)) if "T" in text else text)
    except ValueError:
        return escape(text)


def _received(d: Detail, n: Names, lang: str) -> str:
    says = _zh_en("经{c}受理，外部编号 {x}", "Received by {c}; portal reference {x}")(lang)
    text = says.format(c=n("channel", d.get("channel")), x=escape(str(d.get("external_id", "—"))))
    return text + (_zh_en("；敏感渠道", "; a sensitive channel")(lang) if d.get("sensitive") else "")


def _classified(d: Detail, n: Names, lang: str) -> str:
    confidence = d.get("confidence")
    sure = f"{float(confidence):.0%}" if isinstance(confidence, (int, float)) else "—"
    says = _zh_en("分为{cat}（{nat}，{pri}优先级，把握{sure}），交{dep}",
                  "Classified as {cat} ({nat}, {pri} priority, {sure} sure), for {dep}")(lang)
    text = says.format(cat=n("category", d.get("category")), nat=n("nature", d.get("nature")),
                       pri=n("priority", d.get("priority")), sure=sure, dep=n("department", d.get("department")))
    if d.get("triage"):
        text += _zh_en("；把握不足，交分诊台确认", "; not sure enough: the triage desk confirms it")(lang)
    if d.get("evidence"):
        text += _zh_en("；依据：", "; evidence: ")(lang) + " ".join(
            f"<mark>{escape(e.strip())}</mark>" for e in str(d["evidence"]).split(",") if e.strip())
    return text


def _assigned(d: Detail, n: Names, lang: str) -> str:
    text = _zh_en("派给{o}（{dep}）", "Assigned to {o} ({dep})")(lang).format(
        o=n.agent(d.get("owner")), dep=n("department", d.get("department")))
    return text + (_zh_en("，由班组长指派", ", by hand")(lang) if d.get("by_hand") else "")


def _transferred(d: Detail, n: Names, lang: str) -> str:
    text = _zh_en("由{a}转至{b}", "Transferred from {a} to {b}")(lang).format(
        a=n("department", d.get("from")), b=n("department", d.get("to")))
    if d.get("agent"):
        text += _zh_en("，处理人 {o}", ", to {o}")(lang).format(o=n.agent(d["agent"]))
    return text + _zh_en("，原因：{r}（第 {k} 次转派）", ": {r} (transfer {k})")(lang).format(
        r=_quote(d.get("reason", "")), k=escape(str(d.get("transfers", ""))))


def _passing_around(d: Detail, n: Names, lang: str) -> str:
    why = {"bounced back": _zh_en("要转回已转出的部门", "it would go back to a department it left"),
           "too many transfers": _zh_en("转派次数过多", "too many transfers"),
           "back to an agent who passed it on": _zh_en("要转回曾转出此单的处理人", "it would go back to an agent "
                                                       "who passed it on")}.get(str(d.get("why")))
    text = _zh_en("转往{w}被拦下，交班组长处理", "The transfer to {w} was stopped for a supervisor")(lang).format(
        w=n("department", d.get("wanted")))
    return text + (f"：{why(lang)}" if why and lang == "zh-CN" else f": {why(lang)}" if why else "") + \
        _zh_en("；原因：{r}", "; reason: {r}")(lang).format(r=_quote(d.get("reason", "")))


def _resolved(d: Detail, n: Names, lang: str) -> str:
    text = _zh_en("回单：{o}，根因{c}", "Resolution reported: {o}; root cause {c}")(lang).format(
        o=n("outcome", d.get("outcome")), c=n("root_cause", d.get("root_cause")))
    return text + (_zh_en("，送质检", "; sent to the quality check")(lang) if d.get("quality_check") else "")


def _quality(d: Detail, n: Names, lang: str) -> str:
    if d.get("passed"):
        return _zh_en("质检通过", "Passed the quality check")(lang)
    return _zh_en("质检退回：{r}", "Returned by the quality check: {r}")(lang).format(r=_quote(d.get("reason", "")))


def _callback(d: Detail, n: Names, lang: str) -> str:
    text = _zh_en("第 {k} 次回访：{o}", "Callback {k}: {o}")(lang).format(
        k=escape(str(d.get("attempt", ""))), o=n("outcome", d.get("outcome")))
    return text + (f" {_quote(d['note'])}" if d.get("note") else "")


def _closed(d: Detail, n: Names, lang: str) -> str:
    text = (_zh_en("结案，客户已确认", "Closed; the customer confirmed the fix") if d.get("confirmed")
            else _zh_en("结案，未能联系客户确认", "Closed without the customer's confirmation"))(lang)
    count = d.get("reopen_count") or 0
    return text + (_zh_en("；曾重新处理 {k} 次", "; reopened {k} times before")(lang).format(k=count) if count else "")


def _surveyed(d: Detail, n: Names, lang: str) -> str:
    text = _zh_en("客户评分 {s} 分", "The customer scored {s} out of 10")(lang).format(s=escape(str(d.get("score"))))
    if d.get("channel") in ("phone", "sms"):
        text += _zh_en("（电话回访）", " (by phone)")(lang) if d["channel"] == "phone" \
            else _zh_en("（短信回复）", " (by SMS reply)")(lang)
    if d.get("low"):
        text += _zh_en("（低分）", " (a low score)")(lang)
    if d.get("unsatisfied"):
        reasons = "、".join(n("low_reason", r) for r in str(d["unsatisfied"]).split(",") if r)
        text += _zh_en("；不满意：{r}", "; unsatisfied with: {r}")(lang).format(r=reasons)
    return text


def _redress(d: Detail, n: Names, lang: str) -> str:
    amount = f" {escape(str(d['amount']))} {escape(str(d.get('currency') or ''))}" if d.get("amount") else ""
    form = f" ({n('apology', d['form'])})" if d.get("form") else ""
    text = f"{escape(str(d.get('redress_id', '')))} {n('redress', d.get('kind'))}{amount}{form}: " \
        f"{n('redress_state', d.get('state'))}" + (console_dispute.withdrawn(lang) if d.get("settlement") else "")
    return text + (f" {_quote(d['note'])}" if d.get("note") else "")


def _helping(zh: str, en: str, ident: str, text: str = "") -> _Sentence:
    """A consultation's or an assist's step: its id, the department, and what was asked or answered."""
    def say(d: Detail, n: Names, lang: str) -> str:
        said = (zh if lang == "zh-CN" else en).format(i=escape(str(d.get(ident, ""))), dep=n("department",
                                                      d.get("department")), o=n.agent(d.get("owner")))
        return said + (f" {_quote(d[text])}" if text and d.get(text) else "")
    return say


def _escalated(d: Detail, n: Names, lang: str) -> str:
    people = ", ".join(n.agent(p) for p in str(d.get("to") or "").split(",") if p)
    return _zh_en("{s}超时，第 {k} 级提醒{r}：{p}", "Overdue {s}: reminder {k} to the {r}: {p}")(lang).format(
        s=n("stage", d.get("stage")), k=escape(str(d.get("level", ""))), r=n("role", d.get("rung")), p=people or "—")


def _simple(zh: str, en: str, **kinds: str) -> _Sentence:
    """A sentence whose placeholders name detail keys; kinds says which label kind each is (else quoted text)."""
    def say(d: Detail, n: Names, lang: str) -> str:
        values: dict[str, str] = {}
        for key in _placeholders(zh if lang == "zh-CN" else en):
            kind = kinds.get(key)
            value = d.get(key)
            if kind == "agent":
                values[key] = n.agent(value)
            elif kind == "complaint":
                values[key] = f'<a href="#/complaints/{escape(str(value))}">{escape(str(value))}</a>'
            elif kind == "when":
                values[key] = _when(value)
            elif kind:
                values[key] = n(kind, value)  # type: ignore[arg-type]
            else:
                values[key] = _quote(value) if value not in (None, "") else "—"
        return (zh if lang == "zh-CN" else en).format(**values)
    return say


def _placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


SENTENCES: dict[EventType, _Sentence] = {
    EventType.RECEIVED: _received,
    EventType.CLASSIFIED: _classified,
    EventType.REPEAT: _simple("同一客户再次投诉同类问题，前次 {repeat_of}",
                              "The same customer about the same trouble again; earlier: {repeat_of}",
                              repeat_of="complaint"),
    EventType.REPEATED_BY: _simple("客户就此问题再次投诉：{complaint_id}",
                                   "The customer complained again: {complaint_id}", complaint_id="complaint"),
    EventType.INCIDENT_LINKED: lambda d, n, lang: (
        _zh_en("同一地点投诉达到阈值，开启故障 {i}", "Enough complaints from one place: incident {i} opened")
        if d.get("opened") else _zh_en("关联到故障 {i}", "Linked to incident {i}"))(lang).format(
            i=escape(str(d.get("incident_id", "")))),
    EventType.INCIDENT_RESOLVED: _simple("故障已处理，根因：{root_cause}", "The incident was resolved; root cause: "
                                         "{root_cause}", root_cause="root_cause"),
    EventType.ASSIGNED: _assigned,
    EventType.NO_AGENT_AVAILABLE: _simple("{department}暂无可派的处理人", "Nobody in {department} could take it",
                                          department="department"),
    EventType.ACCEPTED: lambda d, n, lang: _zh_en("处理人接单", "The owner accepted it")(lang),
    EventType.ACCEPTANCE_MISSED: _simple("{owner} 未按时接单", "{owner} did not accept in time", owner="agent"),
    EventType.TRANSFERRED: _transferred,
    EventType.PASSING_AROUND: _passing_around,
    EventType.PAUSED: _simple("等待客户：{reason}", "Waiting on the customer: {reason}"),
    EventType.RESUMED: lambda d, n, lang: _zh_en("恢复处理，等待了 {m} 分钟", "Work resumed after {m} minutes")(
        lang).format(m=escape(str(d.get("waited_minutes", "")))),
    EventType.RESOLVED: _resolved,
    EventType.QUALITY_CHECKED: _quality,
    EventType.FOLLOW_UP: _simple("跟进：{note}；预计 {expected_by} 完成",
                                 "Follow-up: {note}; expected by {expected_by}", expected_by="when"),
    EventType.FOLLOW_UP_DUE: lambda d, n, lang: _zh_en("跟踪单到了跟进时间（预计 {e} 完成）",
                                                       "The tracking ticket is due a follow-up (expected by {e})")(
        lang).format(e=_when(d.get("expected_by"))) + (_zh_en("，已逾期", "; late")(lang) if d.get("late") else ""),
    EventType.FIX_LANDED: _simple("计划的修复已完成，根因：{root_cause}", "The planned fix landed; root cause: "
                                  "{root_cause}", root_cause="root_cause"),
    EventType.CALLBACK: _callback,
    EventType.CONFIRMED_FIXED: lambda d, n, lang: _zh_en("客户确认问题已解决", "The customer confirmed the fix")(lang),
    EventType.REOPENED: lambda d, n, lang: _zh_en("客户表示仍未解决，重新处理", "Not fixed, the customer says: "
                                                  "handled again")(lang),
    EventType.UNCONFIRMED: lambda d, n, lang: _zh_en("多次回访未联系上客户，未能确认",
                                                     "The customer could not be reached to confirm")(lang),
    EventType.CLOSED: _closed,
    EventType.SURVEYED: _surveyed,
    EventType.SURVEY_NO_RESPONSE: lambda d, n, lang: _zh_en("客户未回复满意度评价", "The customer did not answer "
                                                            "the survey")(lang),
    EventType.REVIEWED: lambda d, n, lang: _zh_en("班组长复核低分：{c}", "A supervisor reviewed the low score: {c}")(
        lang).format(c=_quote(d.get("cause", ""))) + (_zh_en("；重新处理", "; handled again")(lang)
                                                     if d.get("reopen") else ""),
    EventType.APPEALED: _simple("客户申诉：{reason}，转{to}", "The customer appealed: {reason}; to {to}",
                                to="department"),
    EventType.PROMISE_EXTENDED: _simple("{promise}时限由 {from} 改到 {to}：{reason}",
                                        "{promise} moved from {from} to {to}: {reason}",
                                        promise="promise", **{"from": "when", "to": "when"}),
    EventType.PROMISE_MISSED: _simple("{promise}时限已超时", "{promise} was missed", promise="promise"),
    EventType.CUSTOMER_UPDATED: _simple("到了{promise}的承诺时间，已告知客户进展",
                                        "{promise} came due: the customer was told the progress", promise="promise"),
    EventType.ESCALATED: _escalated,
    EventType.DECISION_ROLLED_BACK: _simple("在{stage}的操作未被流程接收，恢复等待",
                                            "The workflow did not take the action at {stage}; waiting again",
                                            stage="stage"),
    EventType.FAILED: lambda d, n, lang: _zh_en("流程出错（<code>{e}</code>），交{dep}人工处理",
                                                "The workflow failed (<code>{e}</code>); {dep} handles it by hand")(
        lang).format(e=escape(str(d.get("error", ""))), dep=n("department", d.get("department"))),
    EventType.REDRIVEN: lambda d, n, lang: _zh_en("流程从 <code>{s}</code> 继续，新的执行 {x}",
                                                  "The workflow went on from <code>{s}</code> as {x}")(
        lang).format(s=escape(str(d.get("from", ""))), x=escape(str(d.get("execution", "")))),
    EventType.REPLIED: _simple("联系客户（{kind}）：{summary}；下次答复 {next_reply_at}",
                               "Contacted the customer ({kind}): {summary}; next reply by {next_reply_at}",
                               kind="reply", next_reply_at="when"),
    EventType.APPOINTMENT_BOOKED: _simple("预约上门 {start} 至 {end}", "A visit booked from {start} to {end}",
                                          start="when", end="when"),
    EventType.ARRIVED: lambda d, n, lang: (
        _zh_en("上门人员在预约时段内到达", "The visit arrived within the window") if d.get("within_window")
        else _zh_en("上门人员到达，已超出预约时段", "The visit arrived after the window"))(lang),
    EventType.AUTHORITY_REPORTED: _simple("{promise}延期已报告{authority}（编号 {reference}）",
                                          "The {promise} extension was reported to {authority} (ref. {reference})",
                                          promise="promise"),
    EventType.INCIDENT_PRIORITISED: _simple("所属故障已持续 {hours_open} 小时，升为{priority}",
                                            "Its outage has been open {hours_open} hours: raised to {priority}",
                                            priority="priority"),
    EventType.REDRESS_RECORDED: _redress,
    EventType.REDRESS_DECIDED: _redress,
    EventType.CONSULTED: _helping("向{dep}咨询（{i}）：", "{dep} asked ({i}):", "consult_id", "question"),
    EventType.CONSULT_ANSWERED: _helping("{dep}答复咨询 {i}：", "{dep} answered {i}:", "consult_id", "answer"),
    EventType.ASSIST_OPENED: _helping("请{dep}协办（{i}），由 {o} 负责：", "{dep} assists ({i}), {o} doing it:",
                                      "assist_id", "task"),
    EventType.ASSIST_DONE: _helping("{dep}完成协办 {i}：", "{dep} finished assist {i}:", "assist_id", "result"),
    **console_corrective.SENTENCES,
    EventType.RETURNED: lambda d, n, lang: _zh_en("{a}退单至{b}：{r}", "Returned by {a} to {b}: {r}")(lang).format(
        a=n("department", d.get("from")), b=n("department", d.get("to")),
        r=n("return_reason", d.get("reason"))) + (f" {_quote(d['note'])}" if d.get("note") else ""),
}


SENTENCES.update(console_dispute.SENTENCES)
SENTENCES.update(console_location.SENTENCES)


def actor(who: str, n: Names, lang: str) -> str:
    if who == "system":
        return t("system", lang)
    if who == "customer":
        return t("the_customer", lang)
    kind, _, rest = who.partition(":")
    if kind == "portal" and rest:
        portal = n.policy.portal(rest)
        return escape(portal.name if portal else rest)
    if kind == "incident" and rest:
        return f'{t("incident", lang)} {escape(rest)}'
    return n.agent(who)


def sentence(event: TimelineEvent, n: Names, lang: str) -> str:
    say = SENTENCES.get(event.type)
    return say(event.detail, n, lang) if say else ""


def timeline(events: list[TimelineEvent], n: Names, lang: str) -> str:
    items = "".join(
        f'<li data-event="{escape(e.type)}"><time datetime="{e.at.isoformat()}">{escape(local_time(e.at))}</time> '
        f'<b>{n("event", e.type)}</b> · <span class="actor">{actor(e.actor, n, lang)}</span>'
        f'<p class="what">{sentence(e, n, lang)}</p></li>'
        for e in events)
    return (f'<section aria-labelledby="tl" class="timeline-section"><h2 id="tl">{t("timeline", lang)}</h2>'
            f'<ol class="timeline">{items}</ol></section>')
