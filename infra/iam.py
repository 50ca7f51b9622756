"""The functions' roles as CloudFormation would create them, and what each must be allowed.

The SAM translator (``samtranslator``, the library ``sam`` itself uses) turns
template.yaml into the roles CloudFormation creates, policy templates
expanded; the local stack's resolver gives their intrinsics values; moto's
IAM policy evaluation answers whether a role allows an action on a resource.
docs/permissions.yaml lists what each function calls and why.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.local.template import Resolver, load_template

ROOT = Path(__file__).resolve().parents[1]
PERMISSIONS = ROOT / "docs" / "permissions.yaml"

# Values the roles are resolved with: every conditional grant present (an e-mail sender, a Comprehend endpoint).
ACCOUNT, REGION, STACK = "123456789012", "us-east-1", "complaints"
PARAMETERS = {
    "SenderEmail": "desk@example.com",
    "ComprehendEndpointArn": f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier-endpoint/complaints",
}
_NO_VALUE = "__no_value__"


@dataclass(frozen=True)
class Need:
    """One action a function calls on one resource, and why."""

    function: str
    action: str
    resource: str  # a name from the resources list of docs/permissions.yaml
    arn: str  # its template expression (Fn::Sub syntax)
    why: str
    when: str | None = None
    keys: tuple[str, ...] = ()


def needs(path: Path = PERMISSIONS) -> list[Need]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    resources: dict[str, str] = data["resources"]
    return [Need(function, line["action"], line["resource"], resources[line["resource"]], line["why"],
                 line.get("when"), tuple(line.get("keys") or ()))
            for function, lines in data["functions"].items() for line in lines]


def translator_python() -> Path:
    """The interpreter with the SAM translator: the tools' environment, or SAM_TRANSLATOR_PYTHON."""
    return Path(os.environ.get("SAM_TRANSLATOR_PYTHON", ROOT / ".venv-tools" / "bin" / "python"))


