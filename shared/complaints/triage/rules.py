"""The phrase rules of the taxonomy: which of a category's phrases a complaint contains, and the cue lists.

Chinese needs no word segmentation for it, English phrases match on word
boundaries. Each category scores the weights of its phrases found in the text
(the longest match wins where phrases overlap), with a nudge from the service
the portal named (a category lists the services that point to it). Negated
phrases ("不是态度问题", "账单没有问题", "the bill is fine") do not count, and a
Chinese phrase of four or five characters still matches with one wrong
character (态度恶列 → 态度恶劣). The phrases found are the evidence shown to the
agent.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from complaints.core.policy import Policy
from complaints.core.values import Service

WEIGHTS = {"strong": 2.0, "phrases": 1.0, "weak": 0.5}
FUZZY_FACTOR = 0.6
FUZZY_LENGTHS = (4, 5)  # three-character phrases share too much with ordinary words (态度是 ≈ 态度差)
SERVICE_HINT = 0.5
_NEGATION_GAP = 2  # a negation counts when at most this many characters stand between it and the phrase
_WORD = re.compile(r"[a-z0-9][a-z0-9'+.-]*[a-z0-9+]|[a-z0-9]")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).lower().strip()


def _is_ascii(phrase: str) -> bool:
    return phrase.isascii()


@dataclass(frozen=True)
class _Phrase:
    text: str
    category: str
    weight: float


@dataclass(frozen=True)
class _Hit:
    phrase: _Phrase
    start: int
    end: int
    weight: float


class _Matcher:
    """Finds phrases of one list in normalised text: substring for Chinese, word n-grams for English.

    Each search starts only where a phrase can: a Chinese phrase at a character it begins with, an English
    one at a word it begins with, and a misspelt one (one character wrong in four or five) where the first
    two or the last two characters are right, as one wrong character leaves one end of it whole.
    """

    def __init__(self, phrases: list[_Phrase], fuzzy: bool) -> None:
        self.cjk = [p for p in phrases if not _is_ascii(p.text)]
        self.order = {id(p): k for k, p in enumerate(self.cjk)}  # the hits come out in the list's order
        self.by_first: dict[str, list[_Phrase]] = defaultdict(list)
        for phrase in self.cjk:
            self.by_first[phrase.text[:1]].append(phrase)
        # Where a phrase can begin: the search skips every other character in C (an English complaint has none)
        self.first_chars = _one_of(self.by_first)
        self.ngrams: dict[tuple[str, ...], list[_Phrase]] = defaultdict(list)
        for phrase in phrases:
            if _is_ascii(phrase.text):
                self.ngrams[tuple(_WORD.findall(phrase.text))].append(phrase)
        self.max_words = max((len(k) for k in self.ngrams), default=0)
        self.first_words = {key[0] for key in self.ngrams if key}
        self.masked: dict[str, list[_Phrase]] = defaultdict(list)
        self.ends: dict[int, tuple[set[str], set[str]]] = {length: (set(), set()) for length in FUZZY_LENGTHS}
        if fuzzy:
            for phrase in self.cjk:
                if len(phrase.text) in FUZZY_LENGTHS:
                    heads, tails = self.ends[len(phrase.text)]
                    heads.add(phrase.text[:2])
                    tails.add(phrase.text[-2:])
                    for i in range(len(phrase.text)):
                        self.masked[phrase.text[:i] + "\0" + phrase.text[i + 1:]].append(phrase)
        # Per length, the characters a window's first two (a head) or last two (a tail) can begin with
        self.window_chars = {length: (_one_of(heads), _one_of(tails)) for length, (heads, tails) in self.ends.items()}

    def find(self, text: str) -> list[_Hit]:
        hits = []
        by_first = self.by_first
        for found in self.first_chars.finditer(text):
            start = found.start()
            for phrase in by_first[found.group()]:
                if text.startswith(phrase.text, start):
                    hits.append(_Hit(phrase, start, start + len(phrase.text), phrase.weight))
        hits.sort(key=lambda h: self.order[id(h.phrase)])  # stable: each phrase's hits stay in text order
        if self.ngrams:
            words = _words(text)
            tokens = [w for w, _, _ in words]
            starts = [i for i, word in enumerate(tokens) if word in self.first_words]
            for size in range(1, self.max_words + 1):
                for i in starts:
                    if i + size <= len(tokens):
                        for phrase in self.ngrams.get(tuple(tokens[i:i + size]), ()):
                            hits.append(_Hit(phrase, words[i][1], words[i + size - 1][2], phrase.weight))
        if self.masked:
            exact = {(h.start, h.end) for h in hits}
            for length in FUZZY_LENGTHS:
                heads, tails = self.ends[length]
                head_chars, tail_chars = self.window_chars[length]
                last = len(text) - length
                # the windows whose head or tail can be a phrase's, in order: no other can pass the test below
                heads_at = {m.start() for m in head_chars.finditer(text, 0, last + 1)}
                tails_at = {m.start() - length + 2 for m in tail_chars.finditer(text, length - 2, last + length - 1)}
                starts = sorted(heads_at | tails_at)
                for start in starts:
                    window = text[start:start + length]
                    if (window[:2] not in heads and window[-2:] not in tails) or (start, start + length) in exact \
                            or _is_ascii(window):
                        continue
                    for i in range(length):
                        for phrase in self.masked.get(window[:i] + "\0" + window[i + 1:], ()):
                            hits.append(_Hit(phrase, start, start + length, phrase.weight * FUZZY_FACTOR))
        return hits


def _one_of(keys: dict[str, list[_Phrase]] | set[str]) -> re.Pattern[str]:
    """A pattern matching one character that some key begins with (none: a pattern that never matches)."""
    chars = sorted({key[0] for key in keys if key})
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]" if chars else r"(?!)")


@lru_cache(maxsize=64)
def _words(text: str) -> tuple[tuple[str, int, int], ...]:
    """The words of normalised text with where each starts and ends (every list of one text reads the same)."""
    return tuple((m.group(), m.start(), m.end()) for m in _WORD.finditer(text))


def _longest_first(hits: list[_Hit]) -> list[_Hit]:
    """Where phrases overlap, the longest one counts: 网速太慢 and not also 网速."""
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), -h.weight, h.start)):
        if not any(k.start <= hit.start and hit.end <= k.end for k in kept):
            kept.append(hit)
    return kept


class PhraseRules:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        phrases = [_Phrase(normalise(text), key, weight)
                   for key, category in policy.categories.items()
                   for kind, weight in WEIGHTS.items() for text in getattr(category, kind)]
        self.categories = _Matcher(phrases, fuzzy=True)
        cue_lists: dict[str, list[str]] = {
            **{str(k): v for k, v in policy.natures.items()}, "failure": policy.failure_words,
            "sensitive": policy.sensitive_words, "safety": policy.safety_words,
            "many_affected": policy.many_affected_words,
            "negate_before": policy.negations.before, "negate_after": policy.negations.after,
        }
        self.cues = {name: _Matcher([_Phrase(normalise(t), name, 1.0) for t in words], fuzzy=False)
                     for name, words in cue_lists.items()}

    def cue(self, name: str, text: str) -> list[str]:
        """The phrases of one cue list found in normalised text."""
        return sorted({h.phrase.text for h in self.cues[name].find(text)})

    def _negated(self, text: str, hit: _Hit) -> bool:
        window = 12
        before = text[max(0, hit.start - window):hit.start]
        after = text[hit.end:hit.end + window]
        return (any(len(before) - h.end <= _NEGATION_GAP for h in self.cues["negate_before"].find(before))
                or any(h.start <= _NEGATION_GAP for h in self.cues["negate_after"].find(after)))

    def scores(self, text: str, service: Service | None) -> tuple[dict[str, float], dict[str, list[str]]]:
        normal = normalise(text)
        hits = [h for h in _longest_first(self.categories.find(normal)) if not self._negated(normal, h)]
        scores: dict[str, float] = defaultdict(float)
        evidence: dict[str, list[str]] = defaultdict(list)
        for hit in hits:
            scores[hit.phrase.category] += hit.weight
            evidence[hit.phrase.category].append(normal[hit.start:hit.end])
        for key, category in self.policy.categories.items():
            if service is not None and service in category.services:
                scores[key] += SERVICE_HINT
        return dict(scores), dict(evidence)
