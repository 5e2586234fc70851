"""The dishonest-debtor list: a planted entry is under the candidate's number, still listed or
removed before the world's date as the tag says."""

from __future__ import annotations

from datetime import date

from tests.synth.generated import Planted, World, check_planted


def _check(p: Planted) -> None:
    (rec,) = [r for r in p.records if r["type"] == "enforcement_record"]
    assert rec["subject"]["id_number"] == p.number
    removed = rec.get("removed")
    assert (removed is None) == (p.tag == "debtor_active")
    if removed:
        assert date.fromisoformat(removed) <= p.world.as_of


def test_debtor_entries_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "debtor_active", "debtor_removed")
