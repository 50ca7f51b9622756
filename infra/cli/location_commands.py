"""Correcting where a complaint is: the fields given are set, the others stay."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from infra.cli.render import console
from infra.cli.session import current

_NUMBERS = ("lat", "lon")  # the engine's coordinates are numbers; every other field is text


def fields_of(assignments: list[str]) -> dict[str, str | float]:
    """`building=5 unit=2` as the location's fields; a malformed one is refused before anything is sent."""
    fields: dict[str, str | float] = {}
    for given in assignments:
        name, sep, value = given.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{given!r} is not FIELD=VALUE (e.g. building=5)", param_hint="FIELDS")
        name = name.strip()
        try:
            fields[name] = float(value) if name in _NUMBERS else value
        except ValueError as exc:
            raise typer.BadParameter(f"{name} must be a number", param_hint="FIELDS") from exc
    return fields


def correct_location(
        complaint_id: str,
        fields: Annotated[list[str], typer.Argument(help="FIELD=VALUE pairs: area, address and the desk's own "
                                                         "location fields, e.g. building=5 unit=2 room=1702")],
        note: Annotated[str | None, typer.Option(help="how the right place was learnt")] = None) -> None:
    """Correct a complaint's location: the fields given are set, the others stay (the owner or a lead)."""
    session = current()
    body: dict[str, object] = {"location": fields_of(fields)}
    if note is not None:
        body["note"] = note
    answer = session.client.act(complaint_id, "location", session.agent, body)
    console.print_json(json.dumps(answer, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.command(name="correct-location")(correct_location)
