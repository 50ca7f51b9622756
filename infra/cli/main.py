"""`complaints`: the operators' command line, against the local stack or a deployed one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from complaints.core.enums import Role
from infra.cli.client import LOCAL_API, LOCAL_AWS, LOCAL_STACK, ApiError, DeskClient
from infra.cli.render import complaints_table, console, history_table, show_complaint, summary_table

app = typer.Typer(help="Follow and act on complaints.", no_args_is_help=True)
state: dict[str, object] = {}


@app.callback()
def main(
    api_url: Annotated[str, typer.Option(envvar="COMPLAINTS_API_URL", help="HTTP API base URL")] = LOCAL_API,
    aws_url: Annotated[str, typer.Option(envvar="COMPLAINTS_AWS_URL",
                                         help="AWS endpoint (the local stack's); empty for real AWS")] = LOCAL_AWS,
    stack: Annotated[str, typer.Option(envvar="COMPLAINTS_STACK", help="stack name")] = LOCAL_STACK,
    agent: Annotated[str, typer.Option(envvar="COMPLAINTS_AGENT", help="acting agent id")] = "sup-zhao",
    token: Annotated[str | None, typer.Option(envvar="COMPLAINTS_TOKEN", help="operator bearer token")] = None,
) -> None:
    state["client"] = DeskClient(api_url=api_url.rstrip("/"), aws_url=aws_url or None, stack_name=stack,
                                 token=token)
    state["agent"] = agent


def _client() -> DeskClient:
    client = state["client"]
    assert isinstance(client, DeskClient)
    return client


def _agent() -> str:
    return str(state["agent"])


def _run(call: object) -> None:
    try:
        result = call() if callable(call) else call
    except ApiError as exc:
        console.print(f"[red]refused[/red] {exc}")
        raise typer.Exit(1) from exc
    if result is not None:
        console.print_json(json.dumps(result, ensure_ascii=False))


@app.command()
def submit(body: Annotated[Path, typer.Argument(help="JSON file with the webhook body")],
           portal: Annotated[str, typer.Option(help="portal id")] = "demo-portal") -> None:
    """Deliver a complaint as a portal would."""
    _run(lambda: _client().submit(portal, json.loads(body.read_text(encoding="utf-8"))))


@app.command(name="list")
def list_(queue: Annotated[str | None, typer.Option(help="department queue")] = None,
          owner: Annotated[str | None, typer.Option(help="owner agent id (default: you)")] = None,
          status: Annotated[str | None, typer.Option(help="status filter")] = None) -> None:
    """A queue's or an owner's complaints, most urgent first."""
    try:
        page = _client().list(_agent(), queue=queue, owner=owner, status=status)
    except ApiError as exc:
        console.print(f"[red]refused[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(complaints_table(page["items"], title=f"queue {queue}" if queue else f"owner {owner or _agent()}"))


@app.command()
def show(complaint_id: str) -> None:
    """A complaint with its promises and timeline."""
    try:
        show_complaint(_client().show(complaint_id, _agent()))
    except ApiError as exc:
        console.print(f"[red]refused[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def history(complaint_id: str) -> None:
    """The workflow execution's event history, as the Step Functions console lists it."""
    console.print(history_table(complaint_id, _client().history(complaint_id)))


@app.command()
def accept(complaint_id: str) -> None:
    """Accept a complaint offered to you."""
    _run(lambda: _client().act(complaint_id, "accept", _agent()))


@app.command()
def resolve(complaint_id: str,
            root_cause: Annotated[str, typer.Option(help="one of the policy's root causes for the category")],
            actions: Annotated[str, typer.Option(help="what was done")],
            outcome: Annotated[str, typer.Option(help="resolved | temporary_measure | deferred")] = "resolved",
            evidence: Annotated[str | None, typer.Option(help="test results, references to photos")] = None,
            plan: Annotated[str | None, typer.Option(help="deferred: the long-term fix planned")] = None,
            expected_by: Annotated[str | None, typer.Option(help="deferred: YYYY-MM-DD the fix should land")] = None,
            ) -> None:
    """Report the outcome, root cause, actions and evidence (on a tracking ticket: the planned fix landed)."""
    body = {"outcome": outcome, "root_cause": root_cause, "actions": actions, "evidence": evidence, "plan": plan,
            "expected_by": expected_by}
    _run(lambda: _client().act(complaint_id, "resolve", _agent(), {k: v for k, v in body.items() if v is not None}))


