"""Labour arbitration: the candidate is the applicant or the respondent the tag says, with ID."""

from __future__ import annotations

from tests.synth.generated import Planted, World, check_planted


def _check(p: Planted) -> None:
    (rec,) = p.records
    assert rec["type"] == "labour_arbitration"
    me = [party for party in rec["parties"] if party.get("id_number") == p.number]
    role = "applicant" if p.base == "arbitration_applicant" else "respondent"
    assert [party["role"] for party in me] == [role]
    others = [party for party in rec["parties"] if party.get("id_number") != p.number]
    assert others and all("id_number" not in party for party in others), "an employer"


def test_arbitrations_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "arbitration_applicant", "arbitration_respondent")
