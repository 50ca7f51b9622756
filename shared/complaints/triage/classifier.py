"""Classification (分类): category, nature and priority from the text and the structured fields.

Two voices decide the category. The policy's phrase rules (complaints.triage.
rules) find the evidence an agent can read, with negation and typos; a linear
model trained on the profile's labelled complaints (complaints.triage.
linear_model, written by `make model`) reads every character n-gram and word
of the text, so it still answers for phrasing nobody listed. Each gives a
probability for every category; the vote weighs them as the profile's model
file says (the weight was chosen by cross-validation when it was trained), and
a complaint whose winning category is less likely than the profile's
`text_model.min_probability` goes to the triage desk instead of a guess,
unless the nature model is sure it is a question or a request for help (those
go to the category's desk, `other` when there is none: the customer is
answered whatever the topic). A vent, like a fault, needs its topic known.

A profile may name an English encoder besides (complaints.triage.encoder):
it is asked only of an English complaint whose winning category is less
likely than `text_model.encoder.consult_below`, and its scores join the
model's before the vote is taken again. If it cannot answer (its weights did
not load, onnxruntime failed), the vote stands without it and a warning says
so: a complaint is never lost to its second reader.

The nature has a model of its own, over the same features and the policy's
cue lists (questions, requests for help, emotional words, failure words), as
the desk's rules define natures by what the customer does, not by which topic
is named. A profile without a model file is classified by its phrase rules
and cue lists alone. `Classifier` is the seam for another implementation
(Amazon Comprehend custom classification in complaints.adapters.comprehend).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from complaints.core.enums import Nature, Priority
from complaints.core.observability import count, logger
from complaints.core.policy import POLICY_DIR, Policy
from complaints.core.values import Channel, Classification, Service
from complaints.triage.encoder import Encoder, EncoderUnavailable, blended, shipped_encoder
from complaints.triage.features import text_features
from complaints.triage.linear_model import TrainedModels
from complaints.triage.rules import PhraseRules, normalise

NATURE_CUES = ("inquiry", "help_seeking", "venting", "failure")
_SIGNALS = ("sensitive", "safety", "many_affected")


def cue_features(rules: PhraseRules, normal: str) -> list[str]:
    """Which of the policy's cue lists normalised text meets: the nature model reads them beside the text."""
    return [f"cue:{name}" for name in NATURE_CUES if rules.cue(name, normal)]


def rule_probabilities(scores: dict[str, float], categories: list[str], baseline: float,
                       temperature: float) -> dict[str, float]:
    """The rules' scores as probabilities; `other` stands at the score a category needs to be found."""
    raw = {c: (baseline if c == "other" else scores.get(c, 0.0)) / temperature for c in categories}
    top = max(raw.values())
    exps = {c: math.exp(v - top) for c, v in raw.items()}
    whole = sum(exps.values())
    return {c: e / whole for c, e in exps.items()}


def combine(model: Mapping[str, float], ruled: Mapping[str, float], weight: float,
            trust: Mapping[str, float]) -> dict[str, float]:
    """The vote: the model's and the rules' probabilities mixed by the rules' weight, scaled by how often the
    rules' favourite category was right in cross-validation (`trust`, 1 when unknown), so the rules do not
    outvote a sure model on a category where their phrases are weak."""
    top = max(ruled, key=lambda c: ruled[c])
    weight *= trust.get(top, 1.0)
    return {c: (1 - weight) * model.get(c, 0.0) + weight * p for c, p in ruled.items()}


@dataclass(frozen=True)
class Decision:
    """Everything the classifier weighed, for the classification and for `complaints classify --explain`."""

    category: str
    nature: Nature
    confidence: float
    needs_triage: bool
    votes: dict[str, float]
    rule_scores: dict[str, float]
    evidence: dict[str, list[str]]
    model_category: dict[str, float]
    model_nature: dict[str, float]
    features: list[str]
    cue_features: list[str]
    encoder: dict[str, float] | None = None  # the encoder's scores, when the vote was unsure and it was asked


