"""A property office corrects a repair's building, unit and room on the local stack: the hotspot report counts it
under the corrected building, refusals store nothing, and the place's values reach neither the workflow's
execution history nor the functions' logs."""

from __future__ import annotations

import io
import itertools
import json
import time
from typing import Any

import pytest
from typer.testing import CliRunner

from infra.cli.client import ApiError, DeskClient
from infra.cli.main import app
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import WAIT_SECONDS

pytestmark = pytest.mark.integration
STACK_PROFILE = "property"
STACK_LOG_LEVEL = "INFO"  # the tests read the functions' log lines
BURST = "家里水管爆裂了，水漫到客厅，快派人来修"
# Distinctive values, so a leak of either place can be searched for
WRONG = {"area": "lanting-garden", "building": "南苑3栋", "unit": "东2单元", "room": "1102室"}
RIGHT = {"building": "北苑9栋", "unit": "西1单元", "room": "0907室"}
_numbers = itertools.count(1)


def _resident(text: str) -> dict[str, Any]:
    n = next(_numbers)
    return {"channel": "owner_app", "external_id": f"LOC-{n:05d}", "text": text,
            "customer": {"name": "业主更正", "phone": f"1371235{n:04d}"}, "location": dict(WRONG)}


def _refused(client: DeskClient, cid: str, owner: str, body: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as refused:
        client.act(cid, "location", owner, body)
    return refused.value


def test_a_corrected_building_moves_the_repair_in_the_hotspot_report_and_its_values_stay_out_of_the_workflow(
        stack: LocalStack, client: DeskClient, capfd: pytest.CaptureFixture[str],
        function_logs: io.StringIO) -> None:
    # Given a burst pipe reported from the wrong building, unit and room, accepted by its engineer
    client.to_daytime()
    cid = client.submit("demo-portal", _resident(BURST))["complaint_id"]
    owner = scenarios.accept(client, cid)
    day = client.now().date().isoformat()
    assert client.summary("mgr-yang", day, day)["hotspots"] == {WRONG["building"]: 1}

    # When fields the office does not name, or nothing at all, are sent, they are refused naming the field
    unknown = _refused(client, cid, owner, {"location": {**RIGHT, "cell_id": "BJ-1"}})
    assert unknown.status == 422 and unknown.field_errors == [
        ("location.cell_id", "is not a location field of this desk (its fields: building, room, unit)")]
    assert _refused(client, cid, owner, {"location": {}}).field_errors[0][0] == "location"
    too_long = _refused(client, cid, owner, {"location": {"room": "房" * 17}})
    assert too_long.field_errors[0][0] == "location.room"
    # and nothing is stored
    view = client.show(cid, owner)
    assert "location_corrected" not in [e["type"] for e in view["timeline"]]

    # When the engineer corrects the building, unit and room from the command line
    env = {"LOCAL_API_PORT": str(stack.config.api_port), "LOCAL_AWS_PORT": str(stack.config.aws_port),
           "COMPLAINTS_API_URL": None, "COMPLAINTS_AWS_URL": None, "COMPLAINTS_TOKEN": None}
    result = CliRunner().invoke(app, ["--profile", "property", "--agent", owner, "correct-location", cid,
                                      *(f"{k}={v}" for k, v in RIGHT.items()), "--note", "上门核实"], env=env)
    assert result.exit_code == 0, result.output
    assert '"message": "location corrected: building, unit, room"' in result.stdout

    # Then the hotspot report counts it under the corrected building, and no longer under the old one
    assert client.summary("mgr-yang", day, day)["hotspots"] == {RIGHT["building"]: 1}
    # and the timeline names the fields corrected, not their values
    corrected = [e for e in client.show(cid, owner)["timeline"] if e["type"] == "location_corrected"]
    assert [(e["actor"], e["detail"]) for e in corrected] == [
        (owner, {"fields": "building,unit,room", "note": "上门核实"})]

    # And the workflow goes on to its end; neither place is in its execution history, nor in any log
    scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": "pipe_ageing",
                                           "actions": "replaced the burst section"}, checked_by="mgr-yang")
    client.to_daytime()
    scenarios.confirm_fixed(client, cid, owner)
    assert client.summary("mgr-yang", day, day)["hotspots"] == {}
    history = json.dumps(client.history(cid), default=str, ensure_ascii=False)
    assert cid in history
    # The functions' containers log to their own output, which a thread relays to this process's: wait for the
    # correction's line to arrive rather than for a time
    logs = function_logs.getvalue() + result.output  # the CLI's run logged where its output went
    deadline = time.monotonic() + WAIT_SECONDS
    while '"message":"location corrected"' not in logs and time.monotonic() < deadline:
        captured = capfd.readouterr()
        logs += captured.out + captured.err
        if '"message":"location corrected"' not in logs:
            time.sleep(0.05)
    assert '"message":"location corrected"' in logs
    for value in (*WRONG.values(), *RIGHT.values()):
        if value != WRONG["area"]:  # the area is a routing fact, as the reports' keys are
            assert value not in history, value
            assert value not in logs, value