_translated: dict[str, str] = {}  # the request → the transform's output: the same template translates once


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The template as the SAM transform outputs it (code locations stand in as S3 URIs)."""
    fragment = copy.deepcopy(template)
    for resource in fragment["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://artifacts/{props[key].strip('/')}"
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws"}
    request = json.dumps({"template": fragment, "pseudo": pseudo, "region": REGION})
    if request in _translated:
        return dict(json.loads(_translated[request]))
    if not translator_python().exists():
        raise RuntimeError(f"{translator_python()} is missing: the SAM translator lives in the tools' environment, "
                           "which `make demo`, `make run` and `make lint` set up (or set SAM_TRANSLATOR_PYTHON)")
    done = subprocess.run([str(translator_python()), "-m", "infra.sam_transform"], input=request, cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"the SAM transform failed: {done.stderr.strip()[-2000:]}")
    _translated[request] = done.stdout
    output: dict[str, Any] = json.loads(done.stdout)
    return output


def _resolver(template: dict[str, Any], parameters: dict[str, str]) -> Resolver:
    types = {name: r["Type"] for name, r in template["Resources"].items()}

    def ref(name: str) -> str:
        kind = types.get(name, "")
        if kind == "AWS::SecretsManager::Secret":  # Ref of a secret is its ARN
            return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{STACK}-{name}-AbCdEf"
        return f"{STACK}-{name}"

    def get_att(name: str, attribute: str) -> str:
        kind = types.get(name, "")
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{STACK}-{name}"
        service = kind.split("::")[1].lower() if "::" in kind else "unknown"
        return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"

    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::StackName": STACK,
              "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": _NO_VALUE}
    resolver = Resolver(template, pseudo, ref, get_att)
    resolver.parameters.update(parameters)
    return resolver


# The AWS managed policies SAM attaches that grant what a function's code or its event source calls, as AWS
# publishes them (the others, logs and X-Ray, cover calls the functions' code does not make).
MANAGED: dict[str, dict[str, Any]] = {
    # Added by SAM to a function with an SQS event: what Lambda's poller calls with the function's role.
    "service-role/AWSLambdaSQSQueueExecutionRole": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                      "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*"}]},
}


def _managed_arns(resolver: Resolver, role: dict[str, Any]) -> list[str]:
    return [str(arn) for arn in resolver.resolve(role.get("ManagedPolicyArns", [])) if isinstance(arn, str)]


def _drop_no_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_drop_no_value(v) for v in value if v != _NO_VALUE]
    if isinstance(value, dict):
        return {k: _drop_no_value(v) for k, v in value.items() if v != _NO_VALUE}
    return value


@dataclass
class Roles:
    """Each function's role policies, resolved, and the ARNs of docs/permissions.yaml's resources."""

    policies: dict[str, list[dict[str, Any]]]
    resolver: Resolver

    def arn(self, expression: str) -> str:
        return str(self.resolver.resolve({"Fn::Sub": expression}))

    def allows(self, function: str, action: str, arn: str, keys: tuple[str, ...] = ()) -> bool:
        """Whether the function's role allows the action on the resource (keys: the request's LeadingKeys).

        moto's statement evaluation decides actions, resources and Deny; conditions are decided here
        first (see `_applicable`), because moto knows StringEquals alone and answers an Allow whose
        condition does not hold as a Deny, where IAM only leaves that statement out.
        """
        from moto.iam.access_control import IAMPolicy, PermissionResult

        documents = []
        for document in self.policies[function]:
            applicable = [kept for s in statements(document) if (kept := _applicable(s, keys)) is not None]
            if applicable:
                documents.append({**document, "Statement": applicable})
        results = [IAMPolicy(json.dumps(document)).is_action_permitted(action, arn) for document in documents]
        return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document.get("Statement", [])
    return list(found) if isinstance(found, list) else [found]


# The one condition the template uses: dynamodb:LeadingKeys, with these operators.
CONDITION_KEYS = ("dynamodb:LeadingKeys",)
CONDITION_OPERATORS = ("ForAllValues:StringEquals", "StringEquals")


def _applicable(statement: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The statement without its condition when the condition holds for the request; None when it does not.

    IAM's rules for what is decided here: ForAllValues holds when every value of the request's key is
    among the listed ones (and, as IAM has it, when the request has none); StringEquals on a key with
    one value holds when that value is listed. Any other operator or key is refused, not guessed.
    """
    condition = statement.get("Condition")
    if not condition:
        return statement
    for operator, tests in condition.items():
        for key, expected in tests.items():
            if key not in CONDITION_KEYS or operator not in CONDITION_OPERATORS:
                raise ValueError(f"the local IAM check does not evaluate the condition {operator} {key}")
            listed = {expected} if isinstance(expected, str) else set(expected)
            holds = set(keys) <= listed if operator.startswith("ForAllValues:") else (
                len(keys) == 1 and keys[0] in listed)
            if not holds:
                return None
    return {k: v for k, v in statement.items() if k != "Condition"}


def roles(template_path: Path = ROOT / "template.yaml", parameters: dict[str, str] | None = None,
          template: dict[str, Any] | None = None, resolver: Resolver | None = None) -> Roles:
    """The roles of the template's functions, with the parameters given (every conditional grant by default).

    With `resolver` (the local stack's), intrinsics take that resolver's names, ARNs and parameters
    instead: the roles then name exactly what the local stack's functions call.
    """
    source = template if template is not None else load_template(template_path)
    translated = translate(source)
    if resolver is None:
        resolver = _resolver(translated, {**PARAMETERS, **(parameters or {})})
    else:
        own = Resolver(translated, {**resolver.pseudo, "AWS::NoValue": _NO_VALUE}, resolver.ref_resource,
                       resolver.get_att)
        own.parameters.update(resolver.parameters)
        resolver = own
    policies: dict[str, list[dict[str, Any]]] = {}
    for name, resource in translated["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role_name = resource["Properties"]["Role"]["Fn::GetAtt"][0]
        role = translated["Resources"][role_name]["Properties"]
        documents = [_drop_no_value(resolver.resolve(policy)) for policy in role.get("Policies", [])]
        policies[name] = [d["PolicyDocument"] for d in documents if isinstance(d, dict) and "PolicyDocument" in d]
        policies[name] += [MANAGED[arn.rsplit(":policy/", 1)[-1]] for arn in _managed_arns(resolver, role)
                           if arn.rsplit(":policy/", 1)[-1] in MANAGED]
    return Roles(policies, resolver)
