"""What the learned model reads in a complaint: character n-grams of Chinese, words and word pairs of English.

The same function runs when the model is trained (bench/train_classifier.py,
with scikit-learn) and when a complaint is classified (pure Python, no numpy),
so the two can never disagree about a feature. Chinese needs no segmentation:
runs of Chinese characters give their 1-, 2- and 3-grams. English words give
unigrams, bigrams and their 3- and 4-character pieces (with the word's edges
marked), which carry a misspelt or inflected word (disconecting, dropped) to
the stem it shares with the right one (5-character pieces added nothing in
cross-validation but weight to the file). A question mark and an exclamation mark are features of their
own: they tell questions and rants apart. FEATURES_VERSION changes whenever
the output of this module does, and a model trained with another version is
refused.
"""

from __future__ import annotations

import re

FEATURES_VERSION = 3
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_MARKS = {"?": "p:?", "!": "p:!"}


def text_features(normal: str) -> list[str]:
    """The features of normalised text (complaints.triage.rules.normalise); the model counts each once."""
    found: list[str] = []
    for run in _CJK_RUN.findall(normal):
        for size in (1, 2, 3):
            found.extend("c:" + run[i:i + size] for i in range(len(run) - size + 1))
    words = _WORD.findall(normal)
    found.extend("w:" + word for word in words)
    found.extend(f"w:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    for word in words:
        if not word.isdigit():
            padded = f" {word} "
            for size in (3, 4):
                found.extend("s:" + padded[i:i + size] for i in range(len(padded) - size + 1))
    found.extend(mark for char, mark in _MARKS.items() if char in normal)
    return found
