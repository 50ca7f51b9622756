"""The assessment (考核) of each agent and each department over a period.

What the desk holds its people to: acceptances missed, promises kept and
missed by kind, reopens, transfers and the passing-around flags among them,
the survey's mean score, low scores and satisfied answers (by the profile's
threshold), and the compensation paid. Each figure is counted when it happens,
against the department the complaint was in and the agent who owned it then
(a transfer against whoever passed it on; an acceptance missed against the
agent who missed it), in the same transaction as the change
(``counting.assess_key``); the report reads one item a day. A department's line
is the sum of its agents' and of what happened while nobody owned the complaint.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, computed_field

from complaints.core.access import Operator
from complaints.core.policy import Policy
from complaints.desk.context import Desk
from complaints.reporting.counting import ASSESS
from complaints.reporting.periods import check_period, csv_cell, days_of, ratio

# The figures every line has, in the order the CSV and the console show them.
FIGURES = ("acceptances_missed", "promises_kept", "promises_missed", "reopened", "transfers", "passing_around",
           "surveyed", "mean_score", "low_scores", "satisfied", "satisfaction_rate", "compensation")


class PromiseTally(BaseModel):
    kept: int = 0
    missed: int = 0


class AssessmentLine(BaseModel):
    department: str
    agent_id: str | None = None  # None: the department's line
    acceptances_missed: int = 0
    promises: dict[str, PromiseTally] = {}  # by kind
    reopened: int = 0
    transfers: int = 0  # transfers out, made by the agent (from the department)
    passing_around: int = 0  # of which flagged as passing around (推诿)
    surveyed: int = 0
    score_sum: int = 0
    low_scores: int = 0  # below the profile's low score, or an unsatisfied result: each a recovery task
    satisfied: int = 0  # at or above the profile's satisfied threshold
    compensation: Decimal = Decimal("0.00")  # compensation, refunds and fee adjustments granted; disputes settled

    @computed_field  # type: ignore[prop-decorator]
    @property
    def promises_kept(self) -> int:
        return sum(t.kept for t in self.promises.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def promises_missed(self) -> int:
        return sum(t.missed for t in self.promises.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def mean_score(self) -> float | None:
        return round(self.score_sum / self.surveyed, 2) if self.surveyed else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(self.satisfied, self.surveyed)

    def figure(self, name: str) -> object:
        return getattr(self, name)

    def add(self, figure: str, value: int, policy: Policy) -> None:
        name, _, detail = figure.partition(":")
        if name in ("promise_kept", "promise_missed"):
            tally = self.promises.setdefault(detail, PromiseTally())
            setattr(tally, name.removeprefix("promise_"), getattr(tally, name.removeprefix("promise_")) + value)
        elif name == "score":
            self.satisfied += value if detail.isdigit() and policy.survey.satisfied(int(detail)) else 0
        elif name == "compensation_cents":
            self.compensation = (self.compensation + Decimal(value) / 100).quantize(Decimal("0.01"))
        elif name == "acceptance_missed":
            self.acceptances_missed += value
        elif name in ("reopened", "transfers", "passing_around", "surveyed", "score_sum", "low_scores"):
            setattr(self, name, getattr(self, name) + value)


class AssessmentReport(BaseModel):
    start: date
    end: date
    currency: str
    satisfied_from: int
    low_score_below: int
    departments: list[AssessmentLine]
    agents: list[AssessmentLine]  # one line per agent and department they were assessed in


def assessment(desk: Desk, operator: Operator, start: date, end: date) -> AssessmentReport:
    """Managers see every department; a supervisor the departments they lead."""
    check_period(operator, start, end)
    policy = desk.policy
    departments: dict[str, AssessmentLine] = {}
    agents: dict[tuple[str, str], AssessmentLine] = {}
    for counters in desk.reports.days(days_of(start, end)).values():
        for key, value in counters.items():
            if not key.startswith(ASSESS):
                continue
            department, agent, figure = key[len(ASSESS):].split("|", 2)
            if not operator.oversees(department):
                continue
            departments.setdefault(department, AssessmentLine(department=department)).add(figure, value, policy)
            if agent:
                line = agents.setdefault((department, agent), AssessmentLine(department=department, agent_id=agent))
                line.add(figure, value, policy)
    return AssessmentReport(start=start, end=end, currency=policy.redress.currency,
                            satisfied_from=policy.survey.satisfied_from,
                            low_score_below=policy.survey.low_score_below,
                            departments=[departments[k] for k in sorted(departments)],
                            agents=[agents[k] for k in sorted(agents)])


def _cell(value: object) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def assessment_csv(report: AssessmentReport, name: Callable[[str, str | None], str] | None = None) -> str:
    """One row per department, then per agent: the figures, then kept and missed for each promise kind.

    With name (kind, key), the department's and the agent's names follow their ids.
    """
    kinds = sorted({kind for line in [*report.departments, *report.agents] for kind in line.promises})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["scope", "department", "agent_id", *(["department_name", "agent_name"] if name else []),
              *[f"compensation_{report.currency}" if f == "compensation" else f for f in FIGURES],
              *[f"{state}:{kind}" for kind in kinds for state in ("kept", "missed")]]
    writer.writerow(header)
    for scope, lines in (("department", report.departments), ("agent", report.agents)):
        for line in lines:
            names = [name("department", line.department), name("agent", line.agent_id)] if name else []
            promises = [getattr(line.promises.get(kind, PromiseTally()), state)
                        for kind in kinds for state in ("kept", "missed")]
            row = [scope, line.department, line.agent_id or "", *names, *[line.figure(f) for f in FIGURES], *promises]
            writer.writerow([csv_cell(_cell(cell)) for cell in row])
    return buffer.getvalue()
