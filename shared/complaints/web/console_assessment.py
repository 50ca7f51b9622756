"""The assessment (考核) on the console's reports page: each department's and agent's figures over the period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from complaints.core.access import Operator
from complaints.core.policy import Policy
from complaints.desk.context import Desk
from complaints.reporting import assessment
from complaints.reporting.assessment import AssessmentLine
from complaints.web.console_text import Names, t

_WORDS: dict[str, tuple[str, str]] = {
    "assessment": ("考核", "Assessment"),
    "assessment_departments": ("部门考核", "By department"),
    "assessment_agents": ("个人考核", "By agent"),
    "agent": ("人员", "Agent"),
    "acceptances_missed": ("超时未接单", "Acceptances missed"),
    "promises_kept": ("承诺履约", "Promises kept"),
    "promises_missed": ("承诺超时", "Promises missed"),
    "reopened": ("重新处理", "Reopened"),
    "transfers": ("转派", "Transfers"),
    "passing_around": ("推诿标记", "Passing around"),
    "surveyed": ("参评数", "Surveyed"),
    "mean_score": ("平均分", "Mean score"),
    "low_scores": ("低分", "Low scores"),
    "satisfied": ("满意数", "Satisfied"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "compensation": ("赔付金额", "Compensation paid"),
    "export_assessment": ("导出考核 CSV", "Export the assessment as CSV"),
    "rule": ("满意：{s} 分及以上；低分：{l} 分以下或结果不满意", "Satisfied: {s} or more; low: below {l} or an "
                                                              "unsatisfied result"),
}


def w(key: str, lang: str) -> str:
    zh, en = _WORDS[key]
    return zh if lang == "zh-CN" else en


def staff_name(policy: Policy, lang: str) -> Callable[[str, str | None], str]:
    """A department's or an agent's name, for the assessment CSV (not escaped: CSV)."""
    def name(kind: str, key: str | None) -> str:
        if kind == "department":
            return policy.label("department", key, lang)
        known = policy.agent(key) if key else None
        return known.name if known else (key or "")

    return name


def _shown(line: AssessmentLine, figure: str, currency: str, n: Names) -> str:
    value = line.figure(figure)
    if value is None:
        return "—"
    if figure == "satisfaction_rate":
        return f"{float(str(value)):.0%}"
    if figure == "compensation":
        return f"{value:.2f} {escape(currency)}" if line.compensation else "0"
    if figure in ("promises_kept", "promises_missed") and value:
        state = figure.removeprefix("promises_")
        kinds = ("、" if n.lang == "zh-CN" else ", ").join(f"{n('promise', kind)} {getattr(tally, state)}"
                         for kind, tally in sorted(line.promises.items()) if getattr(tally, state))
        return f"{value} <small>（{kinds}）</small>" if n.lang == "zh-CN" else f"{value} <small>({kinds})</small>"
    return escape(str(value))


def section(desk: Desk, operator: Operator, start: date, end: date, n: Names) -> str:
    """Two tables (departments, then agents) and the rule the scores follow; the CSV export beside them."""
    lang = n.lang
    report = assessment.assessment(desk, operator, start, end)
    figures = list(assessment.FIGURES)
    header = "".join(f'<th scope="col">{w(f, lang)}</th>' for f in figures)

    def table(title: str, lines: list[AssessmentLine], first: str, label: Callable[[AssessmentLine], str]) -> str:
        if not lines:
            return f"<h3>{title}</h3><p>{t('none', lang)}</p>"
        rows = "".join(
            f'<tr data-department="{escape(line.department)}" data-agent="{escape(line.agent_id or "")}">'
            f'<td data-label="{first}">{label(line)}</td>'
            + "".join(f'<td data-label="{w(f, lang)}" data-figure="{f}">{_shown(line, f, report.currency, n)}</td>'
                      for f in figures) + "</tr>" for line in lines)
        return (f'<h3>{title}</h3><table class="stack"><thead><tr><th scope="col">{first}</th>{header}</tr></thead>'
                f"<tbody>{rows}</tbody></table>")

    query = f"from={start.isoformat()}&amp;to={end.isoformat()}&amp;lang={lang}"
    rule = w("rule", lang).format(s=report.satisfied_from, l=report.low_score_below)
    return (f'<section class="assessment"><h2>{w("assessment", lang)}</h2><p>{escape(rule)} · '
            f'<a href="#" data-download="/v1/reports/assessment.csv?{query}" '
            f'data-filename="assessment-{start}-{end}.csv">{w("export_assessment", lang)}</a></p>'
            + table(w("assessment_departments", lang), report.departments, t("department", lang),
                    lambda line: n("department", line.department))
            + table(w("assessment_agents", lang), report.agents, w("agent", lang),
                    lambda line: f"{n.agent(line.agent_id)} · {n('department', line.department)}")
            + "</section>")
