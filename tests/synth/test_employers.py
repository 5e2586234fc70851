"""Former employers: answers filed under the candidate that say what the tag says about a job of
the CV; disciplinary records under the candidate's number, at one of their employers."""

from __future__ import annotations

from fairscreen.kit.names import name_key
from tests.synth.generated import Planted, World, check_planted


def _check_answer(p: Planted) -> None:
    assert p.records
    claims = {name_key(c["employer"]): c for c in p.candidate["claims"]["employment"]}
    registered = {name_key(r["employer"]) for r in p.world.of(p.number, "employment_record")}
    for rec in p.records:
        assert rec["type"] == "employment_verification" and rec["candidate"] == p.candidate["id"]
        claim = claims[name_key(rec["employer"])]
        if p.base == "employer_confirms_unregistered":
            assert rec["answer"] == "confirmed" and name_key(rec["employer"]) not in registered
            assert (rec["start"], rec["end"]) == (claim["start"], claim["end"])
        elif p.base == "employer_denies":
            assert rec["answer"] == "denied" and name_key(rec["employer"]) in registered
        else:
            assert rec["answer"] in {"confirmed", "no_record"}
            assert (rec["answer"] == "confirmed") is (name_key(rec["employer"]) in registered)


def test_employers_answers_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check_answer,
        "employer_answers",
        "employer_confirms_unregistered",
        "employer_denies",
    )


def _check_discipline(p: Planted) -> None:
    records = [r for r in p.records if r.get("type") == "disciplinary_record"]
    assert records and all(r["subject"]["id_number"] == p.number for r in records)
    if p.base == "hr_warning_single":
        assert len(records) == 1
    elif p.base == "hr_warnings_pattern":
        assert len(records) == 3 and len({r["employer"] for r in records}) == 1
        assert all(p.world.years_ago(r["date"]) < 1 for r in records)
    else:
        (warning,) = records
        (reference,) = [r for r in p.records if r.get("type") == "reference"]
        assert name_key(reference["referee"]["organisation"]) == name_key(warning["employer"])
        truth = next(t for t in p.truth["references"] if t["id"] == reference["id"])
        grounds = {
            s["label"].split(":", 1)[1]
            for s in truth["sentences"]
            if s["label"].startswith("misconduct:") and not s["hearsay"]
        }
        assert warning["ground"] in grounds


def test_disciplinary_records_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check_discipline,
        "hr_warning_single",
        "hr_warnings_pattern",
        "hr_corroborated_reference",
    )
