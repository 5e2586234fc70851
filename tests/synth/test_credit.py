"""Credit: a planted delinquency is on the candidate's credit report; an expired one ended more
than five years ago (征信業管理條例 第16條)."""

from __future__ import annotations

from tests.synth.generated import Planted, World, check_planted


def _check(p: Planted) -> None:
    (rec,) = p.records
    assert rec["type"] == "credit_report" and rec["subject"]["id_number"] == p.number
    assert rec["serious_delinquencies"] > 0


def test_delinquencies_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "credit_delinquency")


def _check_expired(p: Planted) -> None:
    (rec,) = p.records
    assert rec["type"] == "credit_report" and rec["subject"]["id_number"] == p.number
    assert rec["serious_delinquencies"] > 0 and rec["accounts_in_default"] == 0
    assert p.world.years_ago(rec["last_delinquency"]) > 5


def test_expired_delinquencies_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check_expired, "credit_expired")
