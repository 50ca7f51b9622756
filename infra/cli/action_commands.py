"""Corrective actions (整改): `complaints action open | list | show | done | cancel`."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from infra.cli.render import console
from infra.cli.session import current

action_app = typer.Typer(help="Corrective actions (整改) opened from a cause and followed until done.",
                         no_args_is_help=True)


def _show(answer: Any) -> None:
    console.print_json(json.dumps(answer, ensure_ascii=False))


@action_app.command(name="open")
def open_(root_cause: Annotated[str, typer.Option(help="the cause it answers, one of the policy's root causes")],
          action: Annotated[str, typer.Option(help="what is to be done")],
          owner: Annotated[str, typer.Option(help="the agent who sees it done")],
          due: Annotated[str, typer.Option(help="YYYY-MM-DD it is to be done by")],
          complaint: Annotated[list[str] | None, typer.Option(help="a complaint of the cause it answers; "
                                                                   "repeat for more")] = None,
          category: Annotated[str | None, typer.Option(help="narrow the cause to one category")] = None,
          area: Annotated[str | None, typer.Option(help="narrow it to one area")] = None,
          department: Annotated[str | None, typer.Option(help="narrow it to one department's complaints")] = None,
          ) -> None:
    """Open a corrective action from a cause (managers)."""
    session = current()
    body = {"root_cause": root_cause, "action": action, "owner": owner, "due": due,
            "complaint_ids": complaint or [], "category": category, "area": area, "department": department}
    _show(session.client.corrective("POST", session.agent, body={k: v for k, v in body.items() if v is not None}))


@action_app.command(name="list")
def list_(status: Annotated[str | None, typer.Option(help="open | overdue | done | cancelled")] = None) -> None:
    """Corrective actions, open and overdue first (yours, unless you lead a department)."""
    session = current()
    _show(session.client.corrective("GET", session.agent, params={"status": status} if status else None))


@action_app.command()
def show(action_id: str) -> None:
    """One corrective action with its history."""
    session = current()
    _show(session.client.corrective("GET", session.agent, f"/{action_id}"))


@action_app.command()
def done(action_id: str, result: Annotated[str, typer.Option(help="what was done")]) -> None:
    """Report a corrective action done (its owner, or a manager)."""
    session = current()
    _show(session.client.corrective("POST", session.agent, f"/{action_id}/done", body={"result": result}))


@action_app.command()
def cancel(action_id: str, reason: Annotated[str, typer.Option()]) -> None:
    """Cancel a corrective action, with the reason (managers)."""
    session = current()
    _show(session.client.corrective("POST", session.agent, f"/{action_id}/cancel", body={"reason": reason}))