@app.command(name="quality-check")
def quality_check(complaint_id: str,
                  passed: Annotated[bool, typer.Option("--passed/--failed", help="the check's result")],
                  reason: Annotated[str | None, typer.Option(help="required when it failed")] = None) -> None:
    """Check the handling before the customer is called (supervisors)."""
    _run(lambda: _client().act(complaint_id, "quality-check", _agent(), {"passed": passed, "reason": reason}))


@app.command(name="follow-up")
def follow_up(complaint_id: str, note: Annotated[str, typer.Option()],
              expected_by: Annotated[str | None, typer.Option(help="a new planned date, YYYY-MM-DD")] = None) -> None:
    """Record progress on a tracking ticket."""
    _run(lambda: _client().act(complaint_id, "follow-ups", _agent(), {"note": note, "expected_by": expected_by}))


@app.command()
def callback(complaint_id: str,
             outcome: Annotated[str, typer.Option(help="fixed | not_fixed | unreachable | customer_busy")],
             note: Annotated[str | None, typer.Option(help="what the customer said")] = None) -> None:
    """Record a verification call to the customer."""
    _run(lambda: _client().act(complaint_id, "callbacks", _agent(), {"outcome": outcome, "note": note}))


@app.command()
def appeal(complaint_id: str, reason: Annotated[str, typer.Option()]) -> None:
    """Record a customer's appeal (申诉) of a closed complaint taken on the hotline."""
    _run(lambda: _client().act(complaint_id, "appeal", _agent(), {"reason": reason}))


@app.command()
def assign(complaint_id: str, agent_id: str) -> None:
    """Assign an owner by hand (supervisors)."""
    _run(lambda: _client().act(complaint_id, "assign", _agent(), {"agent_id": agent_id}))


@app.command()
def review(complaint_id: str, cause: Annotated[str, typer.Option()], action: Annotated[str, typer.Option()],
           reopen: Annotated[bool, typer.Option(help="reopen the complaint to its owner")] = False) -> None:
    """Recover a low survey score: the cause, the action, and whether to reopen (supervisors)."""
    _run(lambda: _client().act(complaint_id, "review", _agent(), {"cause": cause, "action": action,
                                                                 "reopen": reopen}))


@app.command()
def survey(token: str, score: Annotated[int, typer.Option(min=1, max=10)],
           comment: Annotated[str | None, typer.Option()] = None,
           result: Annotated[str | None, typer.Option(help="satisfied | neutral | unsatisfied")] = None) -> None:
    """Answer a survey link as the customer would."""
    ratings = {"result": result} if result else {}
    _run(lambda: _client().answer_survey(token, score, comment, **ratings))


@app.command()
def confirm(token: str, outcome: Annotated[str, typer.Option(help="fixed | not_fixed")]) -> None:
    """Answer a confirmation link as the customer would."""
    _run(lambda: _client().confirm(token, outcome))


