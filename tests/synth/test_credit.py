"""Credit: a planted delinquency is on the candidate's credit report."""

from __future__ import annotations

from tests.synth.generated import Planted, World, check_planted


def _check(p: Planted) -> None:
    (rec,) = p.records
    assert rec["type"] == "credit_report" and rec["subject"]["id_number"] == p.number
    assert rec["serious_delinquencies"] > 0


def test_delinquencies_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "credit_delinquency")
