"""The English encoder: a second reader for the English complaints the vote is unsure of.

The linear model reads the words it was trained on. A complaint in plain
English by someone whose phrasing it has not met is where it is least sure and
most often wrong. The encoder (all-MiniLM-L6-v2, pretrained on general English
and trained on the profile's categories by `make encoder`) reads those better.
It is an ONNX file with 8-bit weights, run by onnxruntime with the tokenizer it
was trained with. It reads English alone; a complaint with any Chinese in it is
never sent to it.

It costs milliseconds a complaint where the linear model costs a fraction of
one, and loading it costs about a second. So nothing of it is imported or read
until the first complaint that needs it (a cold start is the linear model's),
and only complaints whose winning category is less likely than the profile's
`text_model.encoder.consult_below` are sent to it: the median stays the linear
model's.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import threading
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[^\W\d_]+")  # letters of any script
MIN_WORDS = 3  # "hi", "test" or "asdf" is not English enough to read: the rules and the model send it to triage


RUN_TIME = ("onnxruntime", "tokenizers", "numpy")


class EncoderFileError(ValueError):
    """The encoder's files are missing, unreadable or do not fit the profile."""


class EncoderUnavailable(RuntimeError):
    """The encoder could not read a complaint: its weights did not load, or onnxruntime failed on it. The
    classifier's vote stands without it."""


class Encoder:
    """One profile's encoder: its description is read at once, its weights at the first complaint it reads."""

    def __init__(self, description: Path) -> None:
        try:
            data = json.loads(description.read_text(encoding="utf-8"))
            self.categories: list[str] = [str(c) for c in data["categories"]]
            self.max_tokens = int(data["max_tokens"])
            self.trained_on: dict[str, str] = dict(data.get("inputs", {}))
            self.weights_path = description.parent / str(data["weights"])
            self.tokenizer_path = description.parent / str(data["tokenizer"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EncoderFileError(f"cannot read the encoder {description.name}: {exc!r}") from exc
        for path in (self.weights_path, self.tokenizer_path):
            if not path.is_file():
                raise EncoderFileError(f"{description.name} names {path.name}, which is not there: run `make encoder`")
        # Found, not imported: a function without the encoder's run time fails at its init, not at the first
        # complaint that needs it.
        missing = [name for name in RUN_TIME if importlib.util.find_spec(name) is None]
        if missing:
            raise EncoderFileError(f"{description.name} needs {', '.join(missing)}, which this function does not have "
                                   "(the EncoderLayer)")
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._broken: str | None = None  # why its weights did not load: tried once per process, not per complaint

    @staticmethod
    def reads(text: str) -> bool:
        """English: no Chinese character, and three words or more, all in plain Latin letters (full-width ones
        count as their half-width forms; an accented or non-Latin word, as in Vietnamese or Korean, is not)."""
        normal = unicodedata.normalize("NFKC", text)
        if CJK.search(normal):
            return False
        words = WORD.findall(normal)
        return len(words) >= MIN_WORDS and all(word.isascii() for word in words)

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            if self._broken is None:
                try:
                    self._open()
                except Exception as exc:  # onnxruntime's and tokenizers' errors share no base class
                    self._broken = f"{self.weights_path.name} did not load: {type(exc).__name__}"
            if self._broken is not None:
                raise EncoderUnavailable(self._broken)

    def _open(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        # A Lambda function has one or two vCPUs, and the embedded stack runs functions side by side.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_tokens)
        session = onnxruntime.InferenceSession(str(self.weights_path), options, providers=["CPUExecutionProvider"])
        self._tokenizer, self._session = tokenizer, session

    def scores(self, text: str) -> dict[str, float]:
        """The encoder's score (logit) for each category."""
        if self._session is None:
            self._load()
        import numpy

        encoded = self._tokenizer.encode(unicodedata.normalize("NFKC", text))
        feed = {
            "input_ids": numpy.array([encoded.ids], dtype=numpy.int64),
            "attention_mask": numpy.array([encoded.attention_mask], dtype=numpy.int64),
            "token_type_ids": numpy.array([encoded.type_ids], dtype=numpy.int64),
        }
        try:
            (logits,) = self._session.run(["logits"], feed)
        except Exception as exc:  # onnxruntime's errors share no base class; its message is not logged
            raise EncoderUnavailable(f"{self.weights_path.name} failed on a complaint: {type(exc).__name__}") from exc
        return {c: float(v) for c, v in zip(self.categories, logits[0], strict=True)}


def blended(model: Mapping[str, float], scores: Mapping[str, float], weight: float) -> dict[str, float]:
    """The linear model's probabilities with the encoder's scores added to their logarithms at `weight`."""
    floor = 1e-12
    raw = {c: math.log(max(p, floor)) + weight * scores.get(c, 0.0) for c, p in model.items()}
    top = max(raw.values())
    exps = {c: math.exp(v - top) for c, v in raw.items()}
    whole = sum(exps.values())
    return {c: e / whole for c, e in exps.items()}


_encoders: dict[tuple[Path, int, int], Encoder] = {}


def shipped_encoder(description: Path) -> Encoder:
    """The profile's encoder, one per process and version of its description (its weights load at first use)."""
    try:
        stat = description.stat()
    except OSError:
        return Encoder(description)  # its error names the file
    key = (description.resolve(), stat.st_mtime_ns, stat.st_size)
    encoder = _encoders.get(key)
    if encoder is None:
        encoder = _encoders[key] = Encoder(description)
    return encoder
