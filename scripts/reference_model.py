"""The backup model of the reference-screening experiment (scripts/train_reference_model.py).

Not part of the screener: docs/references.md, "A model was tried", says what it measured and
why it is not shipped. It is a pair of linear models over counts of the Chinese characters and
ASCII words of a normalised sentence: a binary logistic regression (adverse or not, at least
``threshold`` log-odds) and a multinomial one that names the label, whose best adverse label
must outscore ``neutral`` by ``margin``. Inference is plain Python (lookups and sums).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Final

__all__ = ["ModelError", "ReferenceModel", "features", "load_model"]

FORMAT: Final = 1

_WORD: Final = re.compile(r"[a-z0-9']+")
_ASCII_LETTER: Final = re.compile("[a-z0-9]")


class ModelError(ValueError):
    """The model file is malformed; the message names the file and the field."""


def features(norm: str) -> list[str]:
    """The model's features of one normalised sentence: its Chinese characters and its ASCII
    words (letters, digits, apostrophes), each as often as it occurs. A character is non-ASCII
    and a word ASCII, so the two never collide."""
    found = _WORD.findall(norm)
    if not norm.isascii():
        found.extend(c for c in norm if "\u3400" <= c <= "\u9fff")
    return found


@dataclass(frozen=True, slots=True)
class ReferenceModel:
    version: str
    labels: tuple[str, ...]  # "neutral", "private_life", "forbidden:<c>", "misconduct:<c>"
    intercepts: tuple[float, ...]
    weights: Mapping[str, tuple[tuple[int, float], ...]]  # feature -> (label index, weight)
    margin: float
    neutral: int  # index of "neutral" in labels
    binary_intercept: float
    chars: Mapping[str, float]  # binary weights of Chinese characters
    words: Mapping[str, float]  # binary weights of ASCII words
    threshold: float

    def adverse(self, norm: str) -> float:
        """The binary log-odds that ``norm`` (a normalised sentence) is adverse. Every
        character of the sentence is looked up (only Chinese ones have weights), so the sums
        run in C through ``map``, with no feature list built."""
        score = self.binary_intercept
        if norm.isascii():
            return score + sum(map(self.words.get, _WORD.findall(norm), _ZERO))
        score += sum(map(self.chars.get, norm, _ZERO))
        if _ASCII_LETTER.search(norm):
            score += sum(map(self.words.get, _WORD.findall(norm), _ZERO))
        return score

    def predict(self, norm: str) -> str | None:
        """The adverse label the model gives ``norm`` (a normalised sentence), or None."""
        if self.adverse(norm) < self.threshold:
            return None
        weights = self.weights
        scores = list(self.intercepts)
        for feature in features(norm):
            pairs = weights.get(feature)
            if pairs is not None:
                for label, weight in pairs:
                    scores[label] += weight
        best = max(range(len(scores)), key=scores.__getitem__)
        if best == self.neutral or scores[best] - scores[self.neutral] < self.margin:
            return None
        return self.labels[best]


_ZERO: Final = repeat(0.0)


def _pairs(flat: Iterable[Any]) -> Iterable[tuple[Any, Any]]:
    """[i, w, i, w, ...] -> (i, w) pairs: the file stores them flat to stay small."""
    items = list(flat)
    if len(items) % 2:
        raise ValueError("weights must hold label, weight pairs")
    return zip(items[::2], items[1::2], strict=True)


def _load(data: Mapping[str, Any], where: str) -> ReferenceModel:
    try:
        if data["format"] != FORMAT:
            raise ModelError(f"{where}: format {data['format']!r}, this code reads {FORMAT}")
        labels = tuple(str(label) for label in data["labels"])
        intercepts = tuple(float(x) for x in data["intercepts"])
        if len(intercepts) != len(labels) or "neutral" not in labels:
            raise ModelError(f"{where}: intercepts must match labels, and labels hold 'neutral'")
        weights: dict[str, tuple[tuple[int, float], ...]] = {}
        for feature, flat in data["weights"].items():
            entry = tuple((int(i), float(w)) for i, w in _pairs(flat))
            if any(not 0 <= i < len(labels) for i, _ in entry):
                raise ModelError(f"{where}: weights[{feature!r}] names an unknown label")
            weights[str(feature)] = entry
        binary = data["binary"]
        binary_weights = {str(f): float(w) for f, w in binary["weights"].items()}
        return ReferenceModel(
            version=str(data["version"]),
            labels=labels,
            intercepts=intercepts,
            weights=weights,
            margin=float(data["margin"]),
            neutral=labels.index("neutral"),
            binary_intercept=float(binary["intercept"]),
            chars={f: w for f, w in binary_weights.items() if not f.isascii()},
            words={f: w for f, w in binary_weights.items() if f.isascii()},
            threshold=float(binary["threshold"]),
        )
    except KeyError as exc:
        raise ModelError(f"{where}: missing field {exc.args[0]!r}") from None
    except ModelError:
        raise
    except (TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{where}: {exc}") from None


def load_model(text: str, where: str = "model") -> ReferenceModel:
    """Parse a model file's text (JSON); errors name ``where`` and the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{where}: not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{where}: expected a JSON object")
    return _load(data, where)
