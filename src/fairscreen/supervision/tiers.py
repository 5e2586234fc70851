"""Risk tiers anyone can check (分類分級): a declared, versioned scoring model per scenario.

A firm's score under one scenario is a sum of terms, each a count times a weight from the rules
file (``supervision/rules/tiers-*.toml``): the sector's own baseline risk, off-site signals by
severity, findings of past inspections, substantiated complaints, and a credit for clean
inspections. The score falls into low, medium or high by two thresholds; an open serious signal
makes the firm **critical** whatever its score. ``TierResult.explanation`` lists every term with
its count, weight and points, so the firm and anyone else can redo the sum.

The tier also sets how often each matter of the scenario is inspected (``per_year``): low risk
every half year, medium at the sector baseline, high above it; and three low years running earn
an exemption period that a new signal ends (``standing``). The article's words these rules
follow are quoted in docs/supervision.md.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fairscreen.kit.errors import PolicyError
from fairscreen.kit.text import read_text
from fairscreen.supervision.register import Firm

SHIPPED = "tiers-2026.1.toml"
FREQUENCIES = (2, 3, 4, 6, 12)  # a year: windows of 6, 4, 3, 2 and 1 whole months


class Tier(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"  # an open serious signal


# -- the rules file -----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Header(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+$")
    version: str = Field(pattern=r"^[0-9][0-9.]*$")
    title: str


class Thresholds(_Strict):
    medium: int
    high: int


class Windows(_Strict):
    signal_months: int = Field(ge=1, le=120)
    finding_months: int = Field(ge=1, le=120)
    complaint_months: int = Field(ge=1, le=120)
    clean_months: int = Field(ge=1, le=120)


class Weights(_Strict):
    sector: int
    signal_minor: int
    signal_major: int
    signal_serious: int
    finding_minor: int
    finding_major: int
    complaint: int
    clean_inspection: int


class Frequency(_Strict):
    low_per_year: int
    high_factor: float = Field(gt=1)
    exempt_after_low_years: int = Field(ge=1, le=10)
    exemption_months: int = Field(ge=1, le=60)
    critical_within_days: int = Field(ge=1, le=60)
    random_share: float = Field(ge=0, le=1)


class Scenario(_Strict):
    zh: str
    en: str
    prior: int = Field(ge=0)
    matters: dict[str, int] = Field(min_length=1)


class _File(_Strict):
    rules: _Header
    tiers: Thresholds
    windows: Windows
    weights: Weights
    frequency: Frequency
    override_reasons: dict[str, str] = Field(min_length=1)
    skills: dict[str, str] = Field(min_length=1)
    scenarios: dict[str, Scenario] = Field(min_length=1)


@dataclass(frozen=True)
class TierRules:
    """A loaded, checked rules file; ``digest`` is the SHA-256 of its bytes."""

    id: str
    version: str
    title: str
    thresholds: Thresholds
    windows: Windows
    weights: Weights
    frequency: Frequency
    override_reasons: Mapping[str, str]
    skills: Mapping[str, str]
    scenarios: Mapping[str, Scenario]
    digest: str
    text: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def _check(rules: _File, where: str) -> None:
    if rules.tiers.medium >= rules.tiers.high:
        raise PolicyError(f"{where}: tiers.medium must be below tiers.high")
    low = rules.frequency.low_per_year
    if low not in FREQUENCIES:
        raise PolicyError(f"{where}: frequency.low_per_year must be one of {FREQUENCIES}")
    for code, scenario in rules.scenarios.items():
        for skill, baseline in scenario.matters.items():
            at = f"{where}: scenarios.{code}.matters.{skill}"
            if skill not in rules.skills:
                raise PolicyError(f"{at}: not a skill of [skills]")
            if baseline not in FREQUENCIES[:-1]:
                raise PolicyError(f"{at}: a baseline is 2, 3, 4 or 6 a year (whole-month windows)")
            if baseline < low:
                raise PolicyError(
                    f"{at}: the baseline {baseline} is below frequency.low_per_year ({low}); "
                    "low risk would then be inspected more often than medium"
                )


def parse_rules(text: str, where: str) -> TierRules:
    """Parse and check a rules file's text; errors name ``where`` and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{where}: not TOML: {error}") from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"{where}: {field}: {first['msg']}") from None
    _check(parsed, where)
    return TierRules(
        id=parsed.rules.id,
        version=parsed.rules.version,
        title=parsed.rules.title,
        thresholds=parsed.tiers,
        windows=parsed.windows,
        weights=parsed.weights,
        frequency=parsed.frequency,
        override_reasons=parsed.override_reasons,
        skills=parsed.skills,
        scenarios=parsed.scenarios,
        digest=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
    )


