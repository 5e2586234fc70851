"""Criminal records: every planted conviction is a criminal judgment against the candidate, old,
recent or barring as tagged, and shows on their certificate; acquittals are acquittals."""

from __future__ import annotations

from fairscreen.synth import BARS, OLD_CONVICTION_YEARS
from tests.synth.generated import PACK, Planted, World, check_planted


def _check(p: Planted) -> None:
    if p.tag == "acquitted":
        assert p.records and all(r["outcome"] == "acquitted" and p.party(r) for r in p.records)
        return
    assert p.records
    for case in p.records:
        assert case["kind"] == "criminal" and case["outcome"] == "convicted"
        assert p.party(case)["role"] == "defendant"  # type: ignore[index]
        age = p.world.years_ago(case["sentence_completed"])
        if p.tag == "old_conviction":
            assert age > OLD_CONVICTION_YEARS
        if p.tag == "recent_conviction":
            assert age <= OLD_CONVICTION_YEARS
        if p.tag == "barring_conviction":
            classes, within = BARS[p.truth["category"]]
            assert classes is None or PACK.criminal_causes[case["cause"]].cls in classes
            assert within is None or age <= within
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
    )
