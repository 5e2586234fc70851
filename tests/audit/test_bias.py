"""The outcome audit against its oracles: fairlearn's ``MetricFrame`` computes the same selection
rates and impact ratios, scipy the same test statistics (to 1e-9); and the rules of the tables:
suppression, too small to judge, four-fifths, Holm's correction."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, count, selection_rate
from scipy.stats import chi2_contingency, fisher_exact

from fairscreen.audit import bias, records
from fairscreen.audit.bias import AuditRecord, Columns
from fairscreen.synth import generate_world

TOLERANCE = 1e-9
SEXES = np.array(["female", "male", "other", ""])
ETHNICITIES = np.array(["Han", "Hui", "Zhuang", "Uyghur", ""])
REGIONS = np.array(["东江", "西岭", "南湖", "北原", "中川", ""])


def _data(n: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    sex = rng.choice(SEXES, n, p=[0.47, 0.47, 0.02, 0.04])
    age = rng.integers(20, 62, n)
    age[rng.random(n) < 0.03] = -1
    ethnicity = rng.choice(ETHNICITIES, n, p=[0.7, 0.1, 0.1, 0.05, 0.05])
    region = rng.choice(REGIONS, n)
    rate = 0.55 - 0.2 * (sex == "female") - 0.1 * (age >= 40) - 0.15 * (ethnicity == "Uyghur")
    decision = np.where(rng.random(n) < rate, "hired", "rejected")
    decision[rng.random(n) < 0.05] = ""  # no decision recorded
    return {"sex": sex, "age": age, "ethnicity": ethnicity, "region": region, "decision": decision}


def _columns(data: dict[str, Any]) -> Columns:
    n = len(data["sex"])
    blank = np.full(n, "", dtype="<U1")
    return Columns.from_arrays(
        sex=data["sex"],
        age=data["age"],
        ethnicity=data["ethnicity"],
        region=data["region"],
        light=blank,
        decision=data["decision"],
        employer=np.full(n, "E1"),
        agency=blank,
        category=np.full(n, "general_office"),
        window=np.full(n, "2026-11"),
    )


def _frame(data: dict[str, Any]) -> pd.DataFrame:
    age = data["age"]
    return pd.DataFrame(
        {
            "sex": data["sex"],
            "age_35": np.where(age < 0, "", np.where(age >= 35, "35_plus", "under_35")),
            "age_40": np.where(age < 0, "", np.where(age >= 40, "40_plus", "under_40")),
            "ethnicity": data["ethnicity"],
            "region": data["region"],
            "decided": data["decision"] != "",
            "hired": data["decision"] == "hired",
        }
    )


def _oracle(frame: pd.DataFrame, attributes: tuple[str, ...]) -> MetricFrame:
    """fairlearn over the people the table covers: a decision and every attribute known."""
    known = frame["decided"] & (frame[list(attributes)] != "").all(axis=1)
    part = frame[known]
    return MetricFrame(
        metrics={"rate": selection_rate, "n": count},
        y_true=part["hired"].to_numpy(),
        y_pred=part["hired"].to_numpy(),
        sensitive_features=part[list(attributes)],
    )


def _key(group: tuple[str, ...]) -> Any:
    return group if len(group) > 1 else group[0]


@pytest.mark.parametrize("seed", [1, 2])
def test_rates_and_impact_ratios_agree_with_fairlearn(seed: int) -> None:
    data = _data(6_000, seed)
    frame = _frame(data)
    tables = bias.tables(_columns(data), "decision", "all", bias.groupings())
    assert len(tables) == len(bias.groupings()) == 23  # 5 attributes, the age bands never together
    compared = 0
    for table in tables:
        by_group = _oracle(frame, table.attributes).by_group
        judged = [r for r in table.rows if r.status in ("reference", "judged")]
        best = max(float(by_group.loc[_key(r.group)]["rate"]) for r in judged)
        for row in table.rows:
            expected = by_group.loc[_key(row.group)]
            if row.status == "suppressed":
                assert expected["n"] < bias.MIN_CELL or row.n is None
                continue
            assert row.n == expected["n"]
            assert row.rate is not None
            assert abs(row.rate - expected["rate"]) <= TOLERANCE
            if row.status != "too_small":
                assert row.impact_ratio is not None
                assert abs(row.impact_ratio - expected["rate"] / best) <= TOLERANCE
                assert row.four_fifths == (expected["rate"] / best < bias.FOUR_FIFTHS)
            compared += 1
        # everyone without a value, without a decision, or in a suppressed group is "not shown"
        decided = int(frame["decided"].sum())
        assert table.not_shown == decided - sum(r.n or 0 for r in table.rows)
    assert compared > 500


def test_single_attributes_match_fairlearn_exactly_as_ll144_lays_them_out() -> None:
    """With every group large, the impact ratio is fairlearn's rate over the largest rate."""
    data = _data(20_000, 9)
    frame = _frame(data)
    for attribute in ("sex", "age_35", "age_40", "ethnicity", "region"):
        (table,) = bias.tables(_columns(data), "decision", "all", [(attribute,)])
        by_group = _oracle(frame, (attribute,)).by_group
        ratios = by_group["rate"] / by_group["rate"].max()
        for row in table.rows:
            if row.status == "too_small":  # "other" sex: under 2 % of the table
                continue
            assert row.impact_ratio is not None
            assert abs(row.impact_ratio - ratios.loc[row.group[0]]) <= TOLERANCE
        reference = [r for r in table.rows if r.status == "reference"]
        assert len(reference) == 1 and reference[0].impact_ratio == 1.0


