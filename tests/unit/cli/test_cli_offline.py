"""The CLI without a stack: where it points, and one readable line when nothing answers."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from infra.cli.main import app
from infra.cli.times import Times

runner = CliRunner()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # released on close: nothing listens there


def test_with_nothing_listening_the_cli_says_so_in_one_line_with_how_to_start_it() -> None:
    port = _closed_port()

    result = runner.invoke(app, ["list", "--queue", "billing"], env={"LOCAL_API_PORT": str(port)})

    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"http://127.0.0.1:{port}" in lines[0] and "make run" in lines[0]
    assert "Traceback" not in result.output


def test_debug_keeps_the_traceback() -> None:
    result = runner.invoke(app, ["--debug", "list"], env={"LOCAL_API_PORT": str(_closed_port())})

    assert result.exit_code == 1
    assert result.exception is not None and type(result.exception).__name__ == "Unreachable"


def test_the_cli_follows_the_stacks_port_variables_and_config_says_where_it_points() -> None:
    api, aws = _closed_port(), _closed_port()

    result = runner.invoke(app, ["config"], env={"LOCAL_API_PORT": str(api), "LOCAL_AWS_PORT": str(aws),
                                                 "COMPLAINTS_API_URL": None, "COMPLAINTS_AWS_URL": None})

    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{api}" in result.output and "LOCAL_API_PORT" in result.output
    assert f"http://127.0.0.1:{aws}" in result.output and "LOCAL_AWS_PORT" in result.output
    assert "nothing answers: start it with `make run`" in result.output


def test_a_port_that_is_no_number_is_named() -> None:
    result = runner.invoke(app, ["list"], env={"LOCAL_API_PORT": "80a"})

    assert result.exit_code == 1
    assert result.stderr.strip() == "complaints: LOCAL_API_PORT='80a' is not a port number"


def test_a_token_for_someone_off_the_roster_is_refused() -> None:
    result = runner.invoke(app, ["dev-token", "--agent", "a-nobody"])

    assert result.exit_code != 0
    assert "not on the telecom roster" in result.output


def test_times_read_in_the_desks_zone_with_the_date_when_not_today() -> None:
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)  # 06:00 on 1 December in Beijing
    times = Times.desk("Asia/Shanghai", now)

    assert times.at("2026-12-01T06:20:00.000000Z") == "14:20 +08:00"
    assert times.at("2026-12-02T06:20:00Z") == "2026-12-02 14:20 +08:00"
    assert times.due(now + timedelta(hours=2, minutes=10)) == "08:10 +08:00 (in 2 h 10 min)"
    assert times.due(now - timedelta(minutes=5)) == "05:55 +08:00 (5 min ago)"
    assert Times.desk("Asia/Shanghai", now, utc=True).at("2026-12-01T06:20:00Z") == "2026-12-01 06:20 UTC"
    assert times.full(now) == "2026-12-01 06:00:00 +08:00"


def test_a_location_correction_that_is_not_field_value_pairs_is_refused_before_anything_is_sent() -> None:
    # Nothing listens: a refusal here is the command's own, before any request
    env = {"LOCAL_API_PORT": str(_closed_port())}

    result = runner.invoke(app, ["correct-location", "C1", "building=9", "room"], env=env)
    assert result.exit_code == 2 and "'room' is not FIELD=VALUE" in result.output
    result = runner.invoke(app, ["correct-location", "C1", "lat=north"], env=env)
    assert result.exit_code == 2 and "lat must be a number" in result.output
