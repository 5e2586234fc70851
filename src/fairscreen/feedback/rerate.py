"""Re-rating a report after a reinvestigation: the disputed finding corrected, confirmed or
deleted, then the same rule set applied again to the same findings, as of the same screening
date: a new version of the report's sealed content.

The findings are those of the version disputed, as stored in its sealed content; no source is
asked again (a re-rating says what the reinvestigation changed, nothing else). The engine sees
them exactly as the pipeline showed them (``RatableFinding``, built field by field from the
stored finding), and a verified finding no rule covers any more is excluded as the pipeline
excludes it.
"""

from __future__ import annotations

import copy
import types
import typing
from dataclasses import MISSING, fields
from datetime import date
from enum import Enum
from typing import Any

from fairscreen.policy.vocabulary import ExclusionReason
from fairscreen.rating.engine import RatableFinding, RatingInput, RuleSet

CORRECTED, CONFIRMED, DELETED = "corrected", "confirmed", "deleted"
OUTCOMES = (CORRECTED, CONFIRMED, DELETED)
# What a reviewer may correct in a finding (and nothing else: provenance stays what it was).
# Culpability, penalty and probation are what the statutory bars turn on (a negligent crime does
# not bar security work, 保安服務管理條例 第17條; a suspended sentence counts from its probation).
CORRECTABLE = (
    "code",
    "subtype",
    "occurred_on",
    "ongoing",
    "count",
    "culpability",
    "penalty",
    "probation",
    "detail",
)


def _enum_of(hint: Any) -> type[Enum] | None:
    """The enum type in a hint such as ``Item`` or ``FindingCode | None``."""
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for arg in args:
        if isinstance(arg, type) and issubclass(arg, Enum):
            return arg
    return None


def ratable(finding: dict[str, Any], as_of: date) -> RatableFinding:
    """A stored (sealed-content) finding as the rating engine sees it: every field of
    ``RatableFinding`` taken from the finding of the same name, ``days_since`` from its date."""
    hints = typing.get_type_hints(RatableFinding)
    values: dict[str, Any] = {}
    for spec in fields(RatableFinding):
        name = spec.name
        if name == "days_since":
            occurred = finding.get("occurred_on")
            values[name] = (as_of - date.fromisoformat(occurred)).days if occurred else None
            continue
        if name not in finding:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise ValueError(f"stored finding {finding.get('ref')!r}: no {name}")
            continue
        raw = finding[name]
        enum = _enum_of(hints[name])
        values[name] = enum(raw) if enum is not None and raw is not None else raw
    return RatableFinding(**values)


def _reasons(rating: Any) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "rule": r.rule,
            "legal_basis": r.legal_basis,
            "light": str(r.light),
            "findings": list(r.findings),
        }
        for r in rating.reasons
    ]


def rerate(
    content: dict[str, Any],
    *,
    finding: str,
    outcome: str,
    correction: dict[str, Any] | None,
    ruleset: RuleSet,
    category: str,
    as_of: date,
    change: dict[str, Any],
) -> dict[str, Any]:
    """The next version's content: ``content`` with finding ``finding`` corrected (with
    ``correction``), confirmed or deleted, re-rated by ``ruleset``. ``change`` (the dispute, its
    outcome, when) is appended to the content's ``changes``."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome: one of {OUTCOMES}")
    new = copy.deepcopy(content)
    findings: list[dict[str, Any]] = new["findings"]
    target = next((f for f in findings if f["ref"] == finding), None)
    if target is None:
        raise ValueError(f"finding {finding!r}: not in the report")
    if outcome == DELETED:
        findings.remove(target)
    elif outcome == CORRECTED and correction:
        for key, value in correction.items():
            if key not in CORRECTABLE:
                raise ValueError(f"correction.{key}: not correctable")
            target[key] = value
        if target.get("exclusion") is None and target.get("code") is None:
            target["exclusion"] = str(ExclusionReason.NO_ADVERSE_OUTCOME)
            target["status"] = "excluded"
    rated = [f for f in findings if f.get("exclusion") is None and f.get("code") is not None]
    rating = ruleset.rate(RatingInput(category, tuple(ratable(f, as_of) for f in rated)))
    irrelevant = set(rating.not_relevant)
    for f in findings:
        if f["ref"] in irrelevant:
            f["exclusion"] = str(
                ExclusionReason.OUTSIDE_LOOKBACK
                if f.get("outside_lookback")
                else ExclusionReason.NOT_JOB_RELEVANT
            )
            f["status"] = "excluded"
            f["detail"] = None
    new["light"] = str(rating.light)
    new["reasons"] = _reasons(rating)
    new["excluded"] = [
        {"finding": f["ref"], "why": f["exclusion"]} for f in findings if f.get("exclusion")
    ]
    new["changes"] = [*content.get("changes", []), change]
    return new
