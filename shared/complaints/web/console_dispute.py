"""A dispute on the complaint page: its state, the steps recorded, its deadlines, the settlement, and the forms
of the people who handle it — for a desk whose profile has a dispute track.

What a dispute's steps and ways of settling are, which steps must come before
a settlement and which deadlines a dispute starts all come from the profile
(`disputes`, `promise_rules`); the forms are offered when the handling
functions' own checks (handling/disputes.py) let the viewer act.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from complaints.core.access import Operator
from complaints.core.enums import EventType, PromiseState
from complaints.core.outcomes import Dispute, Settlement
from complaints.core.policy_vocabulary import Disputes
from complaints.core.record import ComplaintRecord
from complaints.core.values import Promise
from complaints.desk.context import Desk
from complaints.handling import disputes
from complaints.web import console_forms
from complaints.web.console_forms import allowed
from complaints.web.console_html import countdown, dl, field, form, local_time, select
from complaints.web.console_text import Names, t

_WORDS: dict[str, tuple[str, str]] = {
    "dispute": ("纠纷", "Dispute"),
    "state": ("状态", "State"),
    "open": ("处理中", "Open"),
    "settled": ("已和解", "Settled"),
    "opened": ("立案", "Opened"),
    "opened_by_text": ("投诉内容同时提出损害和索赔，系统立案", "the text names a harm and a claim: opened by the desk"),
    "not_yet": ("尚未记录", "not yet recorded"),
    "before_settling": ("和解前须记录", "To record before settling"),
    "steps": ("进展", "Steps"),
    "step": ("事项", "Step"),
    "reference": ("编号", "Reference"),
    "deadlines": ("纠纷时限", "Deadlines"),
    "settlement": ("和解", "Settlement"),
    "way": ("方式", "Way"),
    "compensation": ("赔偿金额", "Compensation"),
    "agreement": ("协议编号", "Agreement"),
    "approved_by": ("经理同意", "Agreed by the manager"),
    "pending_approval": ("和解待审批", "Settlement awaiting approval"),
    "approval": ("赔偿审批", "Compensation approval"),
    "withdrawn": ("已撤回的和解（赔偿未获批准）", "Withdrawn settlements (compensation refused)"),
    "record_step": ("记录纠纷进展", "Record a step of the dispute"),
    "note": ("备注（仅存于处理记录）", "Note (kept on the timeline only)"),
    "settle": ("纠纷和解", "Settle the dispute"),
    "open_dispute": ("立为纠纷", "Open a dispute"),
    "why": ("原因（对方主张的损害与索赔）", "Why (the harm claimed and the redress demanded)"),
    "none": ("尚无", "none yet"),
}


def w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh-CN" else en


def _when(value: str | None) -> str:
    return escape(local_time(datetime.fromisoformat(value))) if value else "—"


def _by(who: str | None, n: Names) -> str:
    return t("system", n.lang) if who == "system" else n.agent(who)


def panel(desk: Desk, operator: Operator, record: ComplaintRecord, now: datetime, n: Names) -> str:
    """The dispute section; nothing on a desk without disputes, nor on a complaint that is none and the viewer
    may not make one."""
    rule = desk.policy.disputes
    if rule is None:
        return ""
    lang, dispute = n.lang, record.dispute
    heading = f'<h2 id="dispute">{w("dispute", lang)}</h2>'
    if dispute is None:
        if not allowed(lambda: disputes.check_opener(record, operator)):
            return ""
        opening = form("dispute-open", f"/v1/complaints/{record.complaint_id}/dispute", w("open_dispute", lang),
                       field(w("why", lang), '<textarea name="reason" rows="2" required minlength="2"></textarea>'),
                       lang)
        return f'<section aria-labelledby="dispute" class="record dispute none">{heading}{opening}</section>'
    state = _state(record)
    parts = [_summary(rule, record, n), _steps(dispute, n), _deadlines(desk, record, now, n),
             _settlement(record, n), _withdrawn(dispute, n)]
    if allowed(lambda: disputes.check_handler(record, operator)):
        parts.append(_forms(rule, record, n, console_forms.limit_hint(desk, operator, lang),
                            desk.policy.redress.currency))
    return (f'<section aria-labelledby="dispute" class="record dispute" data-dispute="{state}">{heading}'
            + "".join(parts) + "</section>")


def _state(record: ComplaintRecord) -> str:
    """open, pending_approval (settled, its compensation awaiting a lead's approval) or settled."""
    if record.dispute is None or record.dispute.settlement is None:
        return "open"
    return "settled" if record.settlement_stands else "pending_approval"


def _summary(rule: Disputes, record: ComplaintRecord, n: Names) -> str:
    lang, dispute = n.lang, record.dispute
    assert dispute is not None
    opener = w("opened_by_text", lang) if dispute.opened_by == "system" else n.agent(dispute.opened_by)
    pairs = [(w("state", lang), w(_state(record), lang)),
             (w("opened", lang), f"{_when(dispute.opened_at)} · {opener}")]
    for step in rule.required_before_settling:  # the evidence first: when, and by whom
        done = next((s for s in dispute.steps if s.step == step), None)
        shown = (f'{_when(done.at)} · {_by(done.by, n)}' + (f" · {escape(done.reference)}" if done.reference else "")
                 if done else f'<span class="flag">{w("not_yet", lang)}</span>')
        pairs.append((n("dispute_step", step), f'<span data-step="{escape(step)}">{shown}</span>'))
    return dl(pairs)


def _steps(dispute: Dispute, n: Names) -> str:
    lang = n.lang
    if not dispute.steps:
        return f'<h3>{w("steps", lang)}</h3><p>{w("none", lang)}</p>'
    rows = "".join(
        f'<tr data-step="{escape(s.step)}"><td data-label="{w("step", lang)}">{n("dispute_step", s.step)}</td>'
        f'<td data-label="{t("at", lang)}">{_when(s.at)}</td><td data-label="{t("by", lang)}">{_by(s.by, n)}</td>'
        f'<td data-label="{w("reference", lang)}">{escape(s.reference or "—")}</td></tr>' for s in dispute.steps)
    head = "".join(f'<th scope="col">{h}</th>' for h in (w("step", lang), t("at", lang), t("by", lang),
                                                          w("reference", lang)))
    return (f'<h3>{w("steps", lang)}</h3><table class="stack dispute-steps"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def dispute_kinds(desk: Desk) -> set[str]:
    """The promise kinds a dispute starts or its steps keep, by the profile."""
    policy = desk.policy
    return ({r.kind for r in policy.promise_rules if r.after == EventType.DISPUTE_OPENED}
            | {kind for kind, rule in policy.promise_kinds.items()
               if rule.kept_by_steps or EventType.DISPUTE_SETTLED in rule.kept_by})


def _deadlines(desk: Desk, record: ComplaintRecord, now: datetime, n: Names) -> str:
    lang, kinds = n.lang, dispute_kinds(desk)
    held = [p for p in record.promises if p.kind in kinds]
    if not held:
        return ""
    def due(p: Promise) -> str:  # how far off, while it is pending
        return countdown(p.due_at, p.made_at, now, lang) if p.state is PromiseState.PENDING \
            else _when(p.due_at.isoformat())

    rows = "".join(
        f'<tr class="promise {escape(p.state.value)}" data-kind="{escape(p.kind)}">'
        f'<td data-label="{t("kind", lang)}">{n("promise", p.kind)}</td><td data-label="{t("due", lang)}">{due(p)}'
        f'</td><td data-label="{t("state", lang)}">{n("promise_state", p.state.value)}</td></tr>' for p in held)
    head = "".join(f'<th scope="col">{h}</th>' for h in (t("kind", lang), t("due", lang), t("state", lang)))
    return (f'<h3>{w("deadlines", lang)}</h3><table class="stack dispute-deadlines"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _settlement(record: ComplaintRecord, n: Names) -> str:
    s, lang = record.dispute.settlement if record.dispute else None, n.lang
    if s is None:
        return ""
    pairs = _agreed(s, n)
    item = record.settlement_compensation
    if item is not None:  # the compensation is redress: its approval as any redress's
        decided = f" · {n.agent(item.decided_by)} · {_when(item.decided_at)}" if item.decided_by else ""
        pairs.append((w("approval", lang), f'<span class="redress-state {escape(item.state.value)}" '
                                           f'data-redress="{escape(item.redress_id)}">{escape(item.redress_id)} · '
                                           f'{n("redress_state", item.state.value)}{decided}</span>'))
    elif s.approved_by:
        pairs.append((w("approved_by", lang), n.agent(s.approved_by)))
    return f'<div class="settlement"><h3>{w("settlement", lang)}</h3>{dl(pairs)}</div>'


def _agreed(s: Settlement, n: Names) -> list[tuple[str, str]]:
    lang = n.lang
    return [(w("way", lang), n("dispute_way", s.way)),
            (w("compensation", lang), f'<span class="money">{s.compensation:,} {escape(s.currency)}</span>'),
            (w("agreement", lang), escape(s.agreement_reference)),
            (t("by", lang), f"{n.agent(s.by)} · {_when(s.at)}")]


def _withdrawn(dispute: Dispute, n: Names) -> str:
    """Settlements withdrawn when their compensation was refused, kept in sight."""
    if not dispute.withdrawn:
        return ""
    return (f'<div class="withdrawn"><h3>{w("withdrawn", n.lang)}</h3>'
            + "".join(dl(_agreed(s, n)) for s in dispute.withdrawn) + "</div>")


def _forms(rule: Disputes, record: ComplaintRecord, n: Names, limit: str, currency: str) -> str:
    """Record a step; settle, the compensation in the desk's currency, with what the viewer grants alone."""
    lang, base = n.lang, f"/v1/complaints/{record.complaint_id}/dispute"
    note = field(w("note", lang), '<textarea name="note" rows="2"></textarea>')
    step = form("dispute-step", f"{base}/steps", w("record_step", lang),
                field(w("step", lang), select("step", [(s, n("dispute_step", s)) for s in rule.steps]))
                + field(w("reference", lang), '<input name="reference" maxlength="100">') + note,
                lang, moves_workflow=False)
    above = f'<p class="hint limit">{limit}</p>'
    settle = form("dispute-settle", f"{base}/settlement", w("settle", lang),
                  field(w("way", lang), select("way", [(x, n("dispute_way", x)) for x in rule.ways]))
                  + field(f"{w('compensation', lang)} ({escape(currency)})",
                          '<input name="compensation" type="number" min="0" step="1" data-type="integer" required>')
                  + above + field(w("agreement", lang), '<input name="agreement_reference" required minlength="2" '
                                                        'maxlength="100">') + note,
                  lang, moves_workflow=False)
    return step + settle


# The timeline's sentences for a dispute's events (console_timeline adds them to its own).
def withdrawn(lang: str) -> str:
    """Said of a refused compensation whose settlement it withdrew."""
    return "，和解撤回" if lang == "zh-CN" else "; the dispute's settlement is withdrawn"


def _opened(d: dict[str, Any], n: Names, lang: str) -> str:
    said = (f"立为纠纷，由{n('department', d.get('department'))}负责" if lang == "zh-CN"
            else f"Opened as a dispute, owned by {n('department', d.get('department'))}")
    return said + (f" “{escape(str(d['reason']))}”" if d.get("reason") else "")


def _step(d: dict[str, Any], n: Names, lang: str) -> str:
    said = n("dispute_step", d.get("step"))
    if d.get("reference"):
        said += f"（{escape(str(d['reference']))}）" if lang == "zh-CN" else f" ({escape(str(d['reference']))})"
    return said + (f" “{escape(str(d['note']))}”" if d.get("note") else "")


def _settled(d: dict[str, Any], n: Names, lang: str) -> str:
    money = f"{escape(str(d.get('compensation', 0)))} {escape(str(d.get('currency', '')))}"
    ref = escape(str(d.get("agreement_reference", "")))
    item = f" ({escape(str(d['redress_id']))})" if d.get("redress_id") else ""
    return (f"以{n('dispute_way', d.get('way'))}和解，赔偿 {money}{item}，协议 {ref}" if lang == "zh-CN"
            else f"Settled by {n('dispute_way', d.get('way'))}: compensation {money}{item}, agreement {ref}")


SENTENCES = {EventType.DISPUTE_OPENED: _opened, EventType.DISPUTE_STEP: _step, EventType.DISPUTE_SETTLED: _settled}
