"""The commands about where the CLI points and the local stack's own controls: config, clock, tick."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from infra.cli.client import ApiError, BadSetting, DeskClient, Unreachable
from infra.cli.render import console
from infra.cli.session import current
from infra.cli.times import parse, span

clock_app = typer.Typer(help="The local stack's clock: show it, move it forward, or set it to a moment.")
UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def routed(client: DeskClient, portal: str, external_id: str, answer: dict[str, Any],
           timeout: float = 30.0) -> dict[str, Any]:
    """The portal's view of its complaint once the workflow has routed it to a human step."""
    deadline = time.monotonic() + timeout
    view = answer
    while time.monotonic() < deadline:
        view = client.portal_read(portal, external_id)
        if view.get("awaiting") or view.get("status") not in ("acknowledged", None):
            return view
        time.sleep(0.1)
    raise BadSetting(f"complaint {answer['complaint_id']} was received but not routed within {timeout:.0f} s; "
                     f"`complaints show {answer['complaint_id']}` shows where it is")


def _local_only() -> DeskClient:
    session = current()
    if not session.local:
        raise typer.BadParameter("the clock is the local stack's; a deployed desk runs on the real time")
    return session.client


def _print_clock(now: str) -> None:
    session = current()
    times = session.times()
    console.print(f"desk clock  {times.full(now)}  ({session.policy.timezone}; {parse(now):%Y-%m-%d %H:%M:%S} UTC)")


@clock_app.callback(invoke_without_command=True)
def clock_show(context: typer.Context) -> None:
    """Show the local stack's clock."""
    if context.invoked_subcommand is None:
        _print_clock(_local_only().clock())


def duration(text: str) -> timedelta:
    """`90m`, `2h`, `3d`, `1d12h`: whole numbers with s, m (or min), h, d."""
    parts = re.findall(r"(\d+)\s*(min|s|m|h|d)", text)
    if not text or not parts or re.sub(r"(\d+)\s*(min|s|m|h|d)|\s", "", text):
        raise typer.BadParameter(f"{text!r}: use whole numbers with s, m, h or d, e.g. 90m, 3d or 1d12h")
    return timedelta(seconds=sum(int(n) * UNITS[unit] for n, unit in parts))


@clock_app.command("advance")
def clock_advance(by: Annotated[str, typer.Argument(help="e.g. 90m, 2h, 3d, 1d12h")]) -> None:
    """Move the local stack's clock forward (days pass in seconds)."""
    _print_clock(_local_only().advance_clock(duration(by).total_seconds()))


@clock_app.command("set")
def clock_set(moment: Annotated[str, typer.Argument(help="ISO 8601 with its offset, e.g. 2027-09-30T17:00+08:00 "
                                                         "(without one, the desk's zone); or HH:MM, the next "
                                                         "such time of day at the desk")]) -> None:
    """Move the local stack's clock to a moment, e.g. the eve of a holiday to rehearse it, or 09:00.

    The clock moves forward only: every promise, timer and history entry already
    stored was computed from the time it showed, so going back is refused.
    """
    client = _local_only()
    zone = ZoneInfo(current().policy.timezone)
    now = client.now()
    if re.fullmatch(r"\d{1,2}:\d{2}", moment):
        hour, minute = (int(part) for part in moment.split(":"))
        if hour > 23 or minute > 59:
            raise typer.BadParameter(f"{moment!r} is not a time of day", param_hint="MOMENT")
        local = now.astimezone(zone)
        target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        target += timedelta(days=1) if target <= local else timedelta(0)
    else:
        try:
            target = datetime.fromisoformat(moment)
        except ValueError as exc:
            raise typer.BadParameter(f"{moment!r} is not an ISO 8601 time such as 2027-09-30T17:00+08:00, "
                                     "nor HH:MM", param_hint="MOMENT") from exc
        target = target if target.tzinfo else target.replace(tzinfo=zone)
    if target < now:
        times = current().times()
        exists = client.has_complaints()
        why = ("complaints exist whose promises and timers were computed from the later time"
               if exists else "the local stack's clock starts at the wall clock and only moves forward")
        hint = "" if exists else "; to rehearse an earlier day, pick its date in a later year"
        raise typer.BadParameter(f"{times.full(target)} is {span(now - target)} before the desk's clock "
                                 f"({times.full(now)}): {why}{hint}", param_hint="MOMENT")
    _print_clock(client.advance_clock((target - now).total_seconds()))


def tick() -> None:
    """Run the reminders schedule once now (local stack only)."""
    console.print_json(data=_local_only().tick())


def config() -> None:
    """Where the CLI points, who it acts as, and whether the stack answers."""
    session = current()
    client, agent = session.client, session.policy.agent(session.agent)
    try:
        now = client.clock() if session.local else None
        reachable = f"answers; desk clock {session.times().full(now)}" if now else "not a local stack"
    except Unreachable:
        reachable = "nothing answers: start it with `make run`"
    except ApiError as exc:
        reachable = f"answers, but not as a local stack ({exc.status})"
    rows = [
        ("HTTP API", client.api_url, session.sources["api_url"]),
        ("AWS endpoints", client.aws_url or "real AWS (your credentials)", session.sources["aws_url"]),
        ("stack", client.stack_name, ""),
        ("agent", session.agent + (f" ({agent.role} of {', '.join(agent.departments)})" if agent
                                   else " (not on the roster)"), session.sources["agent"]),
        ("token", "given" if client.token else "minted per agent by the stack" if session.local else "none",
         session.sources["token"] if client.token else ""),
        ("policy", f"{session.profile}, times in {'UTC' if session.utc else session.policy.timezone}", ""),
        ("stack status", reachable, ""),
    ]
    for name, value, source in rows:
        console.print(f"{name:<14} {value}" + (f"  [dim](from {source})[/dim]" if source else ""), soft_wrap=True)
    console.print("roster         " + ", ".join(f"{a.id} ({a.role}: {', '.join(a.departments)})"
                                                for a in session.policy.agents), soft_wrap=True)
