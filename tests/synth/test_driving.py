"""Driving: each planted problem is on the candidate's driving record (or the record is absent)."""

from __future__ import annotations

from tests.synth.generated import Planted, World, check_planted


def _check(p: Planted) -> None:
    mine = p.world.of(p.number, "driving_record")
    if p.detail == "no_licence":
        assert not mine
        return
    (rec,) = p.records
    kinds = {v["kind"] for v in rec["violations"]}
    if p.detail == "drunk_driving":
        assert "drunk_driving" in kinds
    elif p.detail == "serious_violation":
        assert kinds & {"dui", "speeding_serious"}
    elif p.detail == "licence_suspended":
        assert rec["licence_status"] == "suspended"
    else:
        assert p.detail == "licence_revoked"
        assert rec["licence_status"] == "revoked"


def test_driving_problems_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "driving")


def _check_pattern(p: Planted) -> None:
    (rec,) = p.records
    assert p.truth["category"] == "driver"
    recent = [
        v for v in rec["violations"] if v["kind"] == "speeding" and p.world.years_ago(v["date"]) < 1
    ]
    assert len(recent) >= 3


def test_speeding_patterns_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check_pattern, "speeding_pattern")
