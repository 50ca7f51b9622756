"""Redress and working across departments: compensation and apologies, consultations, assists, returns."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from infra.cli.render import console
from infra.cli.session import current


def _act(complaint_id: str, action: str, body: dict[str, Any]) -> None:
    session = current()
    answer = session.client.act(complaint_id, action, session.agent, {k: v for k, v in body.items() if v is not None})
    console.print_json(json.dumps(answer, ensure_ascii=False))


def redress(complaint_id: str,
            kind: Annotated[str, typer.Option(help="compensation | refund | fee_adjustment | apology | explanation")],
            reason: Annotated[str, typer.Option(help="why; for an apology or an explanation, what the customer "
                                                     "is told")],
            amount: Annotated[str | None, typer.Option(help="money kinds: the amount, e.g. 150.00")] = None,
            form: Annotated[str | None, typer.Option(help="apology: written | phone | visit")] = None) -> None:
    """Record redress (补救); an amount above your limit waits for a lead's approval."""
    _act(complaint_id, "redress", {"kind": kind, "reason": reason, "amount": amount, "form": form})


def redress_decide(complaint_id: str, redress_id: str,
                   approved: Annotated[bool, typer.Option("--approve/--refuse", help="the decision")],
                   note: Annotated[str | None, typer.Option(help="required when refused")] = None) -> None:
    """Approve or refuse redress above its recorder's limit (a lead whose limit covers it)."""
    _act(complaint_id, f"redress/{redress_id}/decision", {"approved": approved, "note": note})


def consult(complaint_id: str, department: Annotated[str, typer.Option(help="the department asked")],
            question: Annotated[str, typer.Option()]) -> None:
    """Ask another department a question, answered within the policy's limit."""
    _act(complaint_id, "consults", {"department": department, "question": question})


def consult_answer(complaint_id: str, consult_id: str, answer: Annotated[str, typer.Option()]) -> None:
    """Answer a consultation asked of your department."""
    _act(complaint_id, f"consults/{consult_id}/answer", {"answer": answer})


def assist(complaint_id: str, department: Annotated[str, typer.Option(help="the department that assists")],
           task: Annotated[str, typer.Option(help="the part of the work it does")],
           owner: Annotated[str | None, typer.Option(help="an agent of that department; else its supervisor")]
           = None) -> None:
    """Have another department do part of the work; the complaint cannot be resolved until it is done."""
    _act(complaint_id, "assists", {"department": department, "task": task, "owner": owner})


def assist_done(complaint_id: str, assist_id: str, result: Annotated[str, typer.Option()]) -> None:
    """Report an assist's part of the work done."""
    _act(complaint_id, f"assists/{assist_id}/done", {"result": result})


def return_(complaint_id: str,
            reason: Annotated[str, typer.Option(help="not_ours | incomplete | duplicate")],
            note: Annotated[str, typer.Option(help="what the dispatcher should know")]) -> None:
    """Return the complaint to the dispatcher (退单) with a reason."""
    _act(complaint_id, "return", {"reason": reason, "note": note})


def register(app: typer.Typer) -> None:
    app.command()(redress)
    app.command(name="redress-decide")(redress_decide)
    app.command()(consult)
    app.command(name="consult-answer")(consult_answer)
    app.command()(assist)
    app.command(name="assist-done")(assist_done)
    app.command(name="return")(return_)
