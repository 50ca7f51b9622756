"""Cold start: each function's init in a fresh interpreter, as a ratio to importing boto3 alone.

Every function module is imported the way Lambda's init phase imports it (the
function's directory, then the layer's `complaints` package, on the path), in
a new interpreter each time, with the function's own variables from
template.yaml (Globals and its own; references given placeholder values),
alternating with a baseline interpreter that imports boto3 alone, so both see
the same machine. Times are the interpreter's CPU time (user and system),
which a busy machine disturbs far less than the wall clock; an init waits on
nothing else. Two figures per function: the import (Lambda's init phase), and
the import followed by a first invocation with an event of the function's kind
(`FIRST_EVENTS`): whatever the first request loads and builds (the desk, the
routes, the models, the AWS clients), up to its first AWS call, which fails at
once (the AWS endpoint is a closed port on loopback, one attempt) — a function
that defers imports to its first request pays them there, and this figure
shows it. Both with the template's default `SdkTracing=off`, and the import
with Powertools' X-Ray SDK loaded (`SdkTracing=on`) beside them. Goal: import
ratio ≤ 1.5.

The layer is built as shared/Makefile builds it: the package and the policy
files copied, every module compiled to a checked-hash .pyc, and imported with
PYTHONDONTWRITEBYTECODE (Lambda cannot write to /opt). `--tree LABEL=DIR`
measures other checkouts (git worktree or git archive of a commit) in the same
run, alternating with this one, so the steps of a change compare on the same
machine at the same time; `LABEL=DIR:source` builds that tree's layer without
.pyc, as layers were built before. The dependencies come from this
environment, compiled, in every tree.
Run: `make bench` (or `python -m bench.coldstart_bench`).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
# Values for the template's references (nothing is called at init, so any well-formed value does).
_REFERENCES = {"ComplaintsTable": "complaints", "PolicyProfile": "telecom", "IdempotencyTable": "idempotency",
               "SigningSecret": "signing", "PortalSecrets": "portals", "AgentClaim": "username",
               "RoleClaim": "cognito:groups",
               "PushQueue": "https://sqs.us-east-1.amazonaws.com/123456789012/push"}
_STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:complaints-complaint"
_LAMBDA = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "init",
           "AWS_SECRET_ACCESS_KEY": "init", "AWS_LAMBDA_FUNCTION_NAME": "complaints", "TZ": ":UTC"}
# Where the first invocation's AWS call goes: a port nothing listens on, so it is refused at once.
_NO_AWS = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
_TIMER = """
import sys, time
sys.path[:0] = {paths!r}
started = time.process_time()
{statement}
print(time.process_time() - started)
"""
IMPORT = "import app"
# The first invocation: its outcome (an answer, or the refused AWS call's error) is not the point, its cost is.
FIRST = """import app
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "complaints", 256, "first"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:complaints"
    def get_remaining_time_in_millis(self): return 30000
try:
    app.handler({event!r}, Context())
except Exception:
    pass"""


def _http(method: str, path: str, body: str = "", **path_parameters: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) request, unsigned and unauthenticated."""
    return {"version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": "",
            "headers": {"content-type": "application/json"}, "pathParameters": path_parameters,
            "requestContext": {"http": {"method": method, "path": path, "sourceIp": "192.0.2.1"},
                               "requestId": "first", "stage": "$default"},
            "body": body, "isBase64Encoded": False}


_SIGNED = {"webhook-id": "msg_first", "webhook-timestamp": "0", "webhook-signature": "v1,AAAA"}
FIRST_EVENTS: dict[str, dict[str, Any]] = {
    "assign": {"complaint_id": "CMP-FIRST"},
    "classify": {"complaint_id": "CMP-FIRST"},
    "close": {"complaint_id": "CMP-FIRST"},
    "fail": {"complaint_id": "CMP-FIRST", "error": {"Error": "States.TaskFailed", "Cause": "{}"}},
    "park": {"complaint_id": "CMP-FIRST", "stage": "acceptance", "task_token": "token"},
    "push": {},
    "reminders": {},
    "push_sender": {"Records": [{"messageId": "1", "receiptHandle": "r", "attributes": {},
                                 "body": '{"deliveries": [{"pk": "P", "sk": "S", "lease": "L"}]}',
                                 "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                                 "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:push",
                                 "awsRegion": "us-east-1"}]},
    "console": _http("GET", "/console/views/queue"),
    "customer": _http("GET", "/v1/surveys/first", token="first"),
    "operator": _http("GET", "/v1/complaints"),
    "intake": {**_http("POST", "/v1/portals/first/complaints", "{}", portal_id="first"),
               "headers": {"content-type": "application/json", **_SIGNED}},
    "sms": {**_http("POST", "/v1/portals/first/sms", "{}", portal_id="first"),
            "headers": {"content-type": "application/json", **_SIGNED}},
}


@dataclass
class Tree:
    label: str
    root: Path
    bytecode: bool = True

    @classmethod
    def parse(cls, text: str) -> Tree:
        label, _, where = text.partition("=")
        path, _, mode = where.partition(":")
        return cls(label, Path(path).resolve(), mode != "source")