def test_p_values_agree_with_scipy() -> None:
    """Over a small and a larger sample: Fisher's exact test where an expected count is under
    5, Pearson's chi-square elsewhere."""
    chi, exact = 0, 0
    for n, seed in ((400, 4), (3_000, 5)):
        chi, exact = _compare_p_values(_data(n, seed), chi, exact)
    assert chi > 50 and exact > 5  # both tests were exercised


def _compare_p_values(data: dict[str, Any], chi: int, exact: int) -> tuple[int, int]:
    tables = bias.tables(_columns(data), "decision", "all", bias.groupings())
    for table in tables:
        judged = [r for r in table.rows if r.status in ("reference", "judged")]
        total_n = sum(r.n or 0 for r in judged)
        total_s = sum(r.selected or 0 for r in judged)
        for row in judged:
            if row.p_value is None:
                assert total_n == row.n  # alone in its table: nothing to compare with
                continue
            assert row.n is not None and row.selected is not None
            cells = np.array(
                [
                    [row.selected, row.n - row.selected],
                    [total_s - row.selected, total_n - row.n - (total_s - row.selected)],
                ]
            )
            if (cells.sum(axis=1) == 0).any() or (cells.sum(axis=0) == 0).any():
                assert row.p_value == 1.0
                continue
            _, p_chi, _, expected = chi2_contingency(cells, correction=False)
            if expected.min() >= 5:
                assert abs(row.p_value - p_chi) <= TOLERANCE
                chi += 1
            else:
                assert abs(row.p_value - fisher_exact(cells).pvalue) <= TOLERANCE
                exact += 1
    return chi, exact


def test_fisher_p_is_scipys_two_sided_p() -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        a, b, c, d = (int(x) for x in rng.integers(0, 25, 4))
        table = np.array([[a, b], [c, d]])
        assert abs(bias.fisher_p(a, b, c, d) - fisher_exact(table).pvalue) <= 1e-12


def _rows(sizes: dict[str, tuple[int, int]], unknown: int = 0) -> dict[str, bias.GroupRow]:
    labels: list[tuple[str, ...]] = [(g,) for g in sizes]
    n = np.array([v[0] for v in sizes.values()], dtype=np.int64)
    s = np.array([v[1] for v in sizes.values()], dtype=np.int64)
    rows, _ = bias._rows(n, s, labels, unknown)
    return {r.group[0]: r for r in rows}


def test_a_group_under_five_people_is_suppressed_and_shows_nothing() -> None:
    rows = _rows({"a": (400, 200), "b": (380, 150), "c": (3, 0)}, unknown=20)
    assert rows["c"] == bias.GroupRow(("c",), "suppressed", None, None, None, None, False, None)
    assert rows["a"].status == "reference" and rows["b"].status == "judged"


def test_secondary_suppression_keeps_the_margin_from_singling_people_out() -> None:
    """3 suppressed and nobody else unknown: 'not shown' would be exactly them, so the next
    smallest group is suppressed too."""
    rows = _rows({"a": (400, 200), "b": (380, 150), "c": (60, 30), "d": (3, 0)}, unknown=0)
    assert rows["d"].status == "suppressed" and rows["c"].status == "suppressed"
    assert rows["a"].n == 400 and rows["b"].n == 380
    # with enough unknown people the margin hides them already
    rows = _rows({"a": (400, 200), "b": (380, 150), "c": (60, 30), "d": (3, 0)}, unknown=10)
    assert rows["c"].status == "judged"


def test_a_group_under_two_percent_is_too_small_to_judge() -> None:
    rows = _rows({"a": (500, 250), "b": (480, 100), "c": (9, 0)}, unknown=10)
    assert rows["c"].status == "too_small"
    assert rows["c"].n == 9 and rows["c"].rate == 0.0
    assert rows["c"].impact_ratio is None and not rows["c"].four_fifths
    assert rows["b"].four_fifths and rows["b"].impact_ratio == pytest.approx(0.2 / 0.5 * 500 / 480)


