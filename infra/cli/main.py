"""`complaints`: the operators' command line, against the local stack or a deployed one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from typer._click.core import ParameterSource

from complaints.core.enums import Role
from infra.cli import action_commands, data_commands, local_commands, location_commands, redress_commands
from infra.cli.client import LOCAL_STACK, DeskClient, local_api_url, local_aws_url
from infra.cli.render import (
    assessment_table,
    complaints_table,
    console,
    executions_table,
    history_table,
    show_complaint,
    summary_table,
)
from infra.cli.session import ReadableErrors, Session, current

app = typer.Typer(help="Follow and act on complaints.", no_args_is_help=True, cls=ReadableErrors,
                  pretty_exceptions_enable=False)


def _source(context: typer.Context, name: str, env: str, fallback: str) -> str:
    source = context.get_parameter_source(name)
    if source is ParameterSource.COMMANDLINE:
        return f"--{name.replace('_', '-')}"
    if source is ParameterSource.ENVIRONMENT:
        return env
    return fallback


@app.callback()
def main(
    context: typer.Context,
    api_url: Annotated[str | None, typer.Option(envvar="COMPLAINTS_API_URL", show_default="the local stack's",
                                                help="HTTP API base URL")] = None,
    aws_url: Annotated[str | None, typer.Option(envvar="COMPLAINTS_AWS_URL", show_default="the local stack's",
                                                help="AWS endpoint; empty for real AWS")] = None,
    stack: Annotated[str, typer.Option(envvar="COMPLAINTS_STACK", help="stack name")] = LOCAL_STACK,
    agent: Annotated[str, typer.Option(envvar="COMPLAINTS_AGENT", help="acting agent id")] = "sup-zhao",
    token: Annotated[str | None, typer.Option(envvar="COMPLAINTS_TOKEN", help="operator bearer token")] = None,
    profile: Annotated[str, typer.Option(envvar="COMPLAINTS_PROFILE", help="the desk's policy profile")] = "telecom",
    utc: Annotated[bool, typer.Option("--utc", help="show times in UTC, not the desk's zone")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="show the traceback of a failure")] = False,
) -> None:
    # Without an URL, the local stack's address: from LOCAL_API_PORT / LOCAL_AWS_PORT, or their defaults.
    sources = {"api_url": _source(context, "api_url", "COMPLAINTS_API_URL", "LOCAL_API_PORT or its default"),
               "aws_url": _source(context, "aws_url", "COMPLAINTS_AWS_URL", "LOCAL_AWS_PORT or its default"),
               "agent": _source(context, "agent", "COMPLAINTS_AGENT", "default"),
               "token": _source(context, "token", "COMPLAINTS_TOKEN", "")}
    session = Session(DeskClient(api_url="", stack_name=stack, token=token, policy_profile=profile),
                      agent=agent, profile=profile, utc=utc, debug=debug, sources=sources)
    context.obj = session
    # The ports are read here, inside the group, so a bad LOCAL_API_PORT is one readable line too.
    session.client.api_url = (api_url if api_url is not None else local_api_url()).rstrip("/")
    session.client.aws_url = (aws_url if aws_url is not None else local_aws_url()) or None
    if session.local:
        session.client.token_source = "stack"  # whichever checkout started it, the stack signs its own tokens


def _client() -> DeskClient:
    return current().client


def _agent() -> str:
    return current().agent


def _act(complaint_id: str, action: str, body: dict[str, object] | None, *stages: str) -> dict[str, object]:
    """Act once the workflow waits for this step: it moves on a moment after the previous command answered.

    Bounded: if it does not get there, the action is sent anyway and the desk's refusal says why.
    """
    client, agent = _client(), _agent()
    try:
        client.wait_for(complaint_id, agent, awaiting=stages, timeout=5.0)
    except TimeoutError:
        pass
    return client.act(complaint_id, action, agent, body)


def _run(call: object) -> None:
    result = call() if callable(call) else call
    if result is not None:
        console.print_json(json.dumps(result, ensure_ascii=False))


@app.command()
def submit(body: Annotated[Path, typer.Argument(help="JSON file with the webhook body", exists=True, dir_okay=False)],
           portal: Annotated[str, typer.Option(help="portal id")] = "demo-portal",
           wait: Annotated[bool, typer.Option(help="wait until the workflow has routed it (assigned or queued)")]
           = False,
           id_only: Annotated[bool, typer.Option("--id", help="print only the complaint id (implies --wait)")]
           = False) -> None:
    """Deliver a complaint as a portal would (signed)."""
    try:
        complaint = json.loads(body.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise typer.BadParameter(f"{body} is not JSON: {exc}", param_hint="BODY") from exc
    answer = _client().submit(portal, complaint)
    if wait or id_only:
        answer = local_commands.routed(_client(), portal, str(complaint.get("external_id", "")), answer)
    if id_only:
        typer.echo(answer["complaint_id"])
    else:
        _run(answer)


@app.command(name="list")
def list_(queue: Annotated[str | None, typer.Option(help="department queue")] = None,
          owner: Annotated[str | None, typer.Option(help="owner agent id (default: you)")] = None,
          status: Annotated[str | None, typer.Option(help="status filter")] = None) -> None:
    """A queue's or an owner's complaints, most urgent first."""
    page = _client().list(_agent(), queue=queue, owner=owner, status=status)
    title = f"queue {queue}" if queue else f"owner {owner or _agent()}"
    console.print(complaints_table(page["items"], title=title, times=current().times()))


@app.command()
def show(complaint_id: str,
         field: Annotated[str | None, typer.Option(help="print one field of the complaint (owner_id, status, ...)")]
         = None) -> None:
    """A complaint with its promises and timeline."""
    view = _client().show(complaint_id, _agent())
    if field is None:
        show_complaint(view, current().times())
    elif field in view:
        typer.echo("" if view[field] is None else view[field])
    else:
        raise typer.BadParameter(f"the complaint has no {field!r}; it has {', '.join(sorted(view))}",
                                 param_hint="--field")


@app.command()
def history(complaint_id: str,
            execution: Annotated[str | None, typer.Option(help="an earlier execution's name")] = None) -> None:
    """The complaint's workflow executions, and the event history of the latest (or --execution), as the Step
    Functions console lists it."""
    session = current()
    with console.status(f"reading the execution history of {complaint_id}"):
        runs = session.client.executions(complaint_id, session.agent)
        name = execution or (str(runs[-1]["name"]) if runs else complaint_id)
        events = session.client.history(name)
    caption = ("Step Functions stamps these with its own clock: on the local stack the wall clock, "
               "which `complaints clock` does not move" if session.local else None)
    if len(runs) > 1:
        console.print(executions_table(complaint_id, runs, session.times()))
    console.print(history_table(name, events, session.times(), caption))


@app.command()
def redrive(complaint_id: str) -> None:
    """Start the workflow again where the complaint stands, after its execution failed, timed out or was stopped
    (supervisors); the earlier execution stays listed in `history`."""
    _run(lambda: _client().act(complaint_id, "redrive", _agent()))


@app.command()
def accept(complaint_id: str) -> None:
    """Accept a complaint offered to you."""
    _run(lambda: _act(complaint_id, "accept", None, "acceptance"))


@app.command()
def resolve(complaint_id: str,
            root_cause: Annotated[str, typer.Option(help="one of the policy's root causes for the category")],
            actions: Annotated[str, typer.Option(help="what was done")],
            outcome: Annotated[str, typer.Option(help="resolved | temporary_measure | deferred")] = "resolved",
            evidence: Annotated[str | None, typer.Option(help="test results, references to photos")] = None,
            plan: Annotated[str | None, typer.Option(help="deferred, or with a temporary measure: the long-term fix "
                                                          "planned (opens a tracking ticket)")] = None,
            expected_by: Annotated[str | None, typer.Option(help="with the plan: YYYY-MM-DD the fix should land")]
            = None,
            plan_owner: Annotated[str | None, typer.Option(help="with the plan: the agent who sees it through")]
            = None,
            ) -> None:
    """Report the outcome, root cause, actions and evidence (on a tracking ticket: the planned fix landed)."""
    body = {"outcome": outcome, "root_cause": root_cause, "actions": actions, "evidence": evidence, "plan": plan,
            "expected_by": expected_by, "plan_owner": plan_owner}
    _run(lambda: _act(complaint_id, "resolve", {k: v for k, v in body.items() if v is not None},
                      "resolution", "tracking"))


@app.command(name="quality-check")
def quality_check(complaint_id: str,
                  passed: Annotated[bool, typer.Option("--passed/--failed", help="the check's result")],
                  reason: Annotated[str | None, typer.Option(help="required when it failed")] = None) -> None:
    """Check the handling before the customer is called (supervisors)."""
    _run(lambda: _act(complaint_id, "quality-check", {"passed": passed, "reason": reason}, "quality_check"))


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
    _run(lambda: _act(complaint_id, "callbacks", {"outcome": outcome, "note": note}, "confirmation"))


@app.command()
def reply(complaint_id: str,
          summary: Annotated[str, typer.Option(help="what the customer was told (stays on the complaint)")],
          kind: Annotated[str, typer.Option(help="how the customer was reached: call, sms, visit, email, wechat")]
          = "call",
          next_reply_at: Annotated[str | None, typer.Option(
              "--next", help="the next promised time, ISO 8601 with its offset (2026-12-03T17:00+08:00)")] = None,
          ) -> None:
    """Record a staged reply (阶段回复) to the customer, and the next promised time if one was given."""
    _run(lambda: _client().act(complaint_id, "replies", _agent(),
                               {"kind": kind, "summary": summary, "next_reply_at": next_reply_at}))


@app.command()
def book(complaint_id: str,
         start: Annotated[str, typer.Option(help="the visit window's start, ISO 8601 with its offset")],
         end: Annotated[str, typer.Option(help="the window's end")],
         customer_requested: Annotated[bool, typer.Option(
             help="the customer asked for this time (needed inside quiet hours)")] = False) -> None:
    """Book a field visit's window agreed with the customer."""
    _run(lambda: _client().act(complaint_id, "appointments", _agent(),
                               {"start": start, "end": end, "customer_requested": customer_requested}))


