"""The template, the ASL file and the code agree; the template passes cfn-lint."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from complaints.models import Stage
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
template = load_template(ROOT / "template.yaml")
resources: dict[str, Any] = template["Resources"]
functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
machine = next(v for v in resources.values() if v["Type"] == "AWS::Serverless::StateMachine")["Properties"]
asl_text = (ROOT / machine["DefinitionUri"]).read_text(encoding="utf-8")
asl = json.loads(asl_text)

TRANSIENT = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
             "Lambda.TooManyRequestsException"}


def test_cfn_lint_reports_no_errors() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(ROOT / "template.yaml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode in (0, 4, 8), result.stdout + result.stderr  # 4/8: warnings/informational only
    assert " E" not in result.stdout


def test_every_asl_placeholder_has_a_substitution_and_no_more() -> None:
    placeholders = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", asl_text))
    assert placeholders == set(machine["DefinitionSubstitutions"])


def test_the_state_machine_may_invoke_exactly_the_functions_it_calls() -> None:
    called = {v["Fn::GetAtt"][0] for v in machine["DefinitionSubstitutions"].values()}
    allowed = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in machine["Policies"] if "LambdaInvokePolicy" in p}
    assert called == allowed


def test_every_function_has_its_code() -> None:
    for logical_id, function in functions.items():
        module = function["Properties"]["Handler"].split(".")[0]
        assert (ROOT / function["Properties"]["CodeUri"] / f"{module}.py").is_file(), logical_id


@pytest.mark.parametrize("name", [n for n, s in asl["States"].items() if s["Type"] == "Task"])
def test_tasks_retry_only_transient_errors_and_never_fail_silently(name: str) -> None:
    state = asl["States"][name]
    retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
    assert TRANSIENT <= retried and "States.ALL" not in retried
    if name != "MarkFailed":
        catches = [c["ErrorEquals"] for c in state["Catch"]]
        assert catches[-1] == ["States.ALL"] and state["Catch"][-1]["Next"] == "MarkFailed"


def test_human_waits_use_the_park_function_and_have_a_way_out() -> None:
    waits = [s for s in asl["States"].values() if s.get("Resource", "").endswith("waitForTaskToken")]
    # One wait per stage a person acts at, each parked by the one function.
    assert sorted(s["Parameters"]["Payload"]["stage"] for s in waits) == sorted(stage.value for stage in Stage)
    for state in waits:
        assert state["Parameters"]["FunctionName"] == "${ParkFunctionArn}"
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        # A backstop within a Standard execution's one-year limit.
        assert 0 < state["TimeoutSeconds"] < 365 * 24 * 3600


def test_the_table_is_protected_and_has_the_access_pattern_indexes() -> None:
    table = resources["ComplaintsTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert {i["IndexName"] for i in props["GlobalSecondaryIndexes"]} == {"timers", "queue", "owner", "customer", "area"}


def test_no_function_may_scan_the_table() -> None:
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    assert "dynamodb:Scan" not in text and "DynamoDBCrudPolicy" not in text
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "shared").rglob("*.py"))
    code += "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "functions").rglob("*.py"))
    assert ".scan(" not in code


def test_the_committed_openapi_document_matches_the_code() -> None:
    from infra.openapi import OUTPUT, render

    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `python -m infra.openapi` and commit the result"
