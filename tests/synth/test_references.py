"""References: each planted remark is in the truth's sentence labels, misconduct from one referee
or from two different ones as tagged, a pregnancy remark only about a woman."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from fairscreen.kit.names import name_key
from tests.synth.generated import Planted, World, check_planted


def _labels(t: dict[str, Any]) -> set[str]:
    return {s["label"] for r in t["references"] for s in r["sentences"]}


def _misconduct_referees(world: World, t: dict[str, Any]) -> Counter[str]:
    """Per misconduct category, how many different referees state it."""
    seen: dict[str, set[str]] = defaultdict(set)
    for ref_truth in t["references"]:
        ref = world.records[ref_truth["id"]]
        for s in ref_truth["sentences"]:
            if s["label"].startswith("misconduct:"):
                seen[s["label"]].add(name_key(ref["referee"]["name"]))
    return Counter({k: len(v) for k, v in seen.items()})


def _check(p: Planted) -> None:
    if p.tag in ("uncorroborated_reference", "corroborated_reference"):
        counts = _misconduct_referees(p.world, p.truth)
        if p.tag == "corroborated_reference":
            assert any(n >= 2 for n in counts.values()), counts
        else:
            assert any(n == 1 for n in counts.values()), counts
    elif p.tag == "private_life_remark":
        assert _labels(p.truth) & {"private_life"}
    elif p.base == "forbidden_remark" and p.detail:
        assert f"forbidden:{p.detail}" in _labels(p.truth)
        if p.detail == "pregnancy":
            demo = p.world.demographics.get(p.truth["candidate"], {})
            assert demo.get("sex") in (None, "female", "other")


def test_reference_remarks_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check,
        "uncorroborated_reference",
        "corroborated_reference",
        "private_life_remark",
        "forbidden_remark",
    )