@cache
def shipped_rules() -> TierRules:
    text = (resources.files("fairscreen.supervision") / "rules" / SHIPPED).read_text("utf-8")
    return parse_rules(text, f"supervision/rules/{SHIPPED}")


def load_rules(path: Path | None = None) -> TierRules:
    """The rules in ``path``, or the shipped ones."""
    if path is None:
        return shipped_rules()
    return parse_rules(read_text(path), str(path))


# -- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TierInput:
    """What a tier is computed from, for one firm under one scenario: plain counts, no person.
    ``signals`` counts off-site signals of the window by severity (minor, major, serious);
    ``findings`` counts inspection findings of the window by severity (minor, major)."""

    firm: str
    scenario: str
    as_of: date
    signals: Mapping[str, int]
    open_serious: bool
    findings: Mapping[str, int]
    complaints: int
    clean_inspections: int


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    count: int
    weight: int
    says: str

    @property
    def points(self) -> int:
        return self.count * self.weight


@dataclass(frozen=True, slots=True)
class TierResult:
    firm: str
    scenario: str
    as_of: date
    tier: Tier
    score: int
    terms: tuple[Term, ...]
    rules: str

    def explanation(self, rules: TierRules) -> dict[str, Any]:
        """Every term with its count, weight and points, the thresholds and why this tier."""
        t = rules.thresholds
        if self.tier is Tier.CRITICAL:
            why = "an open serious signal makes the firm critical whatever its score"
        elif self.tier is Tier.HIGH:
            why = f"score {self.score} >= {t.high}"
        elif self.tier is Tier.MEDIUM:
            why = f"{t.medium} <= score {self.score} < {t.high}"
        else:
            why = f"score {self.score} < {t.medium}"
        return {
            "rules": self.rules,
            "as_of": self.as_of.isoformat(),
            "scenario": self.scenario,
            "tier": str(self.tier),
            "score": self.score,
            "thresholds": {"medium": t.medium, "high": t.high},
            "why": why,
            "terms": [
                {
                    "term": term.name,
                    "count": term.count,
                    "weight": term.weight,
                    "points": term.points,
                    "says": term.says,
                }
                for term in self.terms
            ],
        }


def score(rules: TierRules, given: TierInput) -> TierResult:
    """The score, the tier and every term that made them (a negative sum counts as 0)."""
    scenario = rules.scenarios.get(given.scenario)
    if scenario is None:
        raise PolicyError(f"{rules.ref}: no scenario {given.scenario!r}")
    w, win = rules.weights, rules.windows
    terms = (
        Term("sector", scenario.prior, w.sector, f"the baseline risk of {scenario.en}"),
        Term(
            "signal_minor",
            given.signals.get("minor", 0),
            w.signal_minor,
            f"minor off-site signals, last {win.signal_months} months",
        ),
        Term(
            "signal_major",
            given.signals.get("major", 0),
            w.signal_major,
            f"major off-site signals, last {win.signal_months} months",
        ),
        Term(
            "signal_serious",
            given.signals.get("serious", 0),
            w.signal_serious,
            f"serious off-site signals, last {win.signal_months} months",
        ),
        Term(
            "finding_minor",
            given.findings.get("minor", 0),
            w.finding_minor,
            f"minor inspection findings, last {win.finding_months} months",
        ),
        Term(
            "finding_major",
            given.findings.get("major", 0),
            w.finding_major,
            f"major inspection findings, last {win.finding_months} months",
        ),
        Term(
            "complaint",
            given.complaints,
            w.complaint,
            f"substantiated complaints, last {win.complaint_months} months",
        ),
        Term(
            "clean_inspection",
            given.clean_inspections,
            w.clean_inspection,
            f"inspections without findings, last {win.clean_months} months",
        ),
    )
    total = max(0, sum(term.points for term in terms))
    if given.open_serious:
        tier = Tier.CRITICAL
    elif total >= rules.thresholds.high:
        tier = Tier.HIGH
    elif total >= rules.thresholds.medium:
        tier = Tier.MEDIUM
    else:
        tier = Tier.LOW
    return TierResult(given.firm, given.scenario, given.as_of, tier, total, terms, rules.ref)


# -- from a firm's history ----------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return _clamped(year, month + 1, day.day)


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def years_before(day: date, years: int) -> date:
    return _clamped(day.year - years, day.month, day.day)