def build_layer(tree: Tree, target: Path) -> Path:
    """The tree's layer as shared/Makefile builds it (without the pip packages): its python directory."""
    python = target / tree.label / "python"
    for part in ("complaints", "policies"):
        shutil.copytree(tree.root / "shared" / part, python / part, ignore=shutil.ignore_patterns("__pycache__"))
    if tree.bytecode:
        compileall.compile_dir(python, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return python


def _value(value: Any, tracing: bool) -> str:
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return _REFERENCES.get(value["Ref"], "")
    if "Fn::Sub" in value:
        return _STATE_MACHINE
    condition, when_true, when_false = value["Fn::If"]
    if condition == "SdkTracingOff":
        return when_false if tracing else when_true
    return _value(when_false, tracing)


def functions(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Each function's directory name → its template properties."""
    template = load_template(root / "template.yaml")
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            found[Path(resource["Properties"]["CodeUri"]).name] = resource["Properties"]
    return dict(sorted(found.items()))


def environment(root: Path, properties: dict[str, Any], tracing: bool) -> dict[str, str]:
    """The function's variables as Lambda gives them, on a clean environment (no developer's settings)."""
    template = load_template(root / "template.yaml")
    variables = {**template["Globals"]["Function"]["Environment"]["Variables"],
                 **properties.get("Environment", {}).get("Variables", {})}
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1", **_LAMBDA, **_NO_AWS,
            **{name: _value(value, tracing) for name, value in variables.items()}}


def _once(statement: str, paths: list[str], env: dict[str, str]) -> float:
    output = subprocess.run([sys.executable, "-c", _TIMER.format(paths=paths, statement=statement)],
                            capture_output=True, text=True, env=env, check=False, cwd=paths[0] if paths else ROOT)
    if output.returncode != 0:
        raise RuntimeError(f"the init failed:\n{output.stderr}")
    return float(output.stdout.strip().splitlines()[-1])


def run(rounds: int, trees: list[Tree]) -> dict[str, Any]:
    """Medians over `rounds` of each figure, for each tree (the first is this checkout)."""
    baseline: list[float] = []
    times: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="coldstart-") as built:
        layers = {tree.label: build_layer(tree, Path(built)) for tree in trees}
        found = {tree.label: functions(tree.root) for tree in trees}
        for tree in trees:
            times[tree.label] = {name: {"import": [], "first": [], "traced": []} for name in found[tree.label]}
        for _ in range(rounds):
            for name in found[trees[0].label]:
                for tree in trees:
                    properties = found[tree.label].get(name)
                    if properties is None:
                        continue
                    paths = [str(tree.root / properties["CodeUri"]), str(layers[tree.label])]
                    plain = environment(tree.root, properties, tracing=False)
                    traced = environment(tree.root, properties, tracing=True)
                    baseline.append(_once("import boto3", [], plain))
                    measured = times[tree.label][name]
                    measured["import"].append(_once(IMPORT, paths, plain))
                    measured["first"].append(_once(FIRST.format(event=FIRST_EVENTS.get(name, {})), paths, plain))
                    measured["traced"].append(_once(IMPORT, paths, traced))
    base = statistics.median(baseline)
    result: dict[str, Any] = {"boto3_ms": base * 1000, "trees": {}}
    for tree in trees:
        rows = result["trees"][tree.label] = {}
        for name, measured in times[tree.label].items():
            medians = {key: statistics.median(values) for key, values in measured.items()}
            rows[name] = {"ms": medians["import"] * 1000, "ratio": medians["import"] / base,
                          "first_ms": medians["first"] * 1000, "first_ratio": medians["first"] / base,
                          "traced_ratio": medians["traced"] / base}
    result["functions"] = result["trees"][trees[0].label]
    return result


def print_table(outcome: dict[str, Any]) -> None:
    print(f"init in a fresh interpreter (median CPU time); boto3 alone: {outcome['boto3_ms']:.0f} ms")
    for label, functions_of in outcome["trees"].items():
        if len(outcome["trees"]) > 1:
            print(f"-- {label}")
        print(f"{'function':<12}{'import ms':>10}{'÷ boto3':>9}{'+ 1st call ms':>15}{'÷ boto3':>9}"
              f"{'÷ boto3, X-Ray SDK':>20}")
        for name, row in functions_of.items():
            print(f"{name:<12}{row['ms']:>10.0f}{row['ratio']:>9.2f}{row['first_ms']:>15.0f}{row['first_ratio']:>9.2f}"
                  f"{row['traced_ratio']:>20.2f}")
    if len(outcome["trees"]) > 1:
        labels = list(outcome["trees"])
        print("import ÷ boto3 side by side")
        print(f"{'function':<12}" + "".join(f"{label:>14}" for label in labels))
        for name in outcome["trees"][labels[0]]:
            print(f"{name:<12}" + "".join(
                f"{outcome['trees'][label][name]['ratio']:>14.2f}" if name in outcome["trees"][label] else f"{'':>14}"
                for label in labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", action="append", type=Tree.parse, default=[],
                        help="LABEL=DIR[:source]: another checkout measured beside this one")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    outcome = run(args.rounds, [Tree("this", ROOT), *args.tree])
    print_table(outcome)
    if args.json:
        args.json.write_text(json.dumps(outcome))


if __name__ == "__main__":
    main()
