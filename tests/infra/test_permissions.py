"""Each function's role, as CloudFormation would create it from the template, allows every call its code makes.

docs/permissions.yaml lists what each function calls on AWS and why; the SAM
translator expands the template's roles (policy templates included) and moto's
IAM policy evaluation answers for each line.
"""

import os
from pathlib import Path

import pytest

from infra.iam import Need, Roles, needs, roles, translator_python
from infra.local.template import load_template

if not translator_python().exists():
    if os.environ.get("REQUIRE_TOOLS"):
        raise RuntimeError(f"{translator_python()} is missing: make lint builds the tools' environment")
    pytest.skip("the SAM translator lives in the tools' environment (make lint builds it)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
NEEDS = needs()


@pytest.fixture(scope="module")
def granted() -> Roles:
    return roles()


def _missing(role: Roles, wanted: list[Need]) -> list[str]:
    return [f"{n.function} {n.action} {n.resource}" for n in wanted
            if not role.allows(n.function, n.action, role.arn(n.arn), n.keys)]


def test_every_function_of_the_template_has_its_list_and_no_more() -> None:
    template = load_template(ROOT / "template.yaml")
    functions = {k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    assert {n.function for n in NEEDS} == functions


@pytest.mark.parametrize("function", sorted({n.function for n in NEEDS}))
def test_the_role_allows_every_call_the_function_makes(granted: Roles, function: str) -> None:
    assert _missing(granted, [n for n in NEEDS if n.function == function]) == []


def test_grants_that_depend_on_a_parameter_are_gone_without_it() -> None:
    # Given no sender address and no Comprehend endpoint
    plain = roles(parameters={"SenderEmail": "", "ComprehendEndpointArn": ""})
    # Then exactly the lines marked with a condition are missing
    assert _missing(plain, NEEDS) == [f"{n.function} {n.action} {n.resource}" for n in NEEDS if n.when]


def test_a_grant_taken_out_of_the_template_is_found_missing() -> None:
    # Given the template without UpdateItem in the intake role (the day's report counter is an Update item)
    template = load_template(ROOT / "template.yaml")
    statements = template["Resources"]["IntakeFunction"]["Properties"]["Policies"][0]["Statement"]
    statements[0]["Action"].remove("dynamodb:UpdateItem")
    # Then the check reports it
    assert _missing(roles(template=template), NEEDS) == ["IntakeFunction dynamodb:UpdateItem table"]


def test_the_committed_security_document_matches_the_permissions() -> None:
    from infra.security import OUTPUT, render

    assert OUTPUT.read_text(encoding="utf-8") == render(), "run `python -m infra.security` and commit the result"


def test_every_call_the_local_stack_recorded_is_listed_with_its_reason() -> None:
    from infra.security import used

    listed = {(n.function, n.action, n.resource) for n in NEEDS}
    assert used() and used() - listed == set()