def _clamped(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def inputs_at(rules: TierRules, firm: Firm, scenario: str, as_of: date) -> TierInput:
    """The counts of ``firm``'s history under ``scenario`` as they stood on ``as_of`` (events on
    ``as_of`` count; an event is in a window of N months when it is after ``as_of`` minus N
    months)."""
    win = rules.windows
    signal_from = months_before(as_of, win.signal_months)
    finding_from = months_before(as_of, win.finding_months)
    complaint_from = months_before(as_of, win.complaint_months)
    clean_from = months_before(as_of, win.clean_months)
    signals = {"minor": 0, "major": 0, "serious": 0}
    open_serious = False
    for signal in firm.signals:
        if signal.scenario != scenario or signal.on > as_of:
            continue
        if signal.open and signal.severity == "serious":
            open_serious = True
        if signal.on > signal_from:
            signals[signal.severity] += 1
    findings = {"minor": 0, "major": 0}
    clean = 0
    for inspection in firm.inspections:
        if inspection.scenario != scenario or inspection.on > as_of:
            continue
        if inspection.on > finding_from:
            findings["minor"] += inspection.minor
            findings["major"] += inspection.major
        if inspection.on > clean_from and inspection.minor == 0 and inspection.major == 0:
            clean += 1
    complaints = sum(
        1
        for c in firm.complaints
        if c.scenario == scenario and c.substantiated and complaint_from < c.on <= as_of
    )
    return TierInput(firm.id, scenario, as_of, signals, open_serious, findings, complaints, clean)


def signals_counted(
    rules: TierRules, firm: Firm, scenario: str, as_of: date
) -> list[dict[str, Any]]:
    """The signals ``inputs_at`` counts (in the window, or open and serious), each named by its
    rule, severity, day and off-site id: what a tier's explanation lists."""
    signal_from = months_before(as_of, rules.windows.signal_months)
    return [
        {
            "id": s.id,
            "rule": s.rule,
            "severity": s.severity,
            "on": s.on.isoformat(),
            "open": s.open,
        }
        for s in firm.signals
        if s.scenario == scenario
        and s.on <= as_of
        and (s.on > signal_from or (s.open and s.severity == "serious"))
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """A firm's tier under one scenario on ``as_of``, how many year-ends running it has been
    low (up to the rules' streak), and the exemption it holds for the period after ``as_of``."""

    result: TierResult
    low_years: int
    exempt_until: date | None
    because: str

    @property
    def exempt(self) -> bool:
        return self.exempt_until is not None and self.exempt_until > self.result.as_of


def standing(rules: TierRules, firm: Firm, scenario: str, as_of: date) -> Standing:
    """The tier on ``as_of`` and the exemption from the day after.

    Exempt when the firm is low now with no signal in the signal window, and either an
    exemption it was granted runs past ``as_of``, or it was low on each of the last
    ``exempt_after_low_years`` year-ends (``as_of``, a year before, ...), none of them inside
    an earlier exemption: that grants ``exemption_months`` from ``as_of``."""
    freq = rules.frequency
    result = score(rules, inputs_at(rules, firm, scenario, as_of))
    granted = firm.exempt_until.get(scenario)
    low_years = 0
    for k in range(freq.exempt_after_low_years):
        anniversary = years_before(as_of, k)
        if granted is not None and anniversary <= granted:
            break  # a streak counts afresh after an exemption ends
        tier = result if k == 0 else score(rules, inputs_at(rules, firm, scenario, anniversary))
        if tier.tier is not Tier.LOW:
            break
        low_years += 1
    if result.tier is not Tier.LOW:
        return Standing(result, low_years, None, f"{result.tier} risk: no exemption")
    if any(result.terms[i].count for i in (1, 2, 3)):
        return Standing(result, low_years, None, "a signal in the window ends any exemption")
    if granted is not None and granted > as_of:
        return Standing(result, low_years, granted, f"exemption granted until {granted}")
    if low_years >= freq.exempt_after_low_years:
        until = months_after(as_of, freq.exemption_months)
        return Standing(
            result, low_years, until, f"low {low_years} years running: exempt until {until}"
        )
    return Standing(result, low_years, None, f"low {low_years} year(s) running")


def per_year(rules: TierRules, scenario: str, tier: Tier) -> dict[str, int]:
    """How many inspections a year each matter of ``scenario`` gets at ``tier``: low every
    half year, medium the sector baseline, high (and critical) the next calendar frequency at
    or above baseline x high_factor, always strictly above the baseline."""
    out: dict[str, int] = {}
    for skill, baseline in rules.scenarios[scenario].matters.items():
        if tier is Tier.LOW:
            out[skill] = rules.frequency.low_per_year
        elif tier is Tier.MEDIUM:
            out[skill] = baseline
        else:
            wanted = max(baseline + 1, math.ceil(baseline * rules.frequency.high_factor))
            out[skill] = next(f for f in FREQUENCIES if f >= wanted)
    return out


def critical_by(rules: TierRules, as_of: date) -> date:
    """The last day a critical firm's first visit may fall on."""
    return as_of + timedelta(days=rules.frequency.critical_within_days)
