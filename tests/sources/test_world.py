"""The sandbox sources over a real world file: each answers the question a real register
answers, and no more. Deciding whether a record is the candidate's is verification's job; what
a source must never return is what its item does not cover (a suit the candidate brought)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.policy.pack import load_pack
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.sources.base import SourceSet, Subject
from fairscreen.sources.world import WorldCourtRecords, world_sources
from fairscreen.world import model
from tests.worlds import WorldBuilder


def _subject(line: dict[str, object]) -> Subject:
    document = line["id_document"]
    assert isinstance(document, dict)
    return Subject(
        str(line["id"]),
        str(line["name"]),
        str(document["number"]),
        date.fromisoformat(str(line["birth_date"])),
    )


def test_court_records_bring_defendant_cases_by_name_or_number_never_a_plaintiffs(
    tmp_path: Path,
) -> None:
    w = WorldBuilder()
    me = w.candidate("executive_legal_rep", name="張偉")
    namesake = w.candidate("general_office", name="張偉")
    w.court_case("civil", "debt", [w.party(me, "defendant")], id="AS-DEFENDANT")
    w.court_case("civil", "fraud_recovery", [w.party(me, "plaintiff")], id="AS-PLAINTIFF")
    w.court_case("civil", "debt", [w.party(namesake, "defendant")], id="NAMESAKE")
    w.court_case("civil", "debt", [w.party(me, "defendant", id_number=None)], id="NAME-ONLY")
    w.court_case("criminal", "fraud", [w.party(me, "defendant")], id="CRIMINAL")
    with w.load(tmp_path) as store:
        courts = WorldCourtRecords(store)
        civil = {r.record.id for r in courts.query(_subject(me), Item.CIVIL_LITIGATION)}
        criminal = {r.record.id for r in courts.query(_subject(me), Item.CRIMINAL_RECORD)}
        nothing = courts.query(_subject(me), Item.EDUCATION)
    # the register is searched by name or number: namesakes and name-only parties come back
    # (verification sorts them out); the suit the candidate brought never does
    assert civil == {"AS-DEFENDANT", "NAMESAKE", "NAME-ONLY"}
    assert criminal == {"CRIMINAL"}
    assert nothing == []


def test_registers_keyed_by_number_answer_for_that_number_only(tmp_path: Path) -> None:
    w = WorldBuilder()
    me = w.candidate("finance_accounting", name="李娜")
    other = w.candidate("finance_accounting", name="李娜")  # same name, another number
    w.record("credit_report", me, id="CR-ME", as_of="2026-10-01", serious_delinquencies=0)
    w.record("credit_report", other, id="CR-OTHER", as_of="2026-10-01", serious_delinquencies=3)
    with w.load(tmp_path) as store:
        sources = world_sources(store)
        found = sources.for_kind(SourceKind.CREDIT_BUREAU).query(_subject(me), Item.CREDIT)
        identity = sources.for_kind(SourceKind.IDENTITY_REGISTRY).query(_subject(me), Item.IDENTITY)
    assert [r.record.id for r in found] == ["CR-ME"]
    assert all(r.authoritative for r in found)
    assert len(identity) == 1 and isinstance(identity[0].record, model.IdentityRecord)
    assert found[0].ref == "credit_bureau:CR-ME"


def test_references_are_filed_under_the_candidate_and_are_not_authoritative(
    tmp_path: Path,
) -> None:
    w = WorldBuilder()
    me = w.candidate("general_office")
    w.reference(me, "她做事認真細緻。")
    with w.load(tmp_path) as store:
        found = (
            world_sources(store).for_kind(SourceKind.REFEREES).query(_subject(me), Item.REFERENCE)
        )
    assert len(found) == 1 and found[0].authoritative is False


def test_a_source_set_must_cover_every_source_the_pack_names(tmp_path: Path) -> None:
    w = WorldBuilder()
    w.candidate()
    with w.load(tmp_path) as store:
        full = world_sources(store)
        full.check_covers(load_pack())
        partial = SourceSet([full.for_kind(SourceKind.IDENTITY_REGISTRY)])
    with pytest.raises(PolicyError):
        partial.check_covers(load_pack())


def test_records_read_back_by_type_and_per_person_are_what_the_index_and_the_union_give(
    tmp_path: Path,
) -> None:
    # The speed paths (one query per person, each record through its own model's validator)
    # must answer exactly what one indexed query per register and the tagged union answered.
    from fairscreen.sources.world import read_record
    from fairscreen.synth import generate_world
    from fairscreen.world.load import load_world

    path = tmp_path / "w.jsonl"
    generate_world(path, candidates=300, seed=7)
    with load_world(path) as store:
        kinds = sorted(model.EXTERNAL_TYPES)
        numbers = [n for (n,) in store.db.execute("SELECT DISTINCT number FROM by_number")]
        index_types = [t for (t,) in store.db.execute("SELECT DISTINCT type FROM by_number")]
        assert len(numbers) > 300 and "employment_record" in index_types
        checked = 0
        for number in numbers:
            for types in [(t,) for t in index_types] + [tuple(index_types)]:
                marks = ",".join("?" * len(types))
                expected = [
                    body
                    for _, body in store.db.execute(
                        "SELECT DISTINCT r.rowid, r.body FROM by_number b JOIN records r "  # noqa: S608
                        f"ON r.rowid = b.record WHERE b.number = ? AND b.type IN ({marks}) "
                        "ORDER BY r.rowid",
                        (number, *types),
                    )
                ]
                assert store.by_number(number, types) == expected
                checked += len(expected)
        assert checked > 300
        # and what is filed under a candidate (references, employers' answers), likewise
        candidates = [c for (c,) in store.db.execute("SELECT DISTINCT candidate FROM by_candidate")]
        filed_types = [t for (t,) in store.db.execute("SELECT DISTINCT type FROM by_candidate")]
        assert len(candidates) >= 250 and len(filed_types) >= 2
        checked = 0
        for candidate in candidates:
            for types in [(t,) for t in filed_types] + [tuple(filed_types)]:
                marks = ",".join("?" * len(types))
                expected = [
                    body
                    for (body,) in store.db.execute(
                        "SELECT r.body FROM by_candidate b JOIN records r "  # noqa: S608
                        f"ON r.rowid = b.record WHERE b.candidate = ? AND b.type IN ({marks}) "
                        "ORDER BY r.rowid",
                        (candidate, *types),
                    )
                ]
                assert store.by_candidate(candidate, types) == expected
                checked += len(expected)
        assert checked > 300
        for kind, body in store.db.execute("SELECT type, body FROM records"):
            assert kind in kinds
            assert read_record(kind, body) == model.RECORD.validate_json(body)
