"""Redress and working across departments as forms on the complaint page.

Each form is offered only when the handling function's own check lets the
viewer act (handling/redress.py, handling/collaboration.py): the console asks
the same question the API will ask when the form is sent, and holds no rule
of its own. Every choice is a stored key shown by the desk's name for it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape

from complaints.core.access import Operator
from complaints.core.enums import ApologyForm, RedressKind, ReturnReason
from complaints.core.errors import ComplaintError
from complaints.core.record import ComplaintRecord
from complaints.desk.context import Desk
from complaints.handling import collaboration, redress
from complaints.web.console_html import field, form, select
from complaints.web.console_text import Names, t

_WORDS: dict[str, tuple[str, str]] = {
    "money": ("赔偿、退款或费用调减", "Compensation, refund or fee adjustment"),
    "amount": ("金额", "Amount"),
    "why": ("原因", "Why"),
    "limit": ("您可直接批准 {limit} {currency} 以内的金额；超出须等待经理审批。",
              "You grant up to {limit} {currency} yourself; a larger amount waits for a manager's approval."),
    "no_limit": ("您的审批额度不限。", "Your approval has no limit."),
    "none_alone": ("您录入的金额均须等待经理审批。", "Every amount you record waits for a manager's approval."),
    "apology": ("道歉", "Apology"),
    "apology_form": ("方式", "How"),
    "apology_text": ("向客户致歉的内容", "What the customer is told"),
    "explanation": ("书面说明", "Written explanation"),
    "explanation_text": ("发给客户的说明", "The explanation the customer is sent"),
    "decide": ("审批", "Approve or refuse"),
    "decision": ("决定", "Decision"),
    "approve": ("批准", "Approve"),
    "refuse": ("不批准", "Refuse"),
    "decision_note": ("说明（不批准时必填，告知录入人）", "Note (required to refuse; the recorder is told)"),
    "consult": ("咨询其他部门", "Consult another department"),
    "question": ("问题", "Question"),
    "answer_consult": ("答复咨询", "Answer the consultation"),
    "answer": ("答复", "Answer"),
    "assist": ("请其他部门协办", "Ask another department to assist"),
    "assist_owner": ("协办人（不选则为该部门班组长）", "Who does it (the department's supervisor if none)"),
    "task": ("协办内容", "Task"),
    "finish_assist": ("完成协办", "Finish the assist"),
    "result": ("结果", "Result"),
    "return": ("退单", "Return to the dispatcher"),
    "return_note": ("说明", "Note"),
    "from": ("来自", "from"),
}


def w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh-CN" else en


def allowed(check: Callable[[], object]) -> bool:
    """Whether a handling function's check lets the action through (its refusal, when not, is the API's)."""
    try:
        check()
    except ComplaintError:
        return False
    return True


def _text(name: str, required: bool = True) -> str:
    rule = ' required minlength="2"' if required else ""
    return f'<textarea name="{name}" rows="2"{rule}></textarea>'


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def limit_hint(desk: Desk, operator: Operator, lang: str) -> str:
    """What the viewer grants alone, and that a larger amount waits for a manager's approval (escaped)."""
    rules = desk.policy.redress
    limit = rules.limit(operator.role)
    return (w("no_limit", lang) if limit is None else w("none_alone", lang) if limit == 0 else
            w("limit", lang).format(limit=escape(f"{limit:,}"), currency=escape(rules.currency)))


