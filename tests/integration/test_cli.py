"""The `complaints` command against a running local stack: refusals in one line, times at the desk, the clock."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from infra.cli.main import app
from infra.local.stack import LocalStack

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(scope="module")
def env(stack: LocalStack) -> dict[str, str | None]:
    """The CLI finds the stack by the stack's own variables, as a user's shell would."""
    return {"LOCAL_API_PORT": str(stack.config.api_port), "LOCAL_AWS_PORT": str(stack.config.aws_port),
            "COMPLAINTS_API_URL": None, "COMPLAINTS_AWS_URL": None, "COMPLAINTS_AGENT": None,
            "COMPLAINTS_TOKEN": None}


def cli(env: dict[str, str | None], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def submit(env: dict[str, str | None], tmp_path: Path, body: dict[str, Any]) -> str:
    path = tmp_path / f"{body['external_id']}.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    result = cli(env, "submit", str(path), "--id")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def one_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_a_refusal_says_who_you_are_and_whom_to_act_as(env: dict[str, str | None], tmp_path: Path,
                                                      complaint_body: dict[str, Any]) -> None:
    # Given a network complaint, and the default operator, a supervisor of other departments
    complaint_id = submit(env, tmp_path, complaint_body)

    line = one_line(cli(env, "show", complaint_id))

    assert line == (f"complaints: refused (403): complaint {complaint_id} belongs to network_optimisation; "
                    "you are sup-zhao (supervisor of customer_service, billing, triage); "
                    "network_optimisation is led by sup-sun and mgr-qian: try --agent sup-sun")
    assert cli(env, "--agent", "sup-sun", "show", complaint_id).exit_code == 0
    queue = one_line(cli(env, "list", "--queue", "network_optimisation"))
    assert queue.endswith("try --agent sup-sun")


def test_an_unknown_complaint_and_a_wrong_field_are_one_line_each(env: dict[str, str | None], tmp_path: Path,
                                                                 complaint_body: dict[str, Any]) -> None:
    complaint_id = submit(env, tmp_path, complaint_body)
    owner = cli(env, "--agent", "sup-sun", "show", complaint_id, "--field", "owner_id").stdout.strip()
    assert cli(env, "--agent", owner, "accept", complaint_id).exit_code == 0

    missing = one_line(cli(env, "--agent", "sup-sun", "show", "C20990101-ZZZZZZ"))
    wrong = one_line(cli(env, "--agent", owner, "resolve", complaint_id, "--root-cause", "moon_phase",
                         "--actions", "looked at the sky"))

    assert missing.startswith("complaints: not found (404): ") and "C20990101-ZZZZZZ" in missing
    assert wrong.startswith("complaints: not accepted (422): root_cause: ") and "antenna_tilt" in wrong


def test_accepting_a_complaint_offered_to_someone_else_names_its_owner(env: dict[str, str | None], tmp_path: Path,
                                                                     complaint_body: dict[str, Any]) -> None:
    complaint_id = submit(env, tmp_path, complaint_body)
    owner = cli(env, "--agent", "sup-sun", "show", complaint_id, "--field", "owner_id").stdout.strip()
    other = "a-liu" if owner == "a-wang" else "a-wang"

    line = one_line(cli(env, "--agent", other, "accept", complaint_id))

    assert f"offered to its owner {owner}, not to {other}" in line


def test_a_national_day_rehearsal_reads_the_promises_in_local_time(env: dict[str, str | None], tmp_path: Path,
                                                                  stack: LocalStack,
                                                                  complaint_body: dict[str, Any]) -> None:
    # Given the desk's clock set to the eve of National Day 2027 (1 to 5 October are holidays)
    eve = date(2027, 9, 30)
    moved = cli(env, "clock", "set", "2027-09-30T17:00+08:00")
    assert moved.exit_code == 0, moved.output
    assert "2027-09-30 17:00:00 +08:00" in moved.stdout

    # When a complaint arrives
    complaint_id = submit(env, tmp_path, complaint_body)
    shown = cli(env, "--agent", "sup-sun", "show", complaint_id)

    # Then its promises read in the desk's zone, and the working-day ones fall after the holiday
    assert shown.exit_code == 0, shown.output
    promised = dict(re.findall(r"(\w+)\s+│\s+(\d{4}-\d{2}-\d{2}) \d{2}:\d{2} \+08:00", shown.stdout))
    assert {"acknowledge", "first_reply", "solution"} <= set(promised), shown.stdout
    assert date.fromisoformat(promised["first_reply"]) >= date(2027, 10, 6)
    assert date.fromisoformat(promised["acknowledge"]) <= date(2027, 10, 1)
    assert "UTC" not in shown.stdout
    in_utc = cli(env, "--utc", "--agent", "sup-sun", "show", complaint_id)
    assert " UTC" in in_utc.stdout and "+08:00" not in in_utc.stdout

    # And the clock does not go back once complaints exist
    back = cli(env, "clock", "set", f"{eve.isoformat()}T09:00+08:00")
    assert back.exit_code != 0
    assert "complaints exist" in back.output
