"""Corrective actions (整改) on the reports page, beside the cause report.

Each action shows its cause, what is to be done, its owner, due date and
status; a done one shows its cause's complaints in equal windows before and
after it was done, and whether they fell.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from complaints.core.corrective import ActionStatus
from complaints.core.enums import EventType
from complaints.reporting.action_effects import ActionEffect
from complaints.web.console_text import Names, t

_WORDS: dict[str, tuple[str, str]] = {
    "actions": ("整改措施", "Corrective actions"),
    "action": ("措施", "Action"),
    "cause": ("根因", "Cause"),
    "due": ("完成期限", "Due"),
    "done_on": ("完成日期", "Done on"),
    "effect": ("整改前后（同等天数）", "Before and after (equal days)"),
    "fell": ("下降", "fell"),
    "rose": ("上升", "rose"),
    "same": ("持平", "no change"),
    "late": ("逾期完成", "done late"),
    "days": ("天", "days"),
    ActionStatus.OPEN: ("进行中", "Open"),
    ActionStatus.OVERDUE: ("已逾期", "Overdue"),
    ActionStatus.DONE: ("已完成", "Done"),
    ActionStatus.CANCELLED: ("已取消", "Cancelled"),
}


def w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh-CN" else en


def _tracking_required(d: dict[str, Any], n: Names, lang: str) -> str:
    times, who = escape(str(d.get("not_fixed", ""))), n.agent(d.get("supervisor"))
    if lang == "zh-CN":
        return f"客户第 {times} 次表示仍未解决：须制定长期方案，转为跟踪单；已告知 {who}"
    return f"Not fixed {times} times: the next report must carry a long-term plan; {who} told"


def _action_opened(d: dict[str, Any], n: Names, lang: str) -> str:
    action, cause = escape(str(d.get("action_id", ""))), n("root_cause", d.get("root_cause"))
    owner, due = n.agent(d.get("owner")), escape(str(d.get("due", "")))
    if lang == "zh-CN":
        return f"据此立项整改 {action}（{cause}），由 {owner} 于 {due} 前完成"
    return f"Corrective action {action} ({cause}) answers it: {owner} to do it by {due}"


def _action_closed(d: dict[str, Any], n: Names, lang: str) -> str:
    action, status = escape(str(d.get("action_id", ""))), str(d.get("status", ""))
    if lang == "zh-CN":
        return f"整改 {action} {'已完成' if status == 'done' else '已取消'}"
    return f"Corrective action {action} was {'done' if status == 'done' else 'cancelled'}"


# The timeline's sentences for what corrective actions and repeated "not fixed" answers add to a complaint.
SENTENCES: dict[EventType, Callable[[dict[str, Any], Names, str], str]] = {
    EventType.TRACKING_REQUIRED: _tracking_required,
    EventType.CORRECTIVE_ACTION_OPENED: _action_opened,
    EventType.CORRECTIVE_ACTION_CLOSED: _action_closed,
}


def _scope(effect: ActionEffect, n: Names) -> str:
    parts = effect.scope.split(" × ")
    return " × ".join([n("root_cause", parts[0]), *(escape(p) for p in parts[1:])])


def _effect(effect: ActionEffect, lang: str) -> str:
    if effect.before is None or effect.after is None:
        return "—"
    trend = "fell" if effect.after < effect.before else "rose" if effect.after > effect.before else "same"
    partial = "" if effect.complete else "*"
    return (f"{effect.before} → {effect.after} ({effect.window_days}{partial} {w('days', lang)}, "
            f"{w(trend, lang)})")


def section(effects: list[ActionEffect], n: Names) -> str:
    lang = n.lang
    if not effects:
        return f'<section class="corrective-actions"><h2>{w("actions", lang)}</h2><p>{t("none", lang)}</p></section>'
    header = ["ID", w("cause", lang), w("action", lang), t("owner", lang), w("due", lang), t("status", lang),
              w("done_on", lang), w("effect", lang)]
    rows = []
    for e in effects:
        status = w(e.status, lang) + (f" · {w('late', lang)}" if e.late else "")
        cells = [escape(e.action_id), _scope(e, n), escape(e.action), n.agent(e.owner), escape(e.due.isoformat()),
                 status, escape(e.done_on.isoformat()) if e.done_on else "—", _effect(e, lang)]
        attrs = (f' data-action="{escape(e.action_id)}" data-status="{escape(e.status.value)}"'
                 + (f' data-before="{e.before}" data-after="{e.after}"' if e.before is not None else ""))
        rows.append(f"<tr{attrs}>" + "".join(f'<td data-label="{h}">{c}</td>'
                                             for h, c in zip(header, cells, strict=True)) + "</tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    return (f'<section class="corrective-actions"><h2>{w("actions", lang)}</h2><table class="stack"><thead><tr>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')
