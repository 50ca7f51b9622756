"""`python -m infra.security`: render docs/security.md from docs/permissions.yaml (a test checks it is current)."""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

from infra.iam import PERMISSIONS, ROOT, needs

OUTPUT = ROOT / "docs" / "security.md"
# What the functions called on the local stack, with its IAM check on, over the integration suite and
# the demo: `LOCAL_IAM_RECORD=FILE` while they run, then `python -m infra.security FILE`.
USED = ROOT / "docs" / "iam-used.json"

# A local stack's ARNs by the names docs/permissions.yaml gives them (the stack's name varies).
_NAMES = (
    (r":table/[^/]+-ComplaintsTable/index/(\w+)$", "{} index"),
    (r":table/[^/]+-ComplaintsTable$", "table"),
    (r":table/[^/]+-IdempotencyTable$", "idempotency table"),
    (r":secret:[^:]+-PortalSecrets-\w+$", "portal secrets"),
    (r":secret:[^:]+-SigningSecret-\w+$", "signing secret"),
    (r":stateMachine:[^:]+$", "state machine"),
    (r":execution:[^:]+:[^:]+$", "executions"),
    (r"^\*$", "phone numbers"),
)


def resource_name(arn: str) -> str:
    for pattern, name in _NAMES:
        match = re.search(pattern, arn)
        if match:
            return name.format(*match.groups())
    return arn


def used(path: Path = USED) -> set[tuple[str, str, str]]:
    rows = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    return {(function, action, resource) for function, action, resource in rows}


def normalised(record: Path) -> list[list[str]]:
    """A LOCAL_IAM_RECORD file with the stack's ARNs named as docs/permissions.yaml names them."""
    rows = json.loads(record.read_text(encoding="utf-8"))
    return [list(row) for row in sorted({(f, a, resource_name(arn)) for f, a, arn in rows})]


_INTRO = """# What each function may do on AWS, and why

Generated from [permissions.yaml](permissions.yaml) by `python -m infra.security`; do not edit by hand.

Each function has its own role. `tests/infra/test_permissions.py` expands the template's roles with
the SAM translator (policy templates included), as CloudFormation would create them, and checks with
moto's IAM policy evaluation that each role allows every action below on its resource; taking one
out of the template fails that test. Inside a `TransactWriteItems` IAM checks every item on its own
(Put → `PutItem`, Update → `UpdateItem`, Delete → `DeleteItem`, ConditionCheck →
`ConditionCheckItem`), and an index query needs the index's ARN (`table/NAME/index/INDEX`).
No function may scan, and no data action is granted on `*`.

The local stack holds every function to its role as well: each AWS call a function makes there is
checked against the role as IAM would check it (`infra/local/iam_enforcement.py`), per item of a
transaction and per index, and a denial answers as AWS does. The column "used" says whether the
integration suite and the demo made that call there ([iam-used.json](iam-used.json), recorded with
`LOCAL_IAM_RECORD`); a grant never used locally says why it stays.

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
- The push sender reads its queue through an explicit `AWS::Lambda::EventSourceMapping` and a statement
  on that queue alone: a SAM `Type: SQS` event would attach `AWSLambdaSQSQueueExecutionRole`, which grants
  the poller's three actions on every queue of the account.
- Staff e-mail is `ses:SendEmail` alone, on the sender's identity, and only with `SenderEmail`
  (`SESCrudPolicy` would add identity verification, which the desk never does).
- Removed as never called: `dynamodb:ConditionCheckItem` (intake, classify: no transaction has a
  condition check item), `dynamodb:DeleteItem` and the signing secret (operator: nothing of the
  operators' API deletes an item or signs a link).

## Granted, not used on the local stack, and why it stays

A "no" above is kept for one of these reasons; none is unused everywhere.

- **Only with a parameter**: every `ses:SendEmail` (the local stack has no `SenderEmail`) and
  `comprehend:ClassifyDocument` (no Comprehend endpoint). `tests/infra/test_permissions.py` holds
  them to the template with the parameters set.
- **Seeding a fresh table**: the console's conditional `dynamodb:PutItem` on `STAFF` writes the
  policy file's roster into a table that has none, which locally another function always reaches
  first. (Each function's containers read the roster and the secrets themselves, as on AWS, so those
  reads are recorded for every function that makes them.)
- **Paths the suite and the demo do not play**: intake's `states:SendTaskFailure` (a portal's appeal
  while the survey or review waits), the operators' `states:StartExecution` (an agent's appeal after
  the workflow ended), the fail step's `dynamodb:UpdateItem` (a failure of an owned complaint gives
  the owner's load back) and intake's `dynamodb:GetItem` on the idempotency table (Powertools reads
  the record when its conditional Put does not return it).
"""


def render() -> str:
    data = yaml.safe_load(PERMISSIONS.read_text(encoding="utf-8"))
    lines = [_INTRO]
    for name, expression in data["resources"].items():
        lines.append(f"| {name} | `{expression}` |\n")
    seen = used()
    by_function: dict[str, list[str]] = defaultdict(list)
    for need in needs():
        scope = []
        if need.when:
            scope.append(f"only with `{need.when}`")
        if need.keys:
            scope.append("partition keys " + ", ".join(f"`{k}`" for k in need.keys))
        note = f" ({'; '.join(scope)})" if scope else ""
        mark = "yes" if (need.function, need.action, need.resource) in seen else "no"
        by_function[need.function].append(f"| `{need.action}` | {need.resource}{note} | {mark} | {need.why} |\n")
    lines.append("\n## Functions\n")
    for function, rows in by_function.items():
        lines.append(f"\n### {function}\n\n| action | resource | used | why |\n| --- | --- | --- | --- |\n")
        lines.extend(rows)
    lines.append(_KEPT)
    return "".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1:  # a LOCAL_IAM_RECORD file: what the functions used this time
        USED.write_text(json.dumps(normalised(Path(sys.argv[1])), indent=1) + "\n", encoding="utf-8")
    OUTPUT.write_text(render(), encoding="utf-8")
