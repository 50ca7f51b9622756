"""Rich renderings of complaints, timelines and execution histories."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from infra.cli.times import Times

console = Console()
if not console.is_terminal:
    console.width = 140  # logs and CI: wide enough for the tables

_HISTORY_DETAIL_KEYS = ("stateEnteredEventDetails", "stateExitedEventDetails", "taskScheduledEventDetails",
                        "taskFailedEventDetails", "executionFailedEventDetails", "lambdaFunctionFailedEventDetails")


def complaints_table(items: list[dict[str, Any]], title: str, times: Times) -> Table:
    table = Table(title=title)
    for column in ("complaint", "status", "awaiting", "category", "priority", "department", "owner", "next due"):
        table.add_column(column)
    for item in items:
        table.add_row(item["complaint_id"], item["status"], item.get("awaiting") or "", item.get("category") or "",
                      item.get("priority") or "", item.get("department") or "", item.get("owner_id") or "",
                      times.due(item.get("next_due_at")))
    return table


def show_complaint(view: dict[str, Any], times: Times) -> None:
    console.print(f"[bold]{view['complaint_id']}[/bold]  {view['status']}"
                  + (f" (awaiting {view['awaiting']})" if view.get("awaiting") else "")
                  + f"  {view.get('category') or '-'} / {view.get('priority') or '-'}"
                  + f"  owner {view.get('owner_id') or '-'} in {view.get('department') or '-'}")
    console.print(f"  customer {view['customer_name']} {view['customer_phone_masked']}"
                  + (" VIP" if view.get("vip") else "") + f" via {view['channel']}: {view['text']}")
    promises = Table(title="promises", show_edge=False)
    for column in ("kind", "due", "state"):
        promises.add_column(column)
    for promise in view.get("promises", []):
        due = times.due(promise["due_at"]) if promise["state"] == "pending" else times.at(promise["due_at"])
        promises.add_row(promise["kind"], due, promise["state"])
    console.print(promises)
    console.print(timeline_table(view, times))


def timeline_table(view: dict[str, Any], times: Times) -> Table:
    table = Table(title=f"timeline of {view['complaint_id']}", show_edge=False)
    for column in ("at", "event", "by", "detail"):
        table.add_column(column)
    for event in view.get("timeline", []):
        detail = ", ".join(f"{k}={v}" for k, v in (event.get("detail") or {}).items())
        table.add_row(times.full(event["at"]), event["type"], event["actor"], detail)
    return table


def _step(details: dict[str, Any]) -> str:
    if details.get("name"):
        return str(details["name"])
    if details.get("resourceType"):
        return f"{details['resourceType']}:{details.get('resource', '')}"
    return str(details.get("error", ""))


def history_table(complaint_id: str, events: list[dict[str, Any]], times: Times, caption: str | None = None) -> Table:
    """The execution's events as the Step Functions console lists them."""
    table = Table(title=f"execution history of {complaint_id}", caption=caption)
    for column in ("id", "type", "step", "time"):
        table.add_column(column)
    for event in events:
        step = next((_step(event[key]) for key in _HISTORY_DETAIL_KEYS if event.get(key)), "")
        table.add_row(str(event["id"]), event["type"], step, times.full(event["timestamp"]))
    return table


def executions_table(complaint_id: str, runs: list[dict[str, Any]], times: Times) -> Table:
    """The complaint's executions, oldest first: the last is the one that goes on."""
    table = Table(title=f"executions of {complaint_id}")
    for column in ("execution", "status", "started", "by", "how"):
        table.add_column(column)
    for n, run in enumerate(runs):
        latest = " (latest)" if n == len(runs) - 1 else ""
        how = str(run["kind"]) + (f" from {run['resume']}" if run.get("resume") else "")
        table.add_row(f"{run['name']}{latest}", str(run.get("status", "")), times.full(run["started_at"]),
                      str(run["by"]), how)
    return table


def summary_table(report: dict[str, Any]) -> Table:
    """The managers' summary as one table of (section, item, value), as the CSV has it."""
    from complaints.reporting.reports import SummaryReport, summary_rows

    table = Table(title=f"complaints {report['start']} to {report['end']}")
    for column in ("section", "item", "value"):
        table.add_column(column, justify="right" if column == "value" else "left")
    section = ""
    for name, item, value in summary_rows(SummaryReport.model_validate(report)):
        table.add_row(name if name != section else "", item, value)
        section = name
    return table


def assessment_table(report: dict[str, Any]) -> Table:
    """The assessment (考核): a row per department, then per agent, with the figures the CSV has."""
    from complaints.reporting.assessment import FIGURES

    table = Table(title=f"assessment {report['start']} to {report['end']} (satisfied from "
                        f"{report['satisfied_from']}, compensation in {report['currency']})")
    table.add_column("department")
    table.add_column("agent")
    short = {"acceptances_missed": "acc. missed", "promises_kept": "kept", "promises_missed": "missed",
             "passing_around": "passing around", "satisfaction_rate": "satisfied %", "compensation": "paid"}
    for figure in FIGURES:
        table.add_column(short.get(figure, figure.replace("_", " ")), justify="right")
    for line in [*report["departments"], *report["agents"]]:
        values = ["" if line[f] is None else str(line[f]) for f in FIGURES]
        table.add_row(line["department"], line["agent_id"] or "(all)", *values)
    return table
