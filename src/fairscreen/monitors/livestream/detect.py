"""Detectors: what in a live room breaks a rule of the pack.

Every detector answers one question, ``detect(room)``: the findings in the room's transcript
(the segment rules: absolute terms, medical claims, unsupported figures, guarantees, fake
scarcity). Three stand behind that interface:

- ``RuleDetector``: the pack's term lists and patterns, with its context rules (an ordinal such
  as 第一次 is not 第一; a listed product's name, quoted or not, is masked before matching, so a
  brand called 「最好时光」 is not a superlative; a comparison or a figure the host substantiates
  in the same or the next segment is not flagged; a negated medical claim is not one);
- ``model.ModelDetector``: a small logistic-regression model over character n-grams of the
  segment, its successor and the listing's categories, trained on the labelled set and shipped
  as ``model.json`` (nothing is downloaded at run time);
- ``remote.RemoteDetector``: an operator's own model server, over a small JSON protocol.

The listing and room rules (a false original price, a paid promotion without an advertisement
label) read the listing data, not speech, and are checked by ``structured`` whatever detector
reads the transcript.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import opencc

from fairscreen.monitors.livestream.format import Room, Segment
from fairscreen.monitors.livestream.pack import Pack, Rule

_T2S = opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # the pack's rule id (without the ``livestream.`` prefix)
    segment: int | None  # the segment's index in the room; None for a listing or room rule
    start_ms: int
    end_ms: int
    text: str  # the segment's text, or what the listing says
    detector: str  # rules, model, remote:<name>, listing
    score: int  # confidence 0..100 (the rule matcher: 100)
    matched: str = ""  # the term or pattern that matched (rules) or ""
    product: str | None = None


class Detector(Protocol):
    name: str

    def detect(self, room: Room) -> list[Finding]: ...


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """NFKC, traditional to simplified Chinese, case-folded: one form for the three scripts."""
    return str(_T2S.convert(unicodedata.normalize("NFKC", text))).casefold()


def _mask(text: str, phrases: Sequence[str]) -> str:
    for phrase in phrases:
        if phrase and phrase in text:
            text = text.replace(phrase, " " * len(phrase))
    return text


def _quoted(text: str, quotes: Sequence[str]) -> list[str]:
    spans: list[str] = []
    for pair in quotes:
        left, right = normalise(pair[0]), normalise(pair[1])
        pattern = re.escape(left) + r"([^" + re.escape(right) + r"]{1,60})" + re.escape(right)
        spans.extend(m.group(1) for m in re.finditer(pattern, text))
    return spans


class RuleDetector:
    """The pack's term lists and patterns, with its context rules."""

    name = "rules"

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        ctx = pack.context
        self._ordinals = tuple(sorted((normalise(p) for p in ctx.ordinal_phrases), key=len))[::-1]
        self._support = tuple(normalise(p) for p in ctx.substantiation)
        self._negation = tuple(normalise(p) for p in ctx.negation)
        self._rules = {r.id: r for r in pack.rules if r.scope == "segment"}
        self._terms = {r.id: tuple(normalise(t) for t in r.terms) for r in pack.rules}
        self._patterns = {
            r.id: tuple(re.compile(p, re.IGNORECASE) for p in r.patterns) for r in pack.rules
        }

    def _names(self, room: Room, text: str) -> list[str]:
        """The listed names to mask in ``text``: each product name, and each quoted span that
        is part of one (a brand quoted on its own)."""
        names = [normalise(p) for p in room.products]
        quoted = [q for q in _quoted(text, self.pack.context.quotes) if any(q in n for n in names)]
        return sorted({*names, *quoted}, key=len, reverse=True)

    def _supported(self, here: str, after: str) -> bool:
        return any(s in here or s in after for s in self._support)

    def detect(self, room: Room) -> list[Finding]:
        found: list[Finding] = []
        segments = room.segments
        for i, seg in enumerate(segments):
            after = normalise(segments[i + 1].text) if i + 1 < len(segments) else ""
            for rule, matched in self.check(room, seg, after):
                found.append(
                    Finding(
                        rule, seg.index, seg.start_ms, seg.end_ms, seg.text, "rules", 100, matched
                    )
                )
        return found

    def check(self, room: Room, seg: Segment, after: str) -> list[tuple[str, str]]:
        """The rules ``seg`` breaks (with what matched), ``after`` being the next segment's
        normalised text ("" at the end)."""
        raw = normalise(seg.text)
        text = _mask(_mask(raw, self._names(room, raw)), self._ordinals)
        out: list[tuple[str, str]] = []
        for rule in self._rules.values():
            hit = self._check_rule(rule, room, text, after)
            if hit is not None:
                out.append((rule.id, hit))
        return out

    def _check_rule(self, rule: Rule, room: Room, text: str, after: str) -> str | None:
        if rule.categories and not (room.categories & set(rule.categories)):
            return None
        terms = [t for t in self._terms[rule.id] if t in text]
        if rule.id == "absolute_terms":
            comparative = {normalise(t) for t in rule.comparative}
            if terms and all(t in comparative for t in terms) and self._supported(text, after):
                return None
            return terms[0] if terms else None
        if rule.id == "medical_claims":
            if terms and any(n in text for n in self._negation):
                return None
            return terms[0] if terms else None
        if rule.id == "unsupported_figures":
            figure = next((m for p in self._patterns[rule.id] if (m := p.search(text))), None)
            effects = [e for e in (normalise(x) for x in rule.effects) if e in text]
            if figure is None or not effects or self._supported(text, after):
                return None
            return figure.group(0)
        if rule.id == "fake_scarcity":
            stocks = [item.stock for item in room.listings if item.stock is not None]
            if not stocks:
                return None
            for pattern in self._patterns[rule.id]:
                for m in pattern.finditer(text):
                    claimed = int(next(g for g in m.groups() if g and g.isdigit()))
                    if min(stocks) > claimed:
                        return m.group(0)
            return None
        return terms[0] if terms else None


def structured(room: Room, pack: Pack) -> list[Finding]:
    """The listing and room rules: a claimed original price above the lowest price charged
    before the stream; a paid promotion in a room without an advertisement label."""
    found: list[Finding] = []
    price = pack.rule("false_original_price")
    if price is not None:
        for item in room.listings:
            low = item.prior_low_price_cents
            if low is not None and item.original_price_cents * 100 > low * (
                100 + price.tolerance_pct
            ):
                found.append(
                    Finding(
                        "false_original_price",
                        None,
                        0,
                        0,
                        f"original {item.original_price_cents} > prior low {low} (cents)",
                        "listing",
                        100,
                        product=item.product,
                    )
                )
    if pack.rule("ad_disclosure") is not None and not room.ad_label:
        for item in room.listings:
            if item.paid_promotion:
                found.append(
                    Finding(
                        "ad_disclosure",
                        None,
                        0,
                        0,
                        "paid promotion, no advertisement label",
                        "listing",
                        100,
                        product=item.product,
                    )
                )
                break
    return found
