"""Licences and fitness certificates: each planted problem is true of the registers."""

from __future__ import annotations

from datetime import date

from tests.synth.generated import PACK, Planted, World, check_planted


def _check_licence(p: Planted) -> None:
    kind, cand = p.detail, p.candidate
    mine = p.world.of(p.number, "licence_record")
    if kind == "missing":
        required = set().union(*PACK.categories[p.truth["category"]].required_licences)
        assert required and not any(r["kind"] in required for r in mine)
        assert not any(c["kind"] in required for c in cand["claims"]["licences"])
    elif kind == "not_found":
        held = {(r["kind"], r["number"]) for r in mine}
        assert any((c["kind"], c["number"]) not in held for c in cand["claims"]["licences"])
    elif kind == "expired":
        (rec,) = p.records
        assert rec["status"] == "expired" or date.fromisoformat(rec["expires"]) < p.world.as_of
    else:
        (rec,) = p.records
        assert rec["status"] == kind


def _check_fitness(p: Planted) -> None:
    purpose = PACK.categories[p.truth["category"]].fitness_certificate
    mine = [r for r in p.world.of(p.number, "health_certificate") if r["purpose"] == purpose]
    if p.detail == "missing":
        assert not mine
    elif p.detail == "unfit":
        assert mine and not mine[0]["fit_for_duty"]
    else:
        assert mine and date.fromisoformat(mine[0]["expires"]) < p.world.as_of


def test_licence_problems_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check_licence, "licence")


def test_fitness_problems_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check_fitness, "fitness")
