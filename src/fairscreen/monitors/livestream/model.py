"""The model that reads context: one logistic regression per segment rule over character
n-grams (1 to 3) of the segment, bigrams of the next segment (where a host substantiates a
claim), and the listing's categories and stock (``c:``, ``s:`` tokens).

Trained here, with scipy's L-BFGS on the labelled set's ``train`` half (``labelled.py``), and
shipped as ``model.json`` (the n-grams and their weights, rounded; a few hundred kilobytes):
nothing is downloaded at run time. ``fairscreen monitor livestream train`` rebuilds it; the
bench measures it on the ``test`` half it never saw.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from scipy import optimize, sparse

from fairscreen.kit.errors import ConfigError
from fairscreen.monitors.livestream.detect import Finding, normalise
from fairscreen.monitors.livestream.format import Room
from fairscreen.monitors.livestream.pack import SEGMENT_RULES, shipped_pack

FORMAT = "fairscreen-livestream-model/1"
THRESHOLD = 30  # a finding at 30 % or more (chosen on a validation split of the train half)


def _stock(stocks: Sequence[int | None]) -> str:
    known = [s for s in stocks if s is not None]
    if not known:
        return "s:none"
    low = min(known)
    return "s:few" if low <= 10 else "s:many"


@cache
def _lexicon() -> tuple[tuple[str, tuple[str, ...], tuple[re.Pattern[str], ...]], ...]:
    """The shipped pack's raw term lists and patterns, without its context rules: the model
    sees that a term occurs and learns from the n-grams around it when it does not count."""
    pack = shipped_pack()
    return tuple(
        (
            r.id,
            tuple(normalise(t) for t in (*r.terms, *r.effects)),
            tuple(re.compile(p, re.IGNORECASE) for p in r.patterns),
        )
        for r in pack.rules
        if r.scope == "segment"
    )


def features(text: str, after: str, categories: Iterable[str], stock: str) -> set[str]:
    t, a = normalise(text), normalise(after)
    cats = ["c:" + c for c in categories]
    grams = {t[i : i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)}
    grams |= {"n:" + a[i : i + 2] for i in range(len(a) - 1)}
    grams |= set(cats)
    grams.add(stock)
    for rule, terms, patterns in _lexicon():
        hits = [f"t:{rule}"] if any(x in t for x in terms) else []
        hits += [f"p:{rule}"] if any(p.search(t) for p in patterns) else []
        for hit in hits:
            grams |= {hit, f"{hit}|{stock}", *(f"{hit}|{c}" for c in cats)}
    return grams


@dataclass(frozen=True, slots=True)
class Weights:
    rules: tuple[str, ...]
    bias: tuple[float, ...]
    vocab: Mapping[str, tuple[float, ...]]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "rules": list(self.rules),
            "bias": [round(b, 4) for b in self.bias],
            "vocab": {g: [round(w, 4) for w in ws] for g, ws in sorted(self.vocab.items())},
        }

    def scores(self, grams: Iterable[str]) -> dict[str, int]:
        z = list(self.bias)
        for g in grams:
            ws = self.vocab.get(g)
            if ws is not None:
                for k, w in enumerate(ws):
                    z[k] += w
        return {
            rule: round(100 / (1 + math.exp(-max(-30.0, min(30.0, v)))))
            for rule, v in zip(self.rules, z, strict=True)
        }


def parse_weights(data: bytes, where: str) -> Weights:
    try:
        doc = orjson.loads(data)
        if doc.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT}")
        rules = tuple(str(r) for r in doc["rules"])
        bias = tuple(float(b) for b in doc["bias"])
        vocab = {str(g): tuple(float(w) for w in ws) for g, ws in doc["vocab"].items()}
        if len(bias) != len(rules) or any(len(ws) != len(rules) for ws in vocab.values()):
            raise ValueError("every weight vector has one weight per rule")
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: not a livestream model ({exc})") from None
    return Weights(rules, bias, vocab)


@cache
def shipped_weights() -> Weights:
    data = (resources.files("fairscreen.monitors.livestream") / "model.json").read_bytes()
    return parse_weights(data, "livestream model.json")


def load_weights(path: Path | None) -> Weights:
    if path is None:
        return shipped_weights()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the model ({exc.strerror})") from None
    return parse_weights(data, str(path))


def item_features(item: Mapping[str, Any]) -> set[str]:
    return features(item["text"], item["next"], [item["category"]], _stock([item["stock"]]))


def train(items: Sequence[Mapping[str, Any]], *, l2: float = 0.1, min_count: int = 2) -> Weights:
    """One L2-regularised logistic regression per segment rule over ``items`` (labelled
    segments: text, next, category, stock, labels)."""
    grams = [item_features(item) for item in items]
    counts = Counter(g for gs in grams for g in gs)
    vocab = sorted(g for g, c in counts.items() if c >= min_count)
    column = {g: j for j, g in enumerate(vocab)}
    rows, cols = [], []
    for i, gs in enumerate(grams):
        for g in gs:
            j = column.get(g)
            if j is not None:
                rows.append(i)
                cols.append(j)
    x = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(items), len(vocab)), dtype=np.float64
    )
    weights = np.zeros((len(vocab), len(SEGMENT_RULES)))
    bias = np.zeros(len(SEGMENT_RULES))
    for k, rule in enumerate(SEGMENT_RULES):
        y = np.array([1.0 if rule in item["labels"] else -1.0 for item in items])

        def loss(theta: np.ndarray, y: np.ndarray = y) -> tuple[float, np.ndarray]:
            w, b = theta[:-1], theta[-1]
            margin = y * (x @ w + b)
            value = np.logaddexp(0.0, -margin).sum() + 0.5 * l2 * float(w @ w)
            g = -y * (1.0 / (1.0 + np.exp(margin)))
            grad = np.concatenate([x.T @ g + l2 * w, [g.sum()]])
            return float(value), grad

        fit = optimize.minimize(
            loss, np.zeros(len(vocab) + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500}
        )
        weights[:, k], bias[k] = fit.x[:-1], fit.x[-1]
    kept = {
        g: tuple(float(w) for w in weights[j])
        for g, j in column.items()
        if np.abs(weights[j]).max() >= 1e-3
    }
    return Weights(SEGMENT_RULES, tuple(float(b) for b in bias), kept)


class ModelDetector:
    """The shipped (or a given) model over each segment and its successor."""

    name = "model"

    def __init__(self, weights: Weights | None = None, threshold: int = THRESHOLD) -> None:
        self.weights = weights or shipped_weights()
        self.threshold = threshold

    def detect(self, room: Room) -> list[Finding]:
        found: list[Finding] = []
        categories = sorted(room.categories)
        stock = _stock([item.stock for item in room.listings])
        segments = room.segments
        for i, seg in enumerate(segments):
            after = segments[i + 1].text if i + 1 < len(segments) else ""
            scores = self.weights.scores(features(seg.text, after, categories, stock))
            for rule, score in scores.items():
                if score >= self.threshold:
                    found.append(
                        Finding(rule, seg.index, seg.start_ms, seg.end_ms, seg.text, "model", score)
                    )
        return found


def write_weights(weights: Weights, path: Path) -> None:
    path.write_bytes(orjson.dumps(weights.as_json(), option=orjson.OPT_SORT_KEYS) + b"\n")