class TextClassifier:
    def __init__(self, policy: Policy, models: TrainedModels | None = None, encoder: Encoder | None = None) -> None:
        """models and encoder: the profile's shipped files when not given. An encoder is trained beside the shipped
        models, so models given without an encoder (cross-validation's) are used without one."""
        self.policy = policy
        self.rules = PhraseRules(policy)
        text_model = policy.text_model
        if models is None and text_model is not None:
            models = shipped_models(POLICY_DIR / text_model.model)
            if encoder is None and text_model.encoder is not None:
                encoder = shipped_encoder(POLICY_DIR / text_model.encoder.file)
        self.models = models
        self.encoder = encoder if models is not None else None
        vote = text_model.encoder if text_model else None
        self.encoder_weight = vote.weight if vote else 0.0
        self.consult_below = vote.consult_below if vote else 0.0
        self.min_probability = policy.text_model.min_probability if policy.text_model else 0.0
        self.min_nature_probability = policy.text_model.min_nature_probability if policy.text_model else 0.0

    def decide(self, text: str, service: Service | None) -> Decision:
        normal = normalise(text)
        scores, evidence = self.rules.scores(text, service)
        if self.models is None:
            return self._rules_only(normal, scores, evidence)
        categories = list(self.policy.categories)
        features = text_features(normal)
        model = self.models.category.probabilities(features)
        weight = self.models.vote["rule_weight"]
        rules = rule_probabilities(scores, categories, self.policy.triage.min_score,
                                   self.models.vote["rule_temperature"])
        votes = combine(model, rules, weight, self.models.rule_trust)
        category = max(votes, key=lambda c: votes[c])
        encoded = None
        if self.encoder is not None and votes[category] < self.consult_below and self.encoder.reads(text):
            try:
                encoded = self.encoder.scores(text)
            except EncoderUnavailable as exc:  # the vote stands: the complaint is classified, and the desk is told
                logger.warning("the English encoder is unavailable; classified without it",
                               extra={"reason": str(exc), "profile": self.policy.profile})
                count("EncoderUnavailable")  # the template's EncoderUnavailableAlarm
            else:
                model = blended(model, encoded, self.encoder_weight)
                votes = combine(model, rules, weight, self.models.rule_trust)
                category = max(votes, key=lambda c: votes[c])
        cues = cue_features(self.rules, normal)
        natures = self.models.nature.probabilities(features + cues)
        nature = Nature(max(natures, key=lambda n: natures[n]))
        confidence = round(votes[category], 3)
        # A question or a request for help is answered by the category's desk whatever the topic; a fault or a
        # vent needs its topic known to reach the desk that can put it right.
        answerable = nature in (Nature.INQUIRY, Nature.HELP_SEEKING)
        unsure_nature = not answerable or natures[nature.value] < self.min_nature_probability
        needs_triage = unsure_nature and confidence < self.min_probability
        return Decision(category, nature, confidence, needs_triage, votes, scores, evidence, model, natures,
                        features, cues, encoded)

    def _rules_only(self, normal: str, scores: dict[str, float], evidence: dict[str, list[str]]) -> Decision:
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, best_score = ranked[0] if ranked else ("other", 0.0)
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = round(best_score / (best_score + second), 3) if best_score else 0.0
        triage = self.policy.triage
        nature = self._cue_nature(normal, best_score >= triage.min_score)
        # A question or a request names topics; only a strong phrase makes it that category.
        found = best_score >= (triage.min_score if nature is Nature.VALID else triage.min_score_communicative)
        needs_triage = nature is Nature.VALID and (not found or confidence < triage.min_confidence)
        total = sum(scores.values()) or 1.0
        return Decision(best if found else "other", nature, confidence if found else 0.0, needs_triage,
                        {k: v / total for k, v in ranked}, scores, evidence, {}, {}, [], [])

    def _cue_nature(self, text: str, found_category: bool) -> Nature:
        failure = bool(self.rules.cue("failure", text))
        venting = bool(self.rules.cue("venting", text))
        if venting and not found_category and not failure:
            return Nature.VENTING
        if self.rules.cue("help_seeking", text) and not failure:
            return Nature.HELP_SEEKING
        if self.rules.cue("inquiry", text) and not failure:
            return Nature.INQUIRY
        if venting and not found_category:
            return Nature.VENTING
        return Nature.VALID

    def classify(self, text: str, *, service: Service | None, channel: Channel, vip: bool,
                 repeat: bool = False) -> Classification:
        decision = self.decide(text, service)
        normal = normalise(text)
        signals = {name: self.rules.cue(name, normal) for name in _SIGNALS}
        priority = priority_from_signals(vip=vip, sensitive_channel=self.policy.channel_sensitive(channel),
                                         sensitive=bool(signals["sensitive"]),
                                         safety=bool(signals["safety"]),
                                         many_affected=bool(signals["many_affected"]), repeat=repeat,
                                         communicative=decision.nature is not Nature.VALID)
        evidence = decision.evidence.get(decision.category, [])
        if not evidence and self.models is not None:  # the model alone decided: show the agent what it read
            evidence = [word for word, _ in _by_word(self.models.category.contributions(
                decision.features, decision.category, limit=12), normal, 3)]
        ranked = sorted(decision.votes.items(), key=lambda kv: -kv[1])[:3]
        return Classification(
            category=decision.category,
            nature=decision.nature,
            priority=priority,
            confidence=decision.confidence,
            evidence=evidence + [w for ws in signals.values() for w in ws],
            needs_triage=decision.needs_triage,
            department=(self.policy.triage.department if decision.needs_triage
                        else self.policy.categories[decision.category].department),
            alternatives={k: round(v, 2) for k, v in ranked},
        )

    def explain(self, text: str, service: Service | None = None, limit: int = 8) -> dict[str, Any]:
        """Why the classifier answered as it did: the rules' evidence and the model's strongest features."""
        d = self.decide(text, service)
        explanation: dict[str, Any] = {
            "category": d.category, "nature": d.nature.value, "confidence": d.confidence,
            "needs_triage": d.needs_triage,
            "vote": {k: round(v, 3) for k, v in sorted(d.votes.items(), key=lambda kv: -kv[1])[:4]},
            "rules": {"scores": {k: round(v, 2) for k, v in sorted(d.rule_scores.items(), key=lambda kv: -kv[1])},
                      "evidence": d.evidence},
        }
        if self.models is not None:
            explanation["model"] = {
                "weight_of_rules": self.models.vote["rule_weight"],
                "category": {k: round(v, 3) for k, v in sorted(d.model_category.items(), key=lambda kv: -kv[1])[:4]},
                "category_features": _by_word(self.models.category.contributions(
                    d.features, d.category, 4 * limit), normalise(text), limit),
                "nature": {k: round(v, 3) for k, v in sorted(d.model_nature.items(), key=lambda kv: -kv[1])},
                "nature_features": _by_word(self.models.nature.contributions(
                    d.features + d.cue_features, d.nature.value, 4 * limit), normalise(text), limit),
            }
        if d.encoder is not None:  # the vote was unsure of an English complaint: what the encoder read in it
            explanation["encoder"] = {"weight": self.encoder_weight,
                                      "scores": {k: round(v, 2) for k, v in
                                                 sorted(d.encoder.items(), key=lambda kv: -kv[1])[:4]}}
        return explanation