@app.command()
def arrive(complaint_id: str) -> None:
    """The technician arrived for the booked visit."""
    _run(lambda: _client().act(complaint_id, "arrival", _agent(), {}))


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


survey_app = typer.Typer(help="Surveys (满意度回访): a phone survey an agent recorded, or a link as the customer.",
                         no_args_is_help=True)


@survey_app.command(name="phone")
def survey_phone(complaint_id: str, score: Annotated[int, typer.Option(min=1, max=10, help="overall, 1 to 10")],
                 comment: Annotated[str | None, typer.Option()] = None,
                 attitude: Annotated[str | None, typer.Option(help="satisfied | neutral | unsatisfied")] = None,
                 speed: Annotated[str | None, typer.Option(help="satisfied | neutral | unsatisfied")] = None,
                 result: Annotated[str | None, typer.Option(help="satisfied | neutral | unsatisfied")] = None,
                 asked_at: Annotated[str | None, typer.Option(help="when you called, ISO 8601 with offset; now "
                                                                   "if left out")] = None) -> None:
    """Record the answers of a survey call you made (not on a complaint you own); once per complaint."""
    body = {"score": score, "comment": comment, "attitude": attitude, "speed": speed, "result": result,
            "asked_at": asked_at}
    _run(lambda: _client().act(complaint_id, "survey", _agent(), {k: v for k, v in body.items() if v is not None}))


