"""Display names: what people read for each key the desk stores, in each language its profile speaks.

The API, the CSV's key column and the stored data keep the keys
(``service.attitude``, ``first_reply``); the console and the CSV's name
column show these names. A profile gives them per language and per kind of
key; when it gives a language at all it must name every key the desk can
show in it, so a desk in Chinese never reads a machine's word. Departments
are the exception: each has a ``name`` of its own, shown when the labels do
not name it (the roster can add departments at run time).
"""

from __future__ import annotations

from typing import Literal

from complaints.core.collaboration import ASSIST, CONSULT
from complaints.core.enums import (
    ApologyForm,
    CallbackOutcome,
    EventType,
    Nature,
    Priority,
    PromiseKind,
    PromiseState,
    Rating,
    RedressKind,
    RedressState,
    ResolutionOutcome,
    ReturnReason,
    Role,
    Stage,
    Status,
)

LabelKind = Literal["category", "department", "channel", "service", "status", "stage", "promise", "promise_state",
                    "root_cause", "outcome", "nature", "priority", "rating", "low_reason", "role", "event",
                    "redress", "apology", "redress_state", "return_reason", "reply", "dispute_step", "dispute_way",
                    "location"]
# language -> kind -> key -> the name shown
LabelTable = dict[str, dict[LabelKind, dict[str, str]]]

# Keys the engine itself stores that are no enum: how a confirmation or a survey ended, why a score was low.
ENDINGS = ("no_response", "unconfirmed")
LOW_REASONS = ("attitude", "speed", "result", "unstated")


def engine_keys() -> dict[LabelKind, set[str]]:
    """The keys of the engine's own vocabulary, the same for every desk."""
    return {
        "status": {s.value for s in Status},
        "stage": {s.value for s in Stage},
        # A consultation's and an assist's promises ("consult:Q1") are named by their kind ("consult").
        "promise": {k.value for k in PromiseKind} | {CONSULT, ASSIST},
        "promise_state": {s.value for s in PromiseState},
        "outcome": {o.value for o in ResolutionOutcome} | {o.value for o in CallbackOutcome} | set(ENDINGS),
        "nature": {n.value for n in Nature},
        "priority": {p.value for p in Priority},
        "rating": {r.value for r in Rating},
        "low_reason": set(LOW_REASONS),
        "role": {r.value for r in Role} | {"owner"},
        "event": {e.value for e in EventType},
        "redress": {k.value for k in RedressKind},
        "apology": {f.value for f in ApologyForm},
        "redress_state": {s.value for s in RedressState},
        "return_reason": {r.value for r in ReturnReason},
    }


def missing(labels: LabelTable, wanted: dict[LabelKind, set[str]]) -> dict[str, list[str]]:
    """Per language, the "kind:key" names the table lacks (languages with none missing left out)."""
    found: dict[str, list[str]] = {}
    for language, kinds in labels.items():
        lacking = sorted(f"{kind}:{key}" for kind, keys in wanted.items() for key in keys
                         if key not in kinds.get(kind, {}))
        if lacking:
            found[language] = lacking
    return found


def name(labels: LabelTable, language: str, kind: LabelKind, key: str | None) -> str:
    """The key's name in the language; the key itself when the profile gives none (or "—" for no key)."""
    if key is None or key == "":
        return "—"
    named = labels.get(language, {}).get(kind, {})
    prefix, _, number = str(key).partition(":")
    if kind == "promise" and number and prefix in named:
        return f"{named[prefix]} {number}"  # a consultation's or an assist's promise: "consult:Q1"
    return named.get(str(key), str(key))