@app.command()
def report(start: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
           end: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
           csv: Annotated[bool, typer.Option("--csv", help="CSV rows (section,item,value) on stdout")] = False,
           verification: Annotated[bool, typer.Option(help="only how complaints ended, as JSON")] = False) -> None:
    """The summary a complaint manager reports: volumes, promises, fixes, repeats, satisfaction, hotspots."""
    if verification:
        _run(lambda: _client().report(_agent(), start, end))
        return
    try:
        if csv:
            typer.echo(_client().summary_csv(_agent(), start, end), nl=False)
            return
        rows = _client().summary(_agent(), start, end)
    except ApiError as exc:
        console.print(f"[red]refused[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(summary_table(rows))


clock_app = typer.Typer(help="The local stack's clock: show it, or move it forward.")
app.add_typer(clock_app, name="clock")


@clock_app.callback(invoke_without_command=True)
def clock_show(context: typer.Context) -> None:
    """Show the local stack's clock."""
    if context.invoked_subcommand is None:
        _run(lambda: {"now": _client().advance_clock(0)})


@clock_app.command("advance")
def clock_advance(by: Annotated[str, typer.Argument(help="e.g. 90m, 2h, 3d")]) -> None:
    """Move the local stack's clock forward (days pass in seconds)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not by or by[-1] not in units or not by[:-1].isdigit():
        raise typer.BadParameter("use a whole number with s, m, h or d, e.g. 3d")
    _run(lambda: {"now": _client().advance_clock(int(by[:-1]) * units[by[-1]])})


@app.command()
def tick() -> None:
    """Run the reminders schedule once now (local stack only)."""
    _run(lambda: _client().tick())


@app.command()
def classify(text: str,
             service: Annotated[str | None, typer.Option(help="mobile_voice, mobile_data, broadband, ...")] = None,
             channel: Annotated[str, typer.Option(help="intake channel")] = "hotline",
             vip: Annotated[bool, typer.Option(help="the customer is a VIP")] = False,
             profile: Annotated[str, typer.Option(help="policy profile")] = "telecom",
             as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
             explain: Annotated[bool, typer.Option("--explain",
                                                   help="show the phrase rules' evidence and the model's "
                                                        "strongest features behind the answer")] = False) -> None:
    """Classify a text without starting anything, to check the classifier by hand."""
    from complaints.core.enums import Channel, Service
    from complaints.core.policy import load_policy
    from complaints.triage.classifier import text_classifier

    classifier = text_classifier(load_policy(profile))
    named = Service(service) if service else None
    if explain:
        reasons = classifier.explain(text, named)
        if as_json:
            print(json.dumps(reasons, ensure_ascii=False, indent=2))
        else:
            console.print(reasons)
        return
    result = classifier.classify(text, service=named, channel=Channel(channel), vip=vip)
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        console.print(result.model_dump())


@app.command()
def agents() -> None:
    """The roster: departments, skills, areas, shift and capacity of every agent."""
    roster = _client()._call("GET", "/v1/admin/agents", agent=_agent())
    table = Table(title="agents")
    for column in ("id", "name", "role", "departments", "skills", "areas", "shift", "capacity"):
        table.add_column(column)
    for a in roster:
        table.add_row(a["id"], a["name"], a["role"], ",".join(a["departments"]), ",".join(a["skills"]),
                      ",".join(a["areas"]), a["shift"], str(a["capacity"]))
    console.print(table)


@app.command(name="agent-set")
def agent_set(agent_id: str,
              name: Annotated[str, typer.Option()],
              departments: Annotated[str, typer.Option(help="comma-separated department ids")],
              capacity: Annotated[int, typer.Option(min=0)],
              role: Annotated[str, typer.Option()] = "agent",
              shift: Annotated[str, typer.Option(help="always or HH:MM-HH:MM")] = "always",
              skills: Annotated[str, typer.Option(help="comma-separated category patterns")] = "*",
              areas: Annotated[str, typer.Option(help="comma-separated area patterns")] = "*") -> None:
    """Add or change an agent (managers)."""
    body = {"name": name, "role": role, "departments": departments.split(","), "capacity": capacity,
            "shift": shift, "skills": skills.split(","), "areas": areas.split(",")}
    _run(lambda: _client()._call("PUT", f"/v1/admin/agents/{agent_id}", agent=_agent(), json=body))


@app.command("dev-token")
def dev_token(
    agent: Annotated[str, typer.Option("--agent", help="the agent id the token names")],
    role: Annotated[Role | None, typer.Option("--role", help="default: the agent's role on the roster")] = None,
    minutes: Annotated[int, typer.Option(min=1, max=720, help="how long the token is valid")] = 60,
) -> None:
    """Print a JWT for an operator, signed with the local stack's development key.

    Use it as COMPLAINTS_TOKEN or an Authorization: Bearer header against the local stack.
    """
    try:
        token = _client().dev_token(agent, role.value if role else None, ttl_seconds=minutes * 60)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    typer.echo(token)


if __name__ == "__main__":
    app()