@survey_app.command(name="link")
def survey_link(token: str, score: Annotated[int, typer.Option(min=1, max=10)],
                comment: Annotated[str | None, typer.Option()] = None,
                result: Annotated[str | None, typer.Option(help="satisfied | neutral | unsatisfied")] = None) -> None:
    """Answer a survey link as the customer would."""
    ratings = {"result": result} if result else {}
    _run(lambda: _client().answer_survey(token, score, comment, **ratings))


app.add_typer(survey_app, name="survey")


@app.command()
def confirm(token: str, outcome: Annotated[str, typer.Option(help="fixed | not_fixed")]) -> None:
    """Answer a confirmation link as the customer would."""
    _run(lambda: _client().confirm(token, outcome))


@app.command()
def report(what: Annotated[str | None, typer.Argument(help="causes: the root-cause report against the period "
                                                             "before, as JSON; assessment: each department's and "
                                                             "agent's figures (考核)")] = None,
           start: Annotated[str | None, typer.Option("--from", help="first day, YYYY-MM-DD",
                                                     show_default="the first of the desk's month")] = None,
           end: Annotated[str | None, typer.Option("--to", help="last day, YYYY-MM-DD",
                                                   show_default="the desk's today")] = None,
           csv: Annotated[bool, typer.Option("--csv", help="CSV rows (section,item,value) on stdout")] = False,
           verification: Annotated[bool, typer.Option(help="only how complaints ended, as JSON")] = False) -> None:
    """The summary a complaint manager reports: volumes, promises, fixes, repeats, satisfaction, hotspots."""
    if start is None or end is None:
        session = current()
        today = session.times().now.astimezone(ZoneInfo(session.policy.timezone)).date()
        end = end or today.isoformat()
        start = start or today.replace(day=1).isoformat()
    if what not in (None, "causes", "assessment"):
        raise typer.BadParameter(f"{what!r}: the named reports are causes and assessment", param_hint="WHAT")
    if what == "causes":
        _run(lambda: _client().causes(_agent(), start, end))
        return
    if what == "assessment":
        if csv:
            typer.echo(_client().summary_csv(_agent(), start, end, report="assessment"), nl=False)
        else:
            console.print(assessment_table(_client().assessment(_agent(), start, end)))
        return
    if verification:
        _run(lambda: _client().report(_agent(), start, end))
        return
    with console.status(f"reading the counters from {start} to {end}"):  # shown on a terminal only
        if csv:
            text = _client().summary_csv(_agent(), start, end)
        else:
            summary = _client().summary(_agent(), start, end)
    if csv:
        typer.echo(text, nl=False)
    else:
        console.print(summary_table(summary))