def _by_word(pushes: list[tuple[str, float]], normal: str, limit: int) -> list[tuple[str, float]]:
    """Features as an agent reads them, the pieces of an English word summed into the word."""
    words = normal.split()
    summed: dict[str, float] = {}
    for feature, weight in pushes:
        label = readable(feature)
        if feature.startswith("s:"):
            piece = feature[2:].strip()
            label = next((w.strip(".,!?;:'\"") for w in words if piece in w), label)
        summed[label] = round(summed.get(label, 0.0) + weight, 3)
    return sorted(summed.items(), key=lambda kv: -kv[1])[:limit]


def readable(feature: str) -> str:
    """A model feature as an agent reads it: 'w:call_back' → 'call back', 'c:态度' → '态度', 'p:?' → '?'."""
    kind, _, body = feature.partition(":")
    if kind == "cue":
        return f"[{body} cue]"
    if kind == "s":
        return f"{body}…"
    return body.replace("_", " ")


def priority_from_signals(*, vip: bool, sensitive_channel: bool, sensitive: bool, safety: bool,
                          many_affected: bool = False, repeat: bool = False,
                          communicative: bool = False) -> Priority:
    """sensitive_channel: the complaint came through a channel the profile marks sensitive."""
    if safety or (sensitive and sensitive_channel):
        return Priority.URGENT
    if vip or sensitive or sensitive_channel or many_affected or repeat:
        return Priority.HIGH
    return Priority.LOW if communicative else Priority.NORMAL


_compiled: dict[int, TextClassifier] = {}
# A model file as read, by its path and version on disk: every policy object naming it shares one copy (a test
# process makes hundreds of policies, and each copy of a model takes a few hundred MB)
_models: dict[tuple[Path, int, int], TrainedModels] = {}


def shipped_models(path: Path) -> TrainedModels:
    """The model file's models, read once per process and per version of the file."""
    try:
        stat = path.stat()
    except OSError:
        return TrainedModels.load(path)  # its error names the file
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    models = _models.get(key)
    if models is None:
        models = _models[key] = TrainedModels.load(path)
    return models


def text_classifier(policy: Policy) -> TextClassifier:
    """Compiled once per loaded policy (policies are loaded once per process)."""
    compiled = _compiled.get(id(policy))
    if compiled is None or compiled.policy is not policy:
        compiled = _compiled[id(policy)] = TextClassifier(policy)
    return compiled


def classify(text: str, *, service: Service | None, channel: Channel, vip: bool, policy: Policy,
             repeat: bool = False) -> Classification:
    return text_classifier(policy).classify(text, service=service, channel=channel, vip=vip, repeat=repeat)
