"""Education and employment: each planted mismatch between the CV and the registers is there,
and without one the claims match the registers."""

from __future__ import annotations

from fairscreen.kit.names import name_key
from fairscreen.synth.careers import DEGREE_ORDER
from tests.synth.generated import Planted, World, check_planted


def _months(text: str) -> int:
    year, month = map(int, text.split("-"))
    return year * 12 + month


def _check(p: Planted) -> None:
    kind, recs = p.detail, p.records
    edu = p.world.of(p.number, "education_record")
    emp = p.world.of(p.number, "employment_record")
    claims = p.candidate["claims"]
    if kind == "degree_not_found":
        assert any(
            not any(name_key(r["institution"]) == name_key(c["institution"]) for r in edu)
            for c in claims["education"]
        )
    elif kind in ("degree_inflated", "degree_withdrawn", "graduation_year"):
        (rec,) = recs
        (claim,) = [
            c
            for c in claims["education"]
            if name_key(c["institution"]) == name_key(rec["institution"])
        ]
        if kind == "degree_inflated":
            assert DEGREE_ORDER.index(claim["degree"]) > DEGREE_ORDER.index(rec["degree"])
        elif kind == "degree_withdrawn":
            assert rec["status"] == "withdrawn"
        else:
            assert rec["graduated"] != claim["graduated"]
    elif kind == "employer_not_found":
        employers = {name_key(r["employer"]) for r in emp}
        assert any(name_key(c["employer"]) not in employers for c in claims["employment"])
    elif kind == "employment_dates":
        (rec,) = recs
        (claim,) = [
            c for c in claims["employment"] if name_key(c["employer"]) == name_key(rec["employer"])
        ]
        assert _months(rec["start"]) - _months(claim["start"]) >= 4
    else:
        raise AssertionError(kind)


def test_claim_mismatches_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "claim_mismatch")


def test_without_a_mismatch_the_claims_match_the_registers(worlds: tuple[World, World]) -> None:
    for world in worlds:
        for t in world.truth:
            if any(x.startswith("claim_mismatch:") for x in t["tags"]):
                continue
            cand = world.candidates[t["candidate"]]
            number = world.number(t["candidate"])
            emp = {name_key(r["employer"]): r for r in world.of(number, "employment_record")}
            for claim in cand["claims"]["employment"]:
                rec = emp[name_key(claim["employer"])]
                assert abs(_months(rec["start"]) - _months(claim["start"])) <= 1
                assert claim["end"] == rec["end"]
            edu = {name_key(r["institution"]): r for r in world.of(number, "education_record")}
            for claim in cand["claims"]["education"]:
                rec = edu[name_key(claim["institution"])]
                assert (rec["degree"], rec["graduated"]) == (claim["degree"], claim["graduated"])