def test_holm_rejects_step_down() -> None:
    # alpha 0.05 over 4: 0.0125, 0.0167, 0.025, 0.05
    assert bias.holm([0.01, 0.015, 0.03, 0.04]) == [True, True, False, False]
    assert bias.holm([0.02, 0.001]) == [True, True]  # 0.001 <= 0.025, then 0.02 <= 0.05
    assert bias.holm([0.06, 0.001]) == [False, True]
    assert bias.holm([]) == []


def _record(sex: str | None, hired: bool, **extra: Any) -> AuditRecord:
    fields: dict[str, Any] = {
        "employer": "E1",
        "agency": "A1",
        "category": "general_office",
        "light": "green",
        "rules": (),
        "decision": "hired" if hired else "rejected",
        "at": date(2026, 11, 20),
        "sex": sex,
        "birth_year": 1990,
    }
    fields.update(extra)
    return AuditRecord(**fields)


def test_a_flag_needs_both_the_four_fifths_rule_and_significance() -> None:
    records = [_record("male", i % 2 == 0) for i in range(400)]
    records += [_record("female", i % 5 == 0) for i in range(400)]  # 0.2 against 0.5
    records += [_record("other", i % 2 == 0, employer="E2") for i in range(10)]
    result = bias.run(Columns.from_records(records), outcomes=("decision",))
    found = [f for f in bias.flags(result) if f.scope == "all" and f.attributes == ("sex",)]
    assert [(f.group, round(f.impact_ratio, 3)) for f in found] == [(("female",), 0.4)]
    # the same ratio on 10 people is not significant: no flag
    few = [_record("male", i % 2 == 0) for i in range(10)]
    few += [_record("female", i % 5 == 0) for i in range(10)]
    result = bias.run(Columns.from_records(few), outcomes=("decision",))
    table = result.find("decision", "all", "all", ("sex",))
    assert table is not None and any(r.four_fifths for r in table.rows)
    assert bias.flags(result) == []


def test_records_count_their_age_at_the_decision_and_missing_values_as_not_shown() -> None:
    records = [
        _record("female", True, birth_year=1991, at=date(2026, 1, 2)),  # 35: 35_plus
        _record("female", False, birth_year=1992, at=date(2026, 1, 2)),  # 34
        _record(None, True, birth_year=None),  # no audit consent
    ]
    columns = Columns.from_records(records)
    assert columns.attributes["age_35"][0].tolist() == [1, 0, -1]
    assert columns.attributes["sex"] == (columns.attributes["sex"][0], ["female"])
    assert columns.scopes["window"][1] == ["2026-01", "2026-11"]


def test_the_rule_tables_say_which_rule_drives_a_disparity() -> None:
    records = [_record("male", True, light="green") for _ in range(300)]
    records += [_record("female", True, light="green") for _ in range(200)]
    records += [_record("female", False, light="yellow", rules=("CN-EDU-01",)) for _ in range(100)]
    result = bias.run(Columns.from_records(records), outcomes=("light",), scopes=("rule",))
    table = result.find("light", "rule", "CN-EDU-01", ("sex",))
    assert table is not None
    rows = {r.group: r for r in table.rows}
    # the rate at which the rule did not fire: 1.0 for men, 2/3 for women
    assert rows[("male",)].rate == 1.0
    assert rows[("female",)].rate == pytest.approx(200 / 300)
    assert rows[("female",)].four_fifths


def test_the_audit_finds_the_employers_the_generator_planted(tmp_path: Path) -> None:
    """A world of 6,000 with decisions: each planted employer (women, 35 and over, three
    regions) is flagged on its attribute in decisions on green or blue lights, and at most
    one fair employer is flagged. (Rates over several seeds: bench/audit.py.)"""
    world, truth = tmp_path / "world.jsonl", tmp_path / "truth.jsonl"
    generate_world(world, candidates=6_000, seed=1, truth=truth, decisions=True)
    planted = {
        line["employer"]: line
        for line in map(orjson.loads, truth.read_bytes().splitlines())
        if line["type"] == "employer_bias"
    }
    assert sorted(p["against"] for p in planted.values()) == ["age_35_plus", "female", "region"]
    found = records.from_world(world)
    flagged = bias.flags(bias.run(Columns.from_records(found), outcomes=("decision_given_light",)))
    by_employer: dict[str, set[tuple[str, str]]] = {}
    for flag in flagged:
        if flag.scope == "employer":
            by_employer.setdefault(flag.scope_value, set()).add((flag.attributes[0], flag.group[0]))
    for employer, line in planted.items():
        hits = by_employer.get(employer, set())
        if line["against"] == "female":
            assert ("sex", "female") in hits
        elif line["against"] == "age_35_plus":
            assert ("age_35", "35_plus") in hits
        else:
            assert any(a == "region" and g in line["regions"] for a, g in hits)
    assert len(set(by_employer) - set(planted)) <= 1