app.add_typer(local_commands.clock_app, name="clock")
app.add_typer(action_commands.action_app, name="action")
app.command()(local_commands.tick)
app.command()(local_commands.config)
app.command()(data_commands.backup)
app.command()(data_commands.restore)
app.command()(data_commands.reset)
redress_commands.register(app)
location_commands.register(app)


@app.command()
def classify(text: str,
             service: Annotated[str | None, typer.Option(help="a service the profile names")] = None,
             channel: Annotated[str, typer.Option(help="intake channel, one the profile names")] = "hotline",
             vip: Annotated[bool, typer.Option(help="the customer is a VIP")] = False,
             profile: Annotated[str, typer.Option(help="policy profile: telecom, property, hospital")] = "telecom",
             as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
             explain: Annotated[bool, typer.Option("--explain",
                                                   help="show the phrase rules' evidence and the model's "
                                                        "strongest features behind the answer")] = False) -> None:
    """Classify a text without starting anything, to check the classifier by hand."""
    from complaints.core.policy import POLICY_DIR, load_policy
    from complaints.triage.classifier import text_classifier

    if not (POLICY_DIR / f"{profile}.yaml").is_file():
        profiles = ", ".join(sorted(path.stem for path in POLICY_DIR.glob("*.yaml")))
        raise typer.BadParameter(f"no profile {profile!r}; the profiles are {profiles}", param_hint="--profile")
    policy = load_policy(profile)
    for field, problem in policy.intake_problems(channel, service, None, None):
        raise typer.BadParameter(problem, param_hint=f"--{field}")
    classifier = text_classifier(policy)
    named = service
    if explain:
        reasons = classifier.explain(text, named)
        if as_json:
            print(json.dumps(reasons, ensure_ascii=False, indent=2))
        else:
            console.print(reasons)
        return
    result = classifier.classify(text, service=named, channel=channel, vip=vip)
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
    roster = current().policy
    if roster.agent(agent) is None:
        raise typer.BadParameter(f"{agent!r} is not on the {roster.profile} roster: "
                                 f"{', '.join(a.id for a in roster.agents)}", param_hint="--agent")
    client = _client()
    client.token_source = "key"  # the key allows a chosen lifetime; the stack's sign-in always gives an hour
    typer.echo(client.dev_token(agent, role.value if role else None, ttl_seconds=minutes * 60))


if __name__ == "__main__":
    app()
