"""People and identity: synthetic, unique, consistent ID numbers; identity records true to the
planted identity cases, and to the candidate's name when nothing is planted."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from fairscreen.kit.cnid import check_cn_resident_id
from fairscreen.kit.names import name_key
from tests.synth.generated import Planted, World, check_planted


def _check(p: Planted) -> None:
    if p.tag == "identity_conflict":
        (rec,) = p.records
        assert rec["subject"]["id_number"] == p.number and name_key(rec["subject"]["name"]) != p.key
    else:
        assert p.tag == "identity_missing"
        assert not p.world.of(p.number, "identity_record")


def test_identity_cases_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(worlds, _check, "identity_missing", "identity_conflict")


def test_without_an_identity_case_the_record_names_the_candidate(
    worlds: tuple[World, World],
) -> None:
    for world in worlds:
        for t in world.truth:
            if {"identity_missing", "identity_conflict"} & set(t["tags"]):
                continue
            cand = world.candidates[t["candidate"]]
            ids = world.of(world.number(t["candidate"]), "identity_record")
            assert len(ids) == 1 and name_key(ids[0]["subject"]["name"]) == name_key(cand["name"])


def test_people_are_synthetic_and_consistent(world4k: World) -> None:
    world = world4k
    names_by_number: dict[str, set[str]] = defaultdict(set)
    for line in world.lines:
        for person in world.persons(line):
            if person.get("id_number"):
                names_by_number[person["id_number"]].add(name_key(person["name"]))
    conflicts = {
        world.number(t["candidate"]) for t in world.truth if "identity_conflict" in t["tags"]
    }
    for number, names in names_by_number.items():
        if number.startswith("SX"):
            continue
        assert number.startswith("99"), number
        assert check_cn_resident_id(number) is None, number
        assert len(names) == 1 or number in conflicts, (number, names)
    seen: set[str] = set()
    for cid, cand in world.candidates.items():
        doc = cand["id_document"]
        assert doc["number"] not in seen
        seen.add(doc["number"])
        birth = date.fromisoformat(cand["birth_date"])
        assert 20 <= (world.as_of - birth).days / 365.2425 <= 61
        demo = world.demographics.get(cid)
        if demo is None:
            continue
        if "birth_year" in demo:
            assert demo["birth_year"] == birth.year
        if doc["kind"] == "cn_resident_id" and demo.get("sex") in ("female", "male"):
            assert (int(doc["number"][16]) % 2 == 1) == (demo["sex"] == "male")
