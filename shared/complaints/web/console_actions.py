"""The actions a viewer may take on a complaint, as forms that post to the operators' API.

Each form is offered by the same rule the API applies to the action
(core/access.py): the owner's actions to the owner, a lead's to a supervisor
of the complaint's department; the API checks again when the form is sent.
Every choice is a stored key shown by the desk's name for it.
"""

from __future__ import annotations

from complaints.core.access import Operator
from complaints.core.enums import PromiseKind, PromiseState, Stage, Status
from complaints.core.views import ComplaintView
from complaints.desk.context import Desk
from complaints.web.console_html import field, form, select
from complaints.web.console_text import Names, t

_TEXT = '<textarea name="{name}" rows="2"{extra}></textarea>'


def _text(name: str, required: bool = True) -> str:
    return _TEXT.format(name=name, extra=' required minlength="2"' if required else "")


def _yes_no(name: str, lang: str) -> str:
    return (f'<select name="{name}" data-type="boolean" required><option value="true">{t("yes", lang)}</option>'
            f'<option value="false">{t("returned" if name == "passed" else "no", lang)}</option></select>')


def forms(desk: Desk, operator: Operator, view: ComplaintView, n: Names, more: list[str] | None = None) -> str:
    """The step's actions the viewer may take, then `more` (redress and working with other departments)."""
    lang = n.lang
    base = f"/v1/complaints/{view.complaint_id}"
    owner = view.owner_id == operator.agent_id
    lead = operator.leads(view.department)  # as require_lead and require_owner_or_lead decide
    found: list[str] = []
    if view.awaiting == Stage.ACCEPTANCE and owner:
        found.append(form("accept", f"{base}/accept", t("accept", lang), "", lang))
    if lead and (view.awaiting == Stage.ASSIGNMENT or (view.awaiting == Stage.ACCEPTANCE and not owner)):
        agents = [(a.id, n.agent(a.id)) for a in desk.policy.agents
                  if view.department in a.departments and a.capacity > 0]
        found.append(form("assign", f"{base}/assign", t("assign", lang),
                          field(t("agent", lang), select("agent_id", agents)), lang))
    if view.awaiting in (Stage.RESOLUTION, Stage.TRACKING) and (owner or lead):
        causes = desk.policy.root_causes_for(view.category or "") if view.category else []
        outcomes = ("resolved", "temporary_measure", "deferred")
        fields = (field(t("outcome", lang), select("outcome", [(o, n("outcome", o)) for o in outcomes]))
                  + field(t("root_cause", lang), select("root_cause", [(c, n("root_cause", c))
                                                                         for c in causes or ["other"]]))
                  + field(t("what_was_done", lang), _text("actions"))
                  + field(t("evidence", lang), _text("evidence", required=False))
                  + field(t("plan", lang), '<input name="plan">')
                  + field(t("expected_by", lang), '<input name="expected_by" type="date">'))
        found.append(form("resolve", f"{base}/resolve", t("resolve", lang), fields, lang))
    if view.awaiting == Stage.TRACKING and (owner or lead):
        fields = (field(t("note", lang), _text("note"))
                  + field(t("expected", lang), '<input name="expected_by" type="date">'))
        found.append(form("follow-up", f"{base}/follow-ups", t("tracking", lang), fields, lang))
    if view.awaiting == Stage.QUALITY_CHECK and lead and not owner:
        fields = field(t("passed", lang), _yes_no("passed", lang)) + field(t("reason", lang), _text("reason", False))
        found.append(form("quality-check", f"{base}/quality-check", t("quality_check", lang), fields, lang))
    if view.awaiting == Stage.CONFIRMATION and (owner or lead):
        answers = ("fixed", "not_fixed", "unreachable", "customer_busy")
        fields = (field(t("outcome", lang), select("outcome", [(o, n("outcome", o)) for o in answers]))
                  + field(t("note", lang), '<input name="note">'))
        found.append(form("callback", f"{base}/callbacks", t("callback", lang), fields, lang))
    if view.awaiting == Stage.REVIEW and lead:
        fields = (field(t("reason", lang), _text("cause")) + field(t("what_was_done", lang), _text("action"))
                  + field(t("reopen_it", lang), _yes_no("reopen", lang)))
        found.append(form("review", f"{base}/review", t("review", lang), fields, lang))
    if view.awaiting in (Stage.ACCEPTANCE, Stage.RESOLUTION, Stage.ASSIGNMENT) and (owner or lead):
        departments = [(d.id, n("department", d.id)) for d in desk.policy.departments]
        fields = (field(t("to_department", lang), select("department", departments, required=False))
                  + field(t("to_agent", lang), '<input name="agent_id" maxlength="64">')
                  + field(t("reason", lang), '<input name="reason" required minlength="2">'))
        found.append(form("transfer", f"{base}/transfer", t("transfer", lang), fields, lang))
    pending = [p.kind for p in view.promises if p.state == PromiseState.PENDING and p.kind != PromiseKind.ACKNOWLEDGE]
    if pending and (owner or lead):
        fields = (field(t("kind", lang), select("kind", [(k, n("promise", k)) for k in dict.fromkeys(pending)]))
                  + field(t("new_due", lang), '<input name="due_at" type="datetime-local" required>')
                  + field(t("reason", lang), '<input name="reason" required minlength="2">'))
        found.append(form("extend", f"{base}/promises/{{kind}}/extend", t("extend", lang), fields, lang))
    if view.status == Status.FAILED and operator.oversees(view.department or desk.policy.triage.department):
        found.append(form("redrive", f"{base}/redrive", t("redrive", lang),
                          f'<p class="hint">{t("redrive_hint", lang)}</p>', lang))
    found += more or []
    body = "".join(found) or f'<p>{t("none_now", lang)}</p>'
    return f'<section aria-labelledby="act" class="actions"><h2 id="act">{t("actions", lang)}</h2>{body}</section>'
