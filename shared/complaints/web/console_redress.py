"""Redress and working across departments in the console: on the complaint page, and the cause report.

The complaint page shows what was done to put things right (compensation,
refunds, fee adjustments with their approval, apologies, explanations), the
questions put to other departments, the parts of the work they took on and
the returns to the dispatcher, and what still holds the resolution. The
reports page shows closed complaints by root cause against the period before,
the corrective actions beside them, redress granted and returns by department.
"""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from complaints.core.access import Operator
from complaints.core.enums import RedressState
from complaints.core.views import ComplaintView
from complaints.desk.context import Desk
from complaints.reporting import causes
from complaints.reporting.reports import SummaryReport
from complaints.web import console_corrective
from complaints.web.console_html import dl, local_time
from complaints.web.console_text import Names, t

_WORDS: dict[str, tuple[str, str]] = {
    "redress": ("补救", "Redress"),
    "amount": ("金额", "Amount"),
    "form": ("方式", "Form"),
    "approved_by": ("审批", "Decided by"),
    "awaiting_manager": ("等待经理审批", "Waiting for a manager's approval"),
    "collaboration": ("跨部门协作", "Working with other departments"),
    "consultation": ("会商", "Consultation"),
    "question": ("问题", "Question"),
    "answer": ("答复", "Answer"),
    "assist": ("协办", "Assist"),
    "task": ("协办内容", "Task"),
    "result": ("结果", "Result"),
    "open": ("进行中", "Open"),
    "return": ("退单", "Return"),
    "holds": ("回单前须完成", "To settle before the resolution"),
    "hold_assist": ("协办未完成", "assist still open"),
    "hold_approval": ("补救待审批", "redress awaiting approval"),
    "causes": ("根因分析（已结案，对比上一周期）", "Root causes of closed complaints, against the period before"),
    "previous": ("上一周期", "Before"),
    "change": ("变化", "Change"),
    "redress_totals": ("补救汇总", "Redress granted"),
    "returns": ("退单（按部门）", "Returns by department"),
    "return_reasons": ("退单原因", "Why complaints were returned"),
}


def w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh-CN" else en


def _when(value: str | datetime | None) -> str:
    if not value:
        return "—"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return escape(local_time(moment))


def _money(amount: object, currency: str | None) -> str:
    return f"{escape(str(amount))} {escape(currency or '')}".strip()


def redress(view: ComplaintView, n: Names) -> str:
    """Each redress record as a row: what, how much or in what form, why, its state and who decided."""
    lang = n.lang
    if not view.redress:
        return ""
    header = [t("kind", lang), w("amount", lang), t("reason", lang), t("state", lang), t("by", lang),
              w("approved_by", lang)]
    rows = []
    for r in view.redress:
        how = _money(r.amount, r.currency) if r.amount is not None else n("apology", r.form) if r.form else "—"
        decided = (f"{n.agent(r.decided_by)} · {_when(r.decided_at)}" if r.decided_by else
                   f'<span class="flag waiting">{w("awaiting_manager", lang)}</span>'
                   if r.state is RedressState.PENDING_APPROVAL else "—")
        if r.decision_note:
            decided += f" “{escape(r.decision_note)}”"
        rows.append((f'<tr class="redress {escape(r.state.value)}" data-redress="{escape(r.redress_id)}">',
                     [f"{escape(r.redress_id)} {n('redress', r.kind)}", how, escape(r.reason),
                      n("redress_state", r.state), f"{n.agent(r.by)} · {_when(r.at)}", decided]))
    return _table("redress", w("redress", lang), header, rows)