def redress_forms(desk: Desk, operator: Operator, record: ComplaintRecord, n: Names) -> list[str]:
    """Record compensation (with the viewer's approval limit), an apology, an explanation; decide what waits."""
    lang, base = n.lang, f"/v1/complaints/{record.complaint_id}/redress"
    found: list[str] = []
    if allowed(lambda: redress.check_recorder(record, operator)):  # closed too: an explanation comes after
        rules = desk.policy.redress
        hint = limit_hint(desk, operator, lang)
        kinds = [(k.value, n("redress", k.value)) for k in RedressKind if k.money]
        found.append(form("redress-money", base, w("money", lang),
                          field(t("kind", lang), select("kind", kinds))
                          + field(f"{w('amount', lang)} ({escape(rules.currency)})",
                                  '<input name="amount" type="number" min="0.01" step="0.01" inputmode="decimal" '
                                  'required>')
                          + f'<p class="hint limit">{hint}</p>' + field(w("why", lang), _text("reason")),
                          lang, moves_workflow=False))
        forms_ = [(f.value, n("apology", f.value)) for f in ApologyForm]
        found.append(form("redress-apology", base, w("apology", lang),
                          _hidden("kind", RedressKind.APOLOGY.value)
                          + field(w("apology_form", lang), select("form", forms_))
                          + field(w("apology_text", lang), _text("reason")), lang, moves_workflow=False))
        found.append(form("redress-explanation", base, w("explanation", lang),
                          _hidden("kind", RedressKind.EXPLANATION.value)
                          + field(w("explanation_text", lang), _text("reason")), lang, moves_workflow=False))
    for item in record.redress:
        if not allowed(partial(redress.check_decider, desk, record, item, operator)):
            continue
        what = f"{escape(item.redress_id)} · {n('redress', item.kind.value)} {escape(str(item.amount))} " \
               f"{escape(str(item.currency))}"
        choice = (f'<select name="approved" data-type="boolean" required><option value="true">{w("approve", lang)}'
                  f'</option><option value="false">{w("refuse", lang)}</option></select>')
        found.append(form("redress-decision", f"{base}/{item.redress_id}/decision", f"{w('decide', lang)} {what}",
                          f'<p class="hint">{escape(item.reason)} · {n.agent(item.by)}</p>'
                          + field(w("decision", lang), choice)
                          + field(w("decision_note", lang), _text("note", required=False)), lang,
                          moves_workflow=False, data={"redress": item.redress_id}))
    return found


def collaboration_forms(desk: Desk, operator: Operator, record: ComplaintRecord, n: Names) -> list[str]:
    """Consult, answer a consultation, ask for an assist, finish one, return the complaint to the dispatcher."""
    lang, base = n.lang, f"/v1/complaints/{record.complaint_id}"
    found: list[str] = []
    others = [(d.id, n("department", d.id)) for d in desk.policy.departments if d.id != record.department]
    if others and allowed(lambda: collaboration.check_asker(record, operator)):
        found.append(form("consult", f"{base}/consults", w("consult", lang),
                          field(t("department", lang), select("department", others))
                          + field(w("question", lang), _text("question")), lang, moves_workflow=False))
        people = "".join(
            f'<optgroup label="{n("department", d.id)}">' + "".join(
                f'<option value="{escape(a.id)}">{n.agent(a.id)}</option>'
                for a in desk.policy.agents if d.id in a.departments) + "</optgroup>"
            for d in desk.policy.departments if d.id != record.department)
        found.append(form("assist", f"{base}/assists", w("assist", lang),
                          field(t("department", lang), select("department", others))
                          + field(w("assist_owner", lang), f'<select name="owner"><option value="">—</option>'
                                                           f"{people}</select>")
                          + field(w("task", lang), _text("task")), lang, moves_workflow=False))
    for c in record.consultations:
        if allowed(partial(collaboration.check_answerer, c, operator)):
            title = f"{w('answer_consult', lang)} {escape(c.consult_id)} · {n('department', c.department)}"
            found.append(form("consult-answer", f"{base}/consults/{c.consult_id}/answer", title,
                              f'<p class="hint">{escape(c.question)}</p>' + field(w("answer", lang), _text("answer")),
                              lang, moves_workflow=False, data={"consult": c.consult_id}))
    for a in record.assists:
        if allowed(partial(collaboration.check_assist_doer, a, operator)):
            title = f"{w('finish_assist', lang)} {escape(a.assist_id)} · {n('department', a.department)}"
            found.append(form("assist-done", f"{base}/assists/{a.assist_id}/done", title,
                              f'<p class="hint">{escape(a.task)}</p>' + field(w("result", lang), _text("result")),
                              lang, moves_workflow=False, data={"assist": a.assist_id}))
    if allowed(lambda: collaboration.check_returner(desk, record, operator)):
        reasons = [(r.value, n("return_reason", r.value)) for r in ReturnReason]
        found.append(form("return", f"{base}/return", w("return", lang),
                          field(t("reason", lang), select("reason", reasons))
                          + field(w("return_note", lang), _text("note")), lang))
    return found
