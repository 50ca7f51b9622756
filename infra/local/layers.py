"""The packages each function's layers give it, so that a function is refused another function's.

The local stack runs every function with the project's environment, where
every package of every layer is installed. On Lambda a function has only the
packages of its own layers: one that imports the encoder's run time without the
EncoderLayer fails there. A layer's packages are the requirement files its
makefile target installs (`-r FILE` in `build-<Layer>`), and their importable
modules are found from the installed distributions.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _installed() -> dict[str, list[str]]:
    """Each importable top-level module's distributions (read once: it scans every installed package)."""
    return dict(importlib.metadata.packages_distributions())


def _modules_of(distributions: set[str]) -> set[str]:
    """The top-level modules the installed distributions provide."""
    return {module for module, owners in _installed().items()
            if any(_normal(owner) in distributions for owner in owners)}


def layer_distributions(template: Mapping[str, Any], root: Path) -> dict[str, set[str]]:
    """Each layer's distributions, by the requirement files of its makefile build target."""
    found: dict[str, set[str]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        content = root / resource["Properties"]["ContentUri"]
        makefile = content / "Makefile"
        text = makefile.read_text(encoding="utf-8") if makefile.is_file() else ""
        target = re.search(rf"^build-{logical_id}:.*\n((?:\t.*\n)*)", text, re.MULTILINE)  # its recipe lines
        names: set[str] = set()
        for file in re.findall(r"-r\s+(\S+)", target.group(1) if target else ""):
            for line in (content / file).read_text(encoding="utf-8").splitlines():
                match = _REQUIREMENT_NAME.match(line.split("#", 1)[0])
                if match:
                    names.add(_normal(match.group(1)))
        found[logical_id] = names
    return found


def function_layers(template: Mapping[str, Any], properties: Mapping[str, Any],
                    condition: Callable[[str], bool]) -> list[str]:
    """A function's layers: the Globals' first, then its own (SAM appends a function's list to the Globals'); a
    layer under `Fn::If` is there when its condition holds."""
    found = []
    for ref in [*template.get("Globals", {}).get("Function", {}).get("Layers", []), *properties.get("Layers", [])]:
        if isinstance(ref, dict) and "Fn::If" in ref:
            name, then, otherwise = ref["Fn::If"]
            ref = then if condition(name) else otherwise
        if isinstance(ref, dict) and ref.get("Ref") not in (None, "AWS::NoValue"):
            found.append(str(ref["Ref"]))
    return found


def absent_modules(template: Mapping[str, Any], root: Path, properties: Mapping[str, Any],
                   condition: Callable[[str], bool], layers: Mapping[str, set[str]] | None = None) -> list[str]:
    """The modules of the layers the function does not have, less any that one of its own layers has too."""
    layers = layer_distributions(template, root) if layers is None else layers
    own = set(function_layers(template, properties, condition))
    theirs = set().union(*(names for layer, names in layers.items() if layer not in own))
    mine = set().union(*(names for layer, names in layers.items() if layer in own))
    return sorted(_modules_of(theirs - mine))
