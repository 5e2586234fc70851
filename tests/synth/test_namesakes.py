"""Other people in the registers: a namesake's record carries the candidate's name and another ID
number; a name-only party carries the name and no ID number."""

from __future__ import annotations

from collections import Counter

from fairscreen.kit.names import name_key
from tests.synth.generated import Planted, World, check_planted, planted


def _check(p: Planted) -> None:
    assert p.records
    for rec in p.records:
        if p.tag == "namesake":
            others = [q for q in p.world.persons(rec) if name_key(q["name"]) == p.key]
            assert others and all(q.get("id_number") not in (None, p.number) for q in others)
        else:
            assert p.tag == "name_only_party"
            assert any(
                name_key(q["name"]) == p.key and q.get("id_number") is None
                for q in p.world.persons(rec)
            )


def test_namesakes_and_name_only_parties_are_true_of_the_world(
    worlds: tuple[World, World],
) -> None:
    check_planted(worlds, _check, "namesake", "name_only_party")
    assert Counter(p.tag for w in worlds for p in planted(w, "namesake"))["namesake"] >= 2
