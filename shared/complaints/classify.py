"""Keyword classification into the policy's taxonomy.

Scores every category by the policy phrases found in the text, with a nudge
from the service the portal named, and derives nature and priority from the
signals the domain lists (VIP, sensitive channels and words, safety).
"""

from __future__ import annotations

from complaints.models import SENSITIVE_CHANNELS, Channel, Classification, Nature, Priority, Service
from complaints.policy import Policy

# A service named by the portal makes the categories under it more likely.
_SERVICE_HINTS: dict[Service, tuple[str, ...]] = {
    Service.MOBILE_VOICE: ("network.coverage", "network.voice_quality", "network.access"),
    Service.MOBILE_DATA: ("network.data", "network.coverage"),
    Service.BROADBAND: ("broadband.",),
    Service.BILLING: ("billing.",),
    Service.SERVICE: ("service.",),
}
_HINT_WEIGHT = 0.5


def _found(text: str, phrases: list[str]) -> list[str]:
    return [phrase for phrase in phrases if phrase.lower() in text]


def classify(
    text: str, *, service: Service | None, channel: Channel, vip: bool, policy: Policy
) -> Classification:
    lowered = text.lower()
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    for key, category in policy.categories.items():
        hits = _found(lowered, category.phrases)
        score = float(len(hits))
        if service is not None and any(key.startswith(p) for p in _SERVICE_HINTS.get(service, ())):
            score += _HINT_WEIGHT
        if score:
            scores[key] = score
            evidence[key] = hits
    if scores:
        best = max(scores, key=lambda key: scores[key])
        confidence = round(scores[best] / sum(scores.values()), 3)
    else:
        best, confidence = "other", 0.0

    sensitive = _found(lowered, policy.sensitive_words)
    safety = _found(lowered, policy.safety_words)
    return Classification(
        category=best,
        nature=_nature(lowered, has_fault=best != "other", policy=policy),
        priority=priority_from_signals(vip=vip, channel=channel, sensitive=bool(sensitive), safety=bool(safety)),
        confidence=confidence,
        evidence=evidence.get(best, []) + sensitive + safety,
    )


def _nature(text: str, *, has_fault: bool, policy: Policy) -> Nature:
    if has_fault:
        return Nature.VALID
    for nature in ("inquiry", "help_seeking", "venting"):
        if _found(text, policy.natures.get(nature, [])):
            return Nature(nature)
    return Nature.VALID


def priority_from_signals(*, vip: bool, channel: Channel, sensitive: bool, safety: bool) -> Priority:
    if safety or (sensitive and channel in SENSITIVE_CHANNELS):
        return Priority.URGENT
    if vip or sensitive or channel in SENSITIVE_CHANNELS:
        return Priority.HIGH
    return Priority.NORMAL
