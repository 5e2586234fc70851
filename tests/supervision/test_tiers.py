"""The tier rules at their boundaries: thresholds, windows, half-year inspections for low risk,
three low years for an exemption that a signal ends, high risk above the sector baseline."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairscreen.kit.errors import PolicyError
from fairscreen.supervision import plan as planning
from fairscreen.supervision.register import Complaint, Inspection, SignalRecord
from fairscreen.supervision.tiers import (
    Tier,
    TierInput,
    parse_rules,
    per_year,
    score,
    shipped_rules,
    standing,
)
from tests.supervision.cities import AS_OF, firm

RULES = shipped_rules()


def _given(**counts: int) -> TierInput:
    """Hair salons (prior 4): minor findings weigh 3, complaints 5, minor signals 4."""
    return TierInput(
        firm="F1",
        scenario="hair_beauty",
        as_of=AS_OF,
        signals={"minor": counts.get("signals", 0)},
        open_serious=bool(counts.get("open_serious", 0)),
        findings={"minor": counts.get("minor", 0), "major": counts.get("major", 0)},
        complaints=counts.get("complaints", 0),
        clean_inspections=counts.get("clean", 0),
    )


@pytest.mark.parametrize(
    ("counts", "total", "tier"),
    [
        ({"complaints": 3}, 19, Tier.LOW),  # 4 + 15
        ({"minor": 2, "complaints": 2}, 20, Tier.MEDIUM),  # 4 + 6 + 10: the medium threshold
        ({"complaints": 8}, 44, Tier.MEDIUM),  # 4 + 40
        ({"minor": 2, "complaints": 7}, 45, Tier.HIGH),  # 4 + 6 + 35: the high threshold
        ({"clean": 10}, 0, Tier.LOW),  # 4 - 40 counts as 0
        ({"open_serious": 1}, 4, Tier.CRITICAL),  # an open serious signal, whatever the score
    ],
)
def test_thresholds(counts: dict[str, int], total: int, tier: Tier) -> None:
    result = score(RULES, _given(**counts))
    assert (result.score, result.tier) == (total, tier)


def test_the_explanation_lets_anyone_redo_the_sum() -> None:
    result = score(RULES, _given(minor=2, complaints=7, signals=1, clean=1))
    explained = result.explanation(RULES)
    assert sum(t["count"] * t["weight"] for t in explained["terms"]) == explained["score"] == 45
    assert {t["term"] for t in explained["terms"]} >= {"sector", "complaint", "clean_inspection"}
    assert explained["why"] == "score 45 >= 45"
    assert explained["rules"] == RULES.ref == "cn-firm-tiers@2026.1"


@pytest.mark.parametrize(("day", "counted"), [(date(2025, 12, 31), 0), (date(2026, 1, 1), 1)])
def test_a_signal_counts_for_twelve_months(day: date, counted: int) -> None:
    signal = SignalRecord(on=day, scenario="hair_beauty", severity="minor")
    result = standing(RULES, firm(signals=(signal,)), "hair_beauty", AS_OF)
    assert result.result.terms[1].count == counted


@pytest.mark.parametrize(("day", "counted"), [(date(2023, 12, 31), 0), (date(2024, 1, 1), 1)])
def test_a_finding_counts_for_three_years(day: date, counted: int) -> None:
    inspection = Inspection(on=day, scenario="hair_beauty", major=1)
    result = standing(RULES, firm(inspections=(inspection,)), "hair_beauty", AS_OF)
    assert result.result.terms[5].count == counted


def test_low_risk_is_inspected_once_every_half_year() -> None:
    status = {("F1", "catering"): planning.Status(Tier.LOW)}
    tasks = planning.due_tasks(RULES, 2027, status)
    assert {t.skill for t in tasks} == set(RULES.scenarios["catering"].matters)
    for skill in RULES.scenarios["catering"].matters:
        assert [(t.start, t.end) for t in tasks if t.skill == skill] == [
            (date(2027, 1, 1), date(2027, 7, 1)),
            (date(2027, 7, 1), date(2028, 1, 1)),
        ]
    assert len(planning.stab(tasks)) == 2  # every matter in one visit per half year


def test_medium_is_the_baseline_and_high_is_above_it_in_every_scenario() -> None:
    for code, scenario in RULES.scenarios.items():
        medium = per_year(RULES, code, Tier.MEDIUM)
        high = per_year(RULES, code, Tier.HIGH)
        for skill, baseline in scenario.matters.items():
            assert medium[skill] == baseline
            assert high[skill] > baseline and high[skill] >= baseline * 1.5
            assert per_year(RULES, code, Tier.CRITICAL)[skill] == high[skill]
            assert per_year(RULES, code, Tier.LOW)[skill] == 2 <= baseline


def test_critical_firms_get_a_visit_within_two_weeks() -> None:
    tasks = planning.due_tasks(RULES, 2027, {("F1", "elevator"): planning.Status(Tier.CRITICAL)})
    urgent = [t for t in tasks if t.reason == "urgent"]
    assert {t.skill for t in urgent} == {"special_equipment", "work_safety"}
    assert all((t.start, t.end) == (date(2027, 1, 1), date(2027, 1, 15)) for t in urgent)


def _complaints(day: date) -> tuple[Complaint, ...]:
    return tuple(Complaint(on=day, scenario="hair_beauty", substantiated=True) for _ in range(4))


@pytest.mark.parametrize(
    ("day", "low_years", "exempt"),
    [
        (date(2024, 6, 1), 2, False),  # medium at the end of 2024: two low years only
        (date(2024, 1, 1), 2, False),  # still inside 2024's twelve-month window
        (date(2023, 12, 31), 3, True),  # just outside: low three year-ends running
    ],
)
def test_three_low_years_running_earn_an_exemption(day: date, low_years: int, exempt: bool) -> None:
    result = standing(RULES, firm(complaints=_complaints(day)), "hair_beauty", AS_OF)
    assert result.result.tier is Tier.LOW
    assert (result.low_years, result.exempt) == (low_years, exempt)
    if exempt:
        assert result.exempt_until == date(2027, 12, 31)
        tasks = planning.due_tasks(
            RULES, 2027, {("F1", "hair_beauty"): planning.Status(Tier.LOW, result.exempt_until)}
        )
        assert tasks == []


def test_a_signal_ends_the_exemption() -> None:
    signal = SignalRecord(on=date(2026, 6, 1), scenario="hair_beauty", severity="minor")
    result = standing(RULES, firm(signals=(signal,)), "hair_beauty", AS_OF)
    assert result.result.tier is Tier.LOW and result.low_years == 3
    assert not result.exempt and "signal" in result.because


def test_a_streak_counts_afresh_after_an_exemption() -> None:
    ended = standing(
        RULES, firm(exempt_until={"hair_beauty": date(2025, 6, 30)}), "hair_beauty", AS_OF
    )
    assert (ended.low_years, ended.exempt) == (2, False)
    running = standing(
        RULES, firm(exempt_until={"hair_beauty": date(2027, 3, 31)}), "hair_beauty", AS_OF
    )
    assert running.exempt and running.exempt_until == date(2027, 3, 31)
    tasks = planning.due_tasks(
        RULES, 2027, {("F1", "hair_beauty"): planning.Status(Tier.LOW, date(2027, 6, 30))}
    )
    assert {(t.start, t.end) for t in tasks} == {(date(2027, 7, 1), date(2028, 1, 1))}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("food_safety = 4,", "food_safety = 1,"), "scenarios.catering.matters.food_safety"),
        (("food_safety = 4,", "cooking = 4,"), "scenarios.catering.matters.cooking"),
        (("medium = 20", "medium = 50"), "tiers.medium"),
        (("high_factor = 1.5", "high_factor = 0.5"), "frequency.high_factor"),
        (('id = "cn-firm-tiers"', "id = ["), "not TOML"),
    ],
)
def test_a_broken_rules_file_names_the_field(change: tuple[str, str], field: str) -> None:
    text = RULES.text.replace(*change, 1)
    assert text != RULES.text
    with pytest.raises(PolicyError, match=field.replace(".", r"\.")):
        parse_rules(text, "my-rules.toml")


_ORDER = [Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL]
_counts = st.integers(0, 6)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    scenario=st.sampled_from(sorted(RULES.scenarios)),
    counts=st.fixed_dictionaries(
        dict.fromkeys(("signals", "major", "minor", "complaints", "clean"), _counts)
    ),
    more=st.sampled_from(["signals", "major", "minor", "complaints", "open_serious"]),
)
def test_more_evidence_never_lowers_a_tier_and_the_terms_add_up(
    scenario: str, counts: dict[str, int], more: str
) -> None:
    def given_(extra: dict[str, int]) -> TierInput:
        c = {**counts, **extra}
        return TierInput(
            "F1",
            scenario,
            AS_OF,
            {"minor": c["signals"]},
            bool(c.get("open_serious")),
            {"minor": c["minor"], "major": c["major"]},
            c["complaints"],
            c["clean"],
        )

    before = score(RULES, given_({}))
    after = score(RULES, given_({more: counts.get(more, 0) + 1}))
    assert _ORDER.index(after.tier) >= _ORDER.index(before.tier)
    assert after.score >= before.score
    for result in (before, after):
        assert result.score == max(0, sum(t.count * t.weight for t in result.terms))
