"""Criminal records: every planted conviction is a criminal judgment against the candidate with
its sentence, old, recent or barring as tagged (``bars``), and shows on their certificate; the
cases the statutes tell apart are what they say; acquittals are acquittals."""

from __future__ import annotations

from datetime import date
from typing import Any

from fairscreen.synth import OLD_CONVICTION_YEARS
from fairscreen.synth.context import Context
from fairscreen.synth.criminal import bars
from tests.synth.generated import PACK, Planted, World, check_planted


def _end(case: dict[str, Any], sentence: dict[str, Any]) -> str:
    return str(
        sentence.get("completed")
        or sentence.get("probation_ended")
        or case.get("sentence_completed")
        or case["decided"]
    )


def _check(p: Planted) -> None:
    if p.tag == "acquitted":
        assert p.records and all(r["outcome"] == "acquitted" and p.party(r) for r in p.records)
        return
    assert p.records
    ctx = Context(candidates=1, seed=0, as_of=p.world.as_of)
    for case in p.records:
        assert case["kind"] == "criminal" and case["outcome"] == "convicted"
        party = p.party(case)
        assert party is not None and party["role"] == "defendant"
        sentence = party["sentence"]
        age = p.world.years_ago(_end(case, sentence))
        if p.tag == "old_conviction":
            assert age > OLD_CONVICTION_YEARS
        if p.tag == "recent_conviction":
            assert age <= OLD_CONVICTION_YEARS
        if p.tag == "barring_conviction":
            assert bars(
                ctx,
                p.truth["category"],
                case["cause"],
                sentence["kind"],
                probation="probation_months" in sentence,
                years_since_end=age,
            )
        cause = PACK.criminal_causes[case["cause"]]
        if p.base == "negligent_conviction":
            assert cause.culpability == "negligent" and sentence["kind"] == "fixed_term"
        if p.base == "exempted_conviction":
            assert sentence["kind"] == "exempted" and "sentence_completed" not in case
        if p.base == "probation_conviction":
            assert "probation_months" in sentence and "completed" not in sentence
            if p.detail:
                assert (age <= 2) is (p.detail == "recent")
        if p.base == "juvenile_conviction":
            birth = date.fromisoformat(p.world.candidates[p.truth["candidate"]]["birth_date"])
            committed = date.fromisoformat(party["committed"])
            assert (committed - birth).days < 18 * 365.25
            assert sentence["kind"] == "fixed_term" and sentence["months"] <= 60
            # the police certificate does not show it: only the judgment does
            certificates = p.world.of(p.number, "criminal_certificate")
            assert all(
                o["convicted"] != case["decided"]
                for c in certificates
                for o in c.get("offences", ())
            )
    if p.base != "juvenile_conviction":
        for cert in p.world.of(p.number, "criminal_certificate"):
            assert cert["result"] == "record"


def test_criminal_cases_are_true_of_the_world(worlds: tuple[World, World]) -> None:
    check_planted(
        worlds,
        _check,
        "conviction",
        "old_conviction",
        "recent_conviction",
        "barring_conviction",
        "acquitted",
        "negligent_conviction",
        "exempted_conviction",
        "probation_conviction",
        "juvenile_conviction",
    )
