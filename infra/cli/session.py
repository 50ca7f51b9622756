"""What one `complaints` invocation is pointed at, and how its failures are told.

The local stack's address comes from the same variables the stack reads
(LOCAL_API_PORT, LOCAL_AWS_PORT); COMPLAINTS_API_URL / COMPLAINTS_AWS_URL or
the options point the CLI anywhere else. `complaints config` shows the result
and where each value came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import typer
from typer._click.core import Context
from typer._click.globals import get_current_context  # typer carries its own click; contexts are that click's
from typer.core import TyperGroup
from typer.exceptions import TyperException

from complaints.core.policy import Policy, load_policy
from infra.cli.client import LOCAL_HOST, DeskClient
from infra.cli.errors import Who, explain
from infra.cli.times import Times


@dataclass
class Session:
    client: DeskClient
    agent: str
    profile: str
    utc: bool = False
    debug: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.client.api_url.startswith((f"http://{LOCAL_HOST}:", "http://localhost:"))

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.profile)

    @property
    def who(self) -> Who:
        return Who(self.agent, self.policy, self.local)

    def times(self) -> Times:
        """The desk's zone (or UTC), and its present: the local stack's clock, which may have been moved."""
        return Times.desk(self.policy.timezone, self.client.now() if self.local else datetime.now(UTC), utc=self.utc)


def current() -> Session:
    session = get_current_context().find_root().obj
    assert isinstance(session, Session), "the callback sets up the session"
    return session


class ReadableErrors(TyperGroup):
    """Turns any failure the user can act on into one line on stderr; `--debug` keeps the traceback."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:
            session = ctx.obj if isinstance(ctx.obj, Session) else None
            if session is None or session.debug:
                raise
            line = explain(exc, session.who)
            if line is None:
                raise
            typer.echo(f"complaints: {line}", err=True)
            raise typer.Exit(1) from exc
