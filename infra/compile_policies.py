"""`make policies`: compile the packaged policy profiles and their countries' working calendars.

For every profile in shared/policies (the YAML, the source of truth):
- the validated model, pickled to shared/policies/compiled/<profile>.pickle,
  with shared/policies/compiled/manifest.json naming what it was built from
  (the YAML's hash, the hash of each module the policy model imports, the
  pydantic version), so a stale one is never used (core/compiled_policy.py);
- the working days of its country for YEARS, from the `holidays` package, to
  shared/policies/calendars/<country>.json (core/national_days.py).

`python -m infra.compile_policies --check` writes nothing and fails, naming
each file, when any of them is not what compiling now would write.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import pickle
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays
import pydantic

from complaints.core import compiled_policy
from complaints.core.national_days import CALENDARS, NationalDays
from complaints.core.policy import POLICY_DIR, load_policy_file

# The years desks work in: deadlines are computed for complaints received from the first to the last.
YEARS = range(2020, 2041)
SHARED = compiled_policy.SHARED


def _imports_of(module: str) -> set[str]:
    """The package's modules `module` imports, transitively (as tests/unit/test_layers.py reads them)."""
    seen: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        path = SHARED / (name.replace(".", "/") + ".py")
        if name in seen or not path.exists():
            continue
        seen.add(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("complaints"):
                pending.append(node.module)
                pending.extend(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                pending.extend(alias.name for alias in node.names if alias.name.startswith("complaints"))
    return seen


def national_days(country: str) -> NationalDays:
    """The days of YEARS on which `holidays` answers otherwise than a plain week of the country's weekend."""
    calendar = holidays.country_holidays(country, years=YEARS)
    weekend = frozenset(calendar.weekend)
    days_off, worked = set(), set()
    day, last = date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31)
    while day <= last:
        working = calendar.is_working_day(day)
        if day.weekday() in weekend and working:
            worked.add(day)
        elif day.weekday() not in weekend and not working:
            days_off.add(day)
        day += timedelta(days=1)
    return NationalDays(country, YEARS[0], YEARS[-1], weekend, frozenset(days_off), frozenset(worked),
                        f"holidays {holidays.__version__}")


def compiled_files() -> dict[Path, bytes]:
    """Every file compiling writes, with its content."""
    code = sorted(_imports_of("complaints.core.policy"))
    manifest: dict[str, object] = {
        "about": "What each compiled profile was built from (make policies); see complaints/core/compiled_policy.py",
        "pydantic": pydantic.VERSION,
        "code": {name.replace(".", "/") + ".py": compiled_policy.sha256(SHARED / (name.replace(".", "/") + ".py"))
                 for name in code},
        "profiles": {},
    }
    files: dict[Path, bytes] = {}
    countries = set()
    for source in sorted(POLICY_DIR.glob("*.yaml")):
        policy = load_policy_file(source)
        countries.add(policy.country)
        data = pickle.dumps(policy, protocol=5)
        files[compiled_policy.COMPILED / f"{source.stem}.pickle"] = data
        manifest["profiles"][source.stem] = {  # type: ignore[index]
            "source": source.name, "source_sha256": compiled_policy.sha256(source),
            "compiled": f"{source.stem}.pickle", "compiled_sha256": __import__("hashlib").sha256(data).hexdigest()}
    files[compiled_policy.MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    for country in sorted(countries):
        files[CALENDARS / f"{country}.json"] = (json.dumps(national_days(country).as_json(), indent=1) + "\n").encode()
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; fail if any file is not current")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # sets of strings pickle in hash order: make it the same each time
        os.execve(sys.executable, [sys.executable, "-m", "infra.compile_policies", *sys.argv[1:]],
                  {**os.environ, "PYTHONHASHSEED": "0"})
    stale = []
    for path, content in compiled_files().items():
        if path.exists() and path.read_bytes() == content:
            continue
        stale.append(path.relative_to(SHARED.parent))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path}")
    if args.check and stale:
        sys.exit("the compiled policies are stale: run make policies and commit shared/policies")


if __name__ == "__main__":
    main()
