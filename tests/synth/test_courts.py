"""Courts: each of the candidate's planted cases names them, with their ID number, in the role
and cause the tag says (the Zhang and Luo cases among them)."""

from __future__ import annotations

from tests.synth.generated import PACK, Planted, World, check_planted


def _check(p: Planted) -> None:
    recs = p.records
    if p.tag == "plaintiff":
        assert any(r["kind"] == "civil" and p.party(r)["role"] == "plaintiff" for r in recs)  # type: ignore[index]
    elif p.tag == "multi_defendant":
        (case,) = recs
        defendants = [q for q in case["parties"] if q["role"] == "defendant"]
        assert case["cause"] == "property_management_fee" and len(defendants) >= 10
        assert p.party(case) is not None and p.party(case)["role"] == "defendant"  # type: ignore[index]
        assert all(q.get("id_number") for q in defendants)
    elif p.base == "forbidden_cause":
        assert any(PACK.civil_causes[r["cause"]].forbidden is not None for r in recs)
        assert all(p.party(r) is not None for r in recs)
    elif p.tag == "administrative_case":
        assert recs and all(r["kind"] == "administrative" and p.party(r) for r in recs)
    else:
        assert p.tag == "civil_defendant"
        assert any(r["kind"] == "civil" and p.party(r)["role"] == "defendant" for r in recs)  # type: ignore[index]


def test_the_candidates_cases_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check,
        "plaintiff",
        "multi_defendant",
        "forbidden_cause",
        "administrative_case",
        "civil_defendant",
    )
