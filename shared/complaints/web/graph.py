"""The workflow drawn as a graph: states of an ASL definition laid out top-down, as SVG.

The definition is the one the execution runs on (DescribeStateMachineForExecution),
so a complaint started before a deploy is drawn as its own workflow. The path
comes from the execution's history: every state entered, the transitions
taken, and the state it is in now.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 168, 30, 16, 34, 12
RESUME_INPUT = "$.resume"  # the execution input a new execution of a complaint goes on from


@dataclass
class Path:
    """Where an execution has been and where it is."""

    entered: list[str] = field(default_factory=list)  # in order, with repeats
    current: str | None = None
    status: str = "RUNNING"

    @property
    def transitions(self) -> set[tuple[str, str]]:
        return set(zip(self.entered, self.entered[1:], strict=False))


def path_from_history(events: Iterable[dict[str, Any]], status: str = "RUNNING") -> Path:
    path = Path(status=status)
    open_states: list[str] = []
    for event in events:
        entered = event.get("stateEnteredEventDetails")
        exited = event.get("stateExitedEventDetails")
        if entered:
            path.entered.append(entered["name"])
            open_states.append(entered["name"])
        elif exited and exited["name"] in open_states:
            open_states.remove(exited["name"])
    path.current = open_states[-1] if open_states else (path.entered[-1] if path.entered else None)
    return path


def edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(from, to, kind) for every transition the definition allows; kind is next, choice, resume or catch."""
    found: list[tuple[str, str, str]] = []
    for name, state in definition["States"].items():
        if "Next" in state:
            found.append((name, state["Next"], "next"))
        for choice in state.get("Choices", []):
            # The resume entry's jumps to each wait and step are drawn only when an execution took one.
            resumes = str(choice.get("Variable", "")).startswith(RESUME_INPUT)
            found.append((name, choice["Next"], "resume" if resumes else "choice"))
        if "Default" in state:
            found.append((name, state["Default"], "choice"))
        for catch in state.get("Catch", []):
            found.append((name, catch["Next"], "catch"))
    return found


def layers(definition: dict[str, Any]) -> list[list[str]]:
    """States by distance from the start along ordinary transitions; error handlers go last."""
    graph: dict[str, list[str]] = {name: [] for name in definition["States"]}
    for source, target, kind in edges(definition):
        if kind not in ("catch", "resume"):
            graph[source].append(target)
    depth = {definition["StartAt"]: 0}
    queue = deque([definition["StartAt"]])
    while queue:
        name = queue.popleft()
        for target in graph[name]:
            if target not in depth:
                depth[target] = depth[name] + 1
                queue.append(target)
    # Reached only through a Catch: a handler of one or two steps sits below them,
    # the workflow-wide failure handler at the bottom.
    catchers: dict[str, list[str]] = {}
    for source, target, kind in edges(definition):
        if kind == "catch":
            catchers.setdefault(target, []).append(source)
    bottom = max(depth.values(), default=0) + 1
    for name in definition["States"]:
        sources = [depth[s] for s in catchers.get(name, []) if s in depth]
        if name not in depth and 0 < len(set(catchers.get(name, []))) <= 2 and sources:
            depth[name] = min(sources) + 1
    for name in definition["States"]:
        depth.setdefault(name, bottom)
    rows: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    for name in definition["States"]:
        rows[depth[name]].append(name)
    return [row for row in rows if row]


def svg(definition: dict[str, Any], path: Path | None = None, title: str = "workflow") -> str:
    path = path or Path()
    rows = layers(definition)
    widest = max(len(row) for row in rows)
    width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + 70  # room for edges going back up
    height = MARGIN * 2 + len(rows) * NODE_H + (len(rows) - 1) * GAP_Y
    box: dict[str, tuple[float, float]] = {}
    for r, row in enumerate(rows):
        row_width = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = (width - 70 - row_width) / 2
        for c, name in enumerate(row):
            box[name] = (left + c * (NODE_W + GAP_X), MARGIN + r * (NODE_H + GAP_Y))
    visited = set(path.entered)
    taken = path.transitions
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{escape(title)}">',
             '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="context-stroke"/></marker></defs>']
    catch_sources: dict[str, int] = {}
    for _, target, kind in edges(definition):
        catch_sources[target] = catch_sources.get(target, 0) + (kind == "catch")
    for source, target, kind in edges(definition):
        if ((kind == "catch" and catch_sources[target] > 2) or kind == "resume") and (source, target) not in taken:
            continue  # every task's failure path, and where a new execution went on: drawn only when taken
        (x1, y1), (x2, y2) = box[source], box[target]
        if y2 == y1:  # along a row: facing sides
            sx, tx = (x1 + NODE_W, x2) if x2 > x1 else (x1, x2 + NODE_W)
            d = f"M{sx:.0f},{y1 + NODE_H / 2:.0f} L{tx:.0f},{y2 + NODE_H / 2:.0f}"
        elif y2 > y1:  # downwards: bottom centre to top centre
            d = f"M{x1 + NODE_W / 2:.0f},{y1 + NODE_H:.0f} L{x2 + NODE_W / 2:.0f},{y2:.0f}"
        else:  # back to an earlier step: round the right-hand side
            sx, sy, tx, ty = x1 + NODE_W, y1 + NODE_H / 2, x2 + NODE_W, y2 + NODE_H / 2
            bulge = max(sx, tx) + 26 + abs(sy - ty) / 8
            d = f"M{sx:.0f},{sy:.0f} C{bulge:.0f},{sy:.0f} {bulge:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
        css = "edge taken" if (source, target) in taken else f"edge {kind}"
        parts.append(f'<path class="{css}" d="{d}" marker-end="url(#arrow)"/>')
    for name, (x, y) in box.items():
        state = definition["States"][name]
        classes = ["state", state["Type"].lower()]
        if name in visited:
            classes.append("visited")
        if name == path.current:
            classes.append("current" if path.status == "RUNNING" else f"current ended-{path.status.lower()}")
        label = name if len(name) <= 22 else name[:21] + "…"
        attributes = f'class="{" ".join(classes)}" data-state="{escape(name)}"'
        if name == path.current:
            attributes += ' aria-current="step"'
        parts.append(f'<g {attributes}><title>{escape(name)} ({escape(state["Type"])})</title>'
                     f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6"/>'
                     f'<text x="{x + NODE_W / 2:.0f}" y="{y + NODE_H / 2 + 4:.0f}" text-anchor="middle">'
                     f"{escape(label)}</text></g>")
    parts.append("</svg>")
    return "".join(parts)
