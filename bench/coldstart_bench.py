"""Cold start: each function's init in a fresh interpreter, as a ratio to importing boto3 alone.

Every function module is imported the way Lambda's init phase imports it (the
function's directory, then the layer's `complaints` package, on the path), in
a new interpreter each time, with the function's own variables from
template.yaml (Globals and its own; references given placeholder values),
alternating with a baseline interpreter that imports boto3 alone, so both see
the same machine. Times are the interpreter's CPU time (user and system),
which a busy machine disturbs far less than the wall clock; an init waits on
nothing else (no AWS call is made). Two figures per function: the import (Lambda's init phase)
and the import with the desk built (settings, policy, calendar, stores: what
the first invocation adds before its first AWS call). Both with the template's
default `SdkTracing=off`, and the import with Powertools' X-Ray SDK loaded
(`SdkTracing=on`) beside them. Goal: ratio ≤ 1.5.
Run: `make bench` (or `python -m bench.coldstart_bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
# Values for the template's references (nothing is called at init, so any well-formed value does).
_REFERENCES = {"ComplaintsTable": "complaints", "PolicyProfile": "telecom", "IdempotencyTable": "idempotency",
               "SigningSecret": "signing", "PortalSecrets": "portals", "AgentClaim": "username",
               "RoleClaim": "cognito:groups"}
_STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:complaints-complaint"
_LAMBDA = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "init",
           "AWS_SECRET_ACCESS_KEY": "init", "AWS_LAMBDA_FUNCTION_NAME": "complaints", "TZ": ":UTC"}
_TIMER = """
import sys, time
sys.path[:0] = {paths!r}
started = time.process_time()
{statement}
print(time.process_time() - started)
"""
IMPORT = "import app"
WITH_DESK = "import app\nfrom complaints.bootstrap import desk\ndesk().base_policy.calendar"


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


def functions() -> dict[str, dict[str, Any]]:
    """Each function's directory name → its template properties."""
    template = load_template(ROOT / "template.yaml")
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            found[Path(resource["Properties"]["CodeUri"]).name] = resource["Properties"]
    return dict(sorted(found.items()))


def environment(properties: dict[str, Any], tracing: bool) -> dict[str, str]:
    """The function's variables as Lambda gives them, on a clean environment (no developer's settings)."""
    template = load_template(ROOT / "template.yaml")
    variables = {**template["Globals"]["Function"]["Environment"]["Variables"],
                 **properties.get("Environment", {}).get("Variables", {})}
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **_LAMBDA,
            **{name: _value(value, tracing) for name, value in variables.items()}}


def _once(statement: str, paths: list[str], env: dict[str, str]) -> float:
    output = subprocess.run([sys.executable, "-c", _TIMER.format(paths=paths, statement=statement)],
                            capture_output=True, text=True, env=env, check=False, cwd=paths[0] if paths else ROOT)
    if output.returncode != 0:
        raise RuntimeError(f"the init failed:\n{output.stderr}")
    return float(output.stdout.strip().splitlines()[-1])


def run(rounds: int, layer: Path) -> dict[str, Any]:
    """Medians over `rounds` of each figure, with `layer` as the layer's python directory."""
    found = functions()
    baseline: list[float] = []
    times: dict[str, dict[str, list[float]]] = {name: {"import": [], "desk": [], "traced": []} for name in found}
    for _ in range(rounds):
        for name, properties in found.items():
            paths = [str(ROOT / properties["CodeUri"]), str(layer)]
            plain, traced = environment(properties, tracing=False), environment(properties, tracing=True)
            baseline.append(_once("import boto3", [], plain))
            times[name]["import"].append(_once(IMPORT, paths, plain))
            times[name]["desk"].append(_once(WITH_DESK, paths, plain))
            times[name]["traced"].append(_once(IMPORT, paths, traced))
    base = statistics.median(baseline)
    result: dict[str, Any] = {"boto3_ms": base * 1000, "layer": str(layer), "functions": {}}
    for name, measured in times.items():
        medians = {key: statistics.median(values) for key, values in measured.items()}
        result["functions"][name] = {"ms": medians["import"] * 1000, "ratio": medians["import"] / base,
                                     "desk_ms": medians["desk"] * 1000, "desk_ratio": medians["desk"] / base,
                                     "traced_ratio": medians["traced"] / base}
    return result


def print_table(outcome: dict[str, Any]) -> None:
    print(f"init in a fresh interpreter (median CPU time), layer {outcome['layer']}; "
          f"boto3 alone: {outcome['boto3_ms']:.0f} ms")
    print(f"{'function':<12}{'import ms':>10}{'÷ boto3':>9}{'+ desk ms':>11}{'÷ boto3':>9}{'÷ boto3, X-Ray SDK':>20}")
    for name, row in outcome["functions"].items():
        print(f"{name:<12}{row['ms']:>10.0f}{row['ratio']:>9.2f}{row['desk_ms']:>11.0f}{row['desk_ratio']:>9.2f}"
              f"{row['traced_ratio']:>20.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layer", type=Path, default=ROOT / "shared",
                        help="the layer's python directory (default: the source tree's shared/)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    outcome = run(args.rounds, args.layer.resolve())
    print_table(outcome)
    if args.json:
        args.json.write_text(json.dumps(outcome))


if __name__ == "__main__":
    main()
