"""The domain package reads top-down: each folder imports only from the folders below it, with no cycles.

The layers, lowest first, follow one complaint through the desk: the core
vocabulary, the adapters to AWS, the desk context, the stages (triage,
promises, reporting; then intake and handling), the workflow's steps, the
wiring, and the web views the handlers serve.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "complaints"
LAYERS = {
    "core": 0,
    "adapters": 1,
    "desk": 2,
    "triage": 3, "promises": 3, "reporting": 3,
    "intake": 4, "handling": 4,
    "workflow": 5,
    "bootstrap": 6,
    "web": 7,
}
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(("complaints", *parts))] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every complaints module the file imports, at the top or inside a function (not under TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("complaints"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("complaints"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {name for name in found if name in MODULES}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


GRAPH = {module: _imports(path) for module, path in MODULES.items()}


def test_every_folder_and_top_module_has_a_layer() -> None:
    unplaced = sorted({m.split(".")[1] for m in MODULES if m.count(".") >= 1 and _layer(m) is None})
    assert unplaced == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_higher_layer(module: str) -> None:
    own = _layer(module)
    if own is None:
        return
    upward = sorted(name for name in GRAPH[module] if (_layer(name) or 0) > own)
    assert upward == [], f"{module} (layer {own}) imports from a higher layer: {upward}"


def test_no_import_cycle() -> None:
    try:
        tuple(TopologicalSorter(GRAPH).static_order())
    except CycleError as exc:  # pragma: no cover - the failure message
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_short(module: str) -> None:
    path = MODULES[module]
    name = path.relative_to(PACKAGE).as_posix()
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by what its parts do"
