"""`python -m infra.security`: render docs/security.md from docs/permissions.yaml (a test checks it is current)."""

from __future__ import annotations

from collections import defaultdict

import yaml

from infra.iam import PERMISSIONS, ROOT, needs

OUTPUT = ROOT / "docs" / "security.md"

_INTRO = """# What each function may do on AWS, and why

Generated from [permissions.yaml](permissions.yaml) by `python -m infra.security`; do not edit by hand.

Each function has its own role. `tests/infra/test_permissions.py` expands the template's roles with
the SAM translator (policy templates included), as CloudFormation would create them, and checks with
moto's IAM policy evaluation that each role allows every action below on its resource; taking one
out of the template fails that test. Inside a `TransactWriteItems` IAM checks every item on its own
(Put → `PutItem`, Update → `UpdateItem`, Delete → `DeleteItem`, ConditionCheck →
`ConditionCheckItem`), and an index query needs the index's ARN (`table/NAME/index/INDEX`).
No function may scan, and no data action is granted on `*`.

## Resources

| name | ARN (template expression) |
| --- | --- |
"""

_KEPT = """
## Granted beyond the table, and why it stays

- `StepFunctionsCallbackPolicy` also grants `states:SendTaskHeartbeat` (no wait here heartbeats), and
  `states:SendTaskSuccess`/`SendTaskFailure` where a function only sends one of them: the policy
  template grants the three together, on the one state machine.
- `AWSSecretsManagerGetSecretValuePolicy` is exactly `secretsmanager:GetSecretValue` on the one secret.
- Every function's role also has `AWSLambdaBasicExecutionRole` (its own log stream) and
  `AWSXrayWriteOnlyAccess` (active tracing), which SAM adds for `Tracing: Active`.
- Staff e-mail is `ses:SendEmail` alone, on the sender's identity, and only with `SenderEmail`
  (`SESCrudPolicy` would add identity verification, which the desk never does).
- Removed as never called: `dynamodb:ConditionCheckItem` (intake, classify: no transaction has a
  condition check item), `dynamodb:DeleteItem` and the signing secret (operator: nothing of the
  operators' API deletes an item or signs a link).
"""


def render() -> str:
    data = yaml.safe_load(PERMISSIONS.read_text(encoding="utf-8"))
    lines = [_INTRO]
    for name, expression in data["resources"].items():
        lines.append(f"| {name} | `{expression}` |\n")
    by_function: dict[str, list[str]] = defaultdict(list)
    for need in needs():
        scope = []
        if need.when:
            scope.append(f"only with `{need.when}`")
        if need.keys:
            scope.append("partition keys " + ", ".join(f"`{k}`" for k in need.keys))
        note = f" ({'; '.join(scope)})" if scope else ""
        by_function[need.function].append(f"| `{need.action}` | {need.resource}{note} | {need.why} |\n")
    lines.append("\n## Functions\n")
    for function, rows in by_function.items():
        lines.append(f"\n### {function}\n\n| action | resource | why |\n| --- | --- | --- |\n")
        lines.extend(rows)
    lines.append(_KEPT)
    return "".join(lines)


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
