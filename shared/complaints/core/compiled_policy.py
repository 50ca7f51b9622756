"""The packaged policy profiles, compiled ahead of time: loaded without parsing YAML or validating.

Parsing a profile's YAML and validating it with pydantic takes about 100 ms of
a cold start. `make policies` (infra.compile_policies) validates each profile
in shared/policies once and pickles the resulting model into
shared/policies/compiled/, with a manifest of what it was built from: the
YAML's hash, the hash of every module of the package the policy model is
made of, and the pydantic version. The YAML stays the source of truth.

A compiled profile is used only while all of these still match: after an edit
of the YAML or of the model's code, or on another pydantic, it is stale, and
the profile is read from its YAML again, with a warning naming why (the unit
tests and the layer's build refuse a stale one outright). The manifest's files
are the layer's own, written by this project: pickle is safe here because
nothing outside the build ever writes them.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2]  # the layer's root: complaints/ and policies/
COMPILED = SHARED / "policies" / "compiled"
MANIFEST = COMPILED / "manifest.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest() -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return found


def problems(profile: str, pydantic_version: str | None = None) -> list[str]:
    """Why the compiled profile may not be used (none when it is current).

    Only the standard library is used, so the layer's build can check without the project's dependencies;
    `pydantic_version` is compared when given (at run time it is the one imported).
    """
    manifest = _manifest()
    if manifest is None:
        return [f"{MANIFEST.relative_to(SHARED)} is missing"]
    entry = manifest["profiles"].get(profile)
    if entry is None:
        return [f"profile {profile!r} is not compiled"]
    found = []
    if not (SHARED / "policies" / entry["source"]).exists() or sha256(
            SHARED / "policies" / entry["source"]) != entry["source_sha256"]:
        found.append(f"{entry['source']} changed since it was compiled")
    compiled = COMPILED / entry["compiled"]
    if not compiled.exists() or sha256(compiled) != entry["compiled_sha256"]:
        found.append(f"{entry['compiled']} is not the file the manifest names")
    changed = sorted(name for name, digest in manifest["code"].items()
                     if not (SHARED / name).exists() or sha256(SHARED / name) != digest)
    if changed:
        found.append(f"the policy's code changed since it was compiled: {', '.join(changed)}")
    if pydantic_version is not None and manifest["pydantic"] != pydantic_version:
        found.append(f"compiled with pydantic {manifest['pydantic']}, running {pydantic_version}")
    return found


def load_compiled(profile: str, pydantic_version: str) -> tuple[Any, list[str]]:
    """The compiled profile's model, or None with the reasons it is stale."""
    found = problems(profile, pydantic_version)
    if found:
        return None, found
    entry = _manifest()["profiles"][profile]  # type: ignore[index]
    with (COMPILED / entry["compiled"]).open("rb") as handle:
        return pickle.load(handle), []  # noqa: S301 - the layer's own file, checked against its manifest


def check() -> list[str]:
    """Every problem of the packaged profiles' compiled forms (the layer's build and the tests refuse any)."""
    profiles = sorted(path.stem for path in (SHARED / "policies").glob("*.yaml"))
    return [f"{profile}: {problem}" for profile in profiles for problem in problems(profile)]


if __name__ == "__main__":  # the layer's build: python -m complaints.core.compiled_policy
    import sys

    stale = check()
    for line in stale:
        print(line, file=sys.stderr)
    if stale:
        print("the compiled policies are stale: run make policies and commit shared/policies", file=sys.stderr)
    sys.exit(1 if stale else 0)