def _table(css: str, title: str, header: list[str], rows: list[tuple[str, list[str]]]) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join(tr + "".join(f'<td data-label="{h}">{c}</td>' for h, c in zip(header, cells, strict=True))
                   + "</tr>" for tr, cells in rows)
    return (f'<section class="record {css}"><h2>{title}</h2><table class="stack"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def collaboration(view: ComplaintView, n: Names) -> str:
    """Consultations, assists and returns, and what must be settled before the complaint is reported resolved."""
    lang = n.lang
    if not (view.consultations or view.assists or view.returns):
        return _holds(view, n)  # redress awaiting approval holds it too
    rows = []
    for c in view.consultations:
        answer = (f"{escape(c.answer)} · {n.agent(c.answered_by)} · {_when(c.answered_at)}" if c.answer
                  else f'{w("open", lang)} · {t("due", lang)} {_when(c.due_at)}')
        rows.append((f'<tr class="consultation" data-consult="{escape(c.consult_id)}">',
                     [f"{w('consultation', lang)} {escape(c.consult_id)}", n("department", c.department),
                      escape(c.question), n.agent(c.asked_by), answer]))
    for a in view.assists:
        result = (f"{escape(a.result or '')} · {n.agent(a.done_by)} · {_when(a.done_at)}" if not a.open
                  else f'{w("open", lang)} · {t("due", lang)} {_when(a.due_at)}')
        rows.append((f'<tr class="assist{" open" if a.open else ""}" data-assist="{escape(a.assist_id)}">',
                     [f"{w('assist', lang)} {escape(a.assist_id)}", n("department", a.department),
                      escape(a.task), n.agent(a.owner), result]))
    for r in view.returns:
        rows.append(('<tr class="return">', [w("return", lang), n("department", r.department), escape(r.note),
                                              n.agent(r.by), f"{n('return_reason', r.reason)} · {_when(r.at)}"]))
    header = [t("kind", lang), t("department", lang), w("question", lang) + " / " + w("task", lang),
              t("by", lang) + " / " + t("owner", lang), w("answer", lang) + " / " + w("result", lang)]
    return _table("collaboration", w("collaboration", lang), header, rows) + _holds(view, n)


def _holds(view: ComplaintView, n: Names) -> str:
    lang = n.lang
    held = [f"{w('hold_assist', lang)}: {escape(a.assist_id)} ({n('department', a.department)})"
            for a in view.assists if a.open]
    held += [f"{w('hold_approval', lang)}: {escape(r.redress_id)} ({_money(r.amount, r.currency)})"
             for r in view.redress if r.state is RedressState.PENDING_APPROVAL]
    if not held:
        return ""
    return (f'<section class="record holds" role="note"><h2>{w("holds", lang)}</h2><ul>'
            + "".join(f"<li>{h}</li>" for h in held) + "</ul></section>")


def report_sections(desk: Desk, operator: Operator, summary: SummaryReport, start: date, end: date,
                    n: Names) -> str:
    """The cause report over the period against the one before, redress granted, and returns."""
    lang = n.lang
    report = causes.causes(desk, operator, start, end)
    header = [t("root_cause", lang), t("category", lang), t("area", lang), t("department", lang),
              t("count", lang), w("previous", lang), w("change", lang)]
    rows = [(f'<tr data-cause="{escape(line.root_cause)}" data-change="{line.change}">',
             [n("root_cause", line.root_cause), n("category", line.category), escape(line.area),
              n("department", line.department), str(line.count), str(line.previous),
              f"{line.change:+d}"]) for line in report.lines]
    rows.append(('<tr class="total">', [t("total", lang), "", "", "", str(report.total), str(report.previous_total),
                                        f"{report.total - report.previous_total:+d}"]))
    period = (f"<p>{escape(start.isoformat())} – {escape(end.isoformat())} · {w('previous', lang)} "
              f"{escape(report.previous_start.isoformat())} – {escape(report.previous_end.isoformat())}</p>")
    cause_table = _table("causes", w("causes", lang), header, rows).replace("</h2>", f"</h2>{period}", 1)
    redress_pairs = [(n("redress", kind), f"{totals.count}" + (f" · {totals.amount:.2f} {escape(summary.currency)}"
                                                               if totals.amount else ""))
                     for kind, totals in summary.redress.items()]
    returns = [(n("department", d), str(k)) for d, k in summary.returns.items()]
    reasons = [(n("return_reason", r), str(k)) for r, k in summary.return_reasons.items()]
    small = "".join(f'<section class="{css}"><h2>{w(key, lang)}</h2>{dl(pairs) if pairs else t("none", lang)}'
                    f"</section>" for css, key, pairs in (("redress-totals", "redress_totals", redress_pairs),
                                                          ("returns", "returns", returns),
                                                          ("return-reasons", "return_reasons", reasons)))
    return cause_table + console_corrective.section(report.actions, n) + small
