"""The CN rule set read against the statutes' words (docs/statutes.md), end to end: a world with
the record, the real sources, verification and the rule set. Each test takes its case from the
wording of one article and fails if the rule were broader or narrower than the statute: a
negligent crime does not bar a guard, three administrative detentions do, two do not."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fairscreen.rating.engine import RatableFinding, RatingInput
from fairscreen.verify.checks import finalise, weigh_references
from tests.test_pipeline import PACK, RULES, only
from tests.verify.test_checks import _reference, _remark, _warning, ctx
from tests.worlds import WorldBuilder


def _screen(tmp_path: Path, w: WorldBuilder) -> dict[str, Any]:
    with w.load(tmp_path) as store:
        return only(store).result()


def _rules(result: dict[str, Any]) -> set[str]:
    return {r["rule"] for r in result["reasons"]}


def _red(result: dict[str, Any]) -> set[str]:
    return {r["rule"] for r in result["reasons"] if r["light"] == "red"}


def _candidate(w: WorldBuilder, category: str, **kw: Any) -> dict[str, Any]:
    """A candidate of ``category`` with the licence and fitness certificate it requires, so that
    only the record under test can change the light."""
    c = w.candidate(category, **kw)
    policy = PACK.category(category)
    for group in policy.required_licences:
        _licensed(w, c, sorted(group)[0])
    if policy.fitness_certificate:
        w.record(
            "health_certificate",
            c,
            purpose=policy.fitness_certificate,
            issued="2026-06-01",
            fit_for_duty=True,
        )
    return c


def _licensed(w: WorldBuilder, c: dict[str, Any], kind: str = "security_guard") -> None:
    w.record("licence_record", c, kind=kind, number="OK1", status="valid", issued="2020-01-01")


def _convicted(
    w: WorldBuilder,
    c: dict[str, Any],
    cause: str,
    sentence: dict[str, Any] | None,
    *,
    decided: str = "2024-03-01",
    **party: Any,
) -> None:
    details: dict[str, Any] = {"sentence": sentence} if sentence is not None else {}
    w.court_case("criminal", cause, [w.party(c, "defendant", **details, **party)], decided=decided)


def _detentions(w: WorldBuilder, c: dict[str, Any], n: int, penalty: str = "detention") -> None:
    for i in range(n):
        w.record(
            "administrative_penalty",
            c,
            authority="測試公安分局",
            decision_number=f"罰{i}",
            conduct="gambling",
            penalty=penalty,
            decided=f"{2008 + i}-05-01",
            days=10 if penalty == "detention" else None,
        )


PRISON = {"kind": "fixed_term", "months": 12, "completed": "2010-03-01"}
DETENTION = {"kind": "criminal_detention", "months": 4, "completed": "2010-07-01"}
RECENT_PRISON = {"kind": "fixed_term", "months": 12, "completed": "2025-03-01"}


# --- 保安服務管理條例 第17條 ------------------------------------------------------------------------


def test_ssr_17_2_an_intentional_crime_punished_bars_a_guard_for_good(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = _candidate(w, "security_guard")
    _convicted(w, c, "theft", DETENTION, decided="2010-03-01")  # sixteen years ago
    result = _screen(tmp_path, w)
    assert result["light"] == "red" and _red(result) == {"CN-SEC-01"}
    assert any("第17條第2項" in r["legal_basis"] for r in result["reasons"])


@pytest.mark.parametrize(
    ("cause", "sentence"),
    [
        ("traffic_accident_crime", RECENT_PRISON),  # 過失: not 故意犯罪
        ("negligent_homicide", RECENT_PRISON),
        ("theft", {"kind": "exempted"}),  # 免予刑事處罰: not 被刑事處罰
    ],
)
def test_ssr_17_2_a_negligent_crime_or_no_punishment_does_not_bar_a_guard(
    tmp_path: Path, cause: str, sentence: dict[str, Any]
) -> None:
    w = WorldBuilder()
    c = _candidate(w, "security_guard")
    _convicted(w, c, cause, sentence)
    result = _screen(tmp_path, w)
    assert result["light"] == "yellow" and _rules(result) == {"CN-CRIM-01"}


def test_ssr_17_1_three_administrative_detentions_bar_a_guard_two_do_not(tmp_path: Path) -> None:
    for n, light in ((3, "red"), (2, "green")):
        w = WorldBuilder()
        c = w.candidate("security_guard")
        _licensed(w, c)
        _detentions(w, c, n)  # fifteen-odd years ago: "曾", no time limit
        folder = tmp_path / str(n)
        folder.mkdir()
        result = _screen(folder, w)
        assert result["light"] == light, n
        if n == 3:
            (reason,) = result["reasons"]
            assert reason["rule"] == "CN-SEC-03" and len(reason["findings"]) == 3


def test_ssr_17_1_three_fines_are_not_three_detentions(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = _candidate(w, "security_guard")
    _detentions(w, c, 3, penalty="administrative_fine")
    assert _screen(tmp_path, w)["light"] == "green"


@pytest.mark.parametrize(
    "measure", ["compulsory_isolation_rehab", "custody_education", "reeducation_through_labour"]
)
def test_ssr_17_1_one_custody_measure_bars_a_guard(tmp_path: Path, measure: str) -> None:
    w = WorldBuilder()
    c = _candidate(w, "security_guard")
    _detentions(w, c, 1, penalty=measure)
    assert _red(_screen(tmp_path, w)) == {"CN-SEC-04"}


@pytest.mark.parametrize(
    ("revocations", "red"),
    [
        (["2024-06-01"], {"CN-SEC-05"}),  # 未滿3年
        (["2022-06-01"], set()),  # three years passed, once
        (["2012-01-01", "2016-01-01"], {"CN-SEC-06"}),  # 曾兩次
    ],
)
def test_ssr_17_3_and_4_revoked_guard_certificates(
    tmp_path: Path, revocations: list[str], red: set[str]
) -> None:
    w = WorldBuilder()
    c = _candidate(w, "security_guard")
    for i, day in enumerate(revocations):
        w.record(
            "licence_record",
            c,
            kind="security_guard",
            number=f"OLD{i}",
            status="revoked",
            issued="2005-01-01",
            status_since=day,
        )
    assert _red(_screen(tmp_path, w)) == red


def test_ssr_administrative_records_are_not_asked_for_an_office_job(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("general_office")
    _detentions(w, c, 3)
    result = _screen(tmp_path, w)
    assert result["light"] == "green" and result["excluded"] == []
    assert {"item": "public_security_record", "why": "not_allowed_for_position"} in result[
        "not_checked"
    ]


# --- 未成年人保護法 第62條, 教師法 第14條 -----------------------------------------------------------


@pytest.mark.parametrize("cause", ["child_molestation", "child_abuse", "robbery"])
def test_mpl_62_a_listed_offence_bars_work_with_minors_whatever_the_punishment_or_age(
    tmp_path: Path, cause: str
) -> None:
    w = WorldBuilder()
    c = _candidate(w, "childcare_education")
    _convicted(w, c, cause, {"kind": "exempted"}, decided="2010-03-01")
    assert "CN-CHILD-01" in _red(_screen(tmp_path, w))


def test_mpl_62_a_listed_act_punished_administratively_bars_too(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = _candidate(w, "childcare_education")
    w.record(
        "administrative_penalty",
        c,
        authority="測試公安分局",
        decision_number="罰1",
        conduct="indecency",
        penalty="detention",
        days=10,
        decided="2009-05-01",
    )
    w.record(
        "administrative_penalty",
        c,
        authority="測試公安分局",
        decision_number="罰2",
        conduct="gambling",
        penalty="detention",
        days=5,
        decided="2025-05-01",
    )
    result = _screen(tmp_path, w)
    assert _red(result) == {"CN-CHILD-02"}
    assert [e["why"] for e in result["excluded"]] == ["not_job_relevant"]  # the gambling one


def test_mpl_62_and_tl_14_a_drug_offence_without_prison_is_not_a_bar(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = _candidate(w, "childcare_education")
    _convicted(w, c, "drug_possession", {"kind": "criminal_detention", "months": 5})
    result = _screen(tmp_path, w)
    assert result["light"] == "yellow" and _rules(result) == {"CN-CRIM-01"}


@pytest.mark.parametrize(
    ("cause", "sentence", "red"),
    [
        ("theft", PRISON, {"CN-TEACH-01"}),  # 故意犯罪 + 有期徒刑: for good
        ("theft", {**PRISON, "probation_months": 18}, {"CN-TEACH-01"}),  # suspended, still 有期徒刑
        ("theft", DETENTION, set()),  # 拘役 is not 有期徒刑以上
        ("traffic_accident_crime", PRISON, set()),  # 過失
        (
            "gambling",
            {"kind": "fine", "political_rights_months": 12},
            {"CN-TEACH-02"},
        ),  # 剝奪政治權利
    ],
)
def test_tl_14_prison_for_an_intentional_crime_or_lost_political_rights_bar_teaching(
    tmp_path: Path, cause: str, sentence: dict[str, Any], red: set[str]
) -> None:
    w = WorldBuilder()
    c = _candidate(w, "childcare_education")
    if "probation_months" in sentence:
        sentence = {k: v for k, v in sentence.items() if k != "completed"}
    _convicted(w, c, cause, sentence, decided="2009-03-01")
    assert _red(_screen(tmp_path, w)) == red


# --- 公司法 第178條 -------------------------------------------------------------------------------


def _executive(
    tmp_path: Path, cause: str, sentence: dict[str, Any], decided: str = "2019-03-01"
) -> dict[str, Any]:
    w = WorldBuilder()
    c = w.candidate("executive_legal_rep")
    _convicted(w, c, cause, sentence, decided=decided)
    return _screen(tmp_path, w)


@pytest.mark.parametrize(
    ("completed", "red"),
    [("2021-12-01", {"CN-EXEC-01"}), ("2021-11-19", set())],  # 執行期滿未逾五年
)
def test_cl_178_an_economic_crime_bars_for_five_years_from_the_end_of_the_sentence(
    tmp_path: Path, completed: str, red: set[str]
) -> None:
    sentence = {"kind": "fixed_term", "months": 24, "completed": completed}
    assert _red(_executive(tmp_path, "job_embezzlement", sentence)) == red


@pytest.mark.parametrize(
    ("ended", "red"),
    [("2025-01-01", {"CN-EXEC-03"}), ("2024-11-01", set())],  # 緩刑考驗期滿之日起未逾二年
)
def test_cl_178_a_suspended_sentence_bars_for_two_years_from_the_end_of_probation(
    tmp_path: Path, ended: str, red: set[str]
) -> None:
    sentence = {
        "kind": "fixed_term",
        "months": 24,
        "probation_months": 36,
        "probation_ended": ended,
    }
    result = _executive(tmp_path, "tax_evasion", sentence, decided="2021-06-01")
    assert _red(result) == red


@pytest.mark.parametrize(
    ("cause", "red"),
    [
        ("theft", False),  # 盜竊: a crime against property, not listed
        ("fraud", False),  # 詐騙 (第266條): not listed
        ("contract_fraud", True),  # 合同詐騙: 破壞社會主義市場經濟秩序
        ("bribery", True),  # 賄賂
        ("false_accounting", True),  # 第161條: market-economy order
    ],
)
def test_cl_178_only_the_listed_crimes(tmp_path: Path, cause: str, red: bool) -> None:
    sentence = {"kind": "fixed_term", "months": 12, "completed": "2024-01-01"}
    result = _executive(tmp_path, cause, sentence)
    assert bool(_red(result)) is red and result["light"] in ("red", "yellow")


def test_cl_178_exempted_from_punishment_is_not_sentenced(tmp_path: Path) -> None:
    assert (
        _red(_executive(tmp_path, "bribery", {"kind": "exempted"}, decided="2025-01-01")) == set()
    )


def test_cl_178_lost_political_rights_for_any_crime_bar_for_five_years(tmp_path: Path) -> None:
    sentence = {
        "kind": "fixed_term",
        "months": 36,
        "completed": "2019-01-01",
        "political_rights_months": 36,
    }
    result = _executive(tmp_path, "robbery", sentence, decided="2016-01-01")
    assert _red(result) == {"CN-EXEC-04"}  # rights restored 2022-01-01: within five years


def test_cl_178_5_a_dishonest_debtor_bars_while_listed(tmp_path: Path) -> None:
    for removed, light in ((None, "red"), ("2025-05-01", "blue")):
        w = WorldBuilder()
        c = w.candidate("executive_legal_rep")
        w.record(
            "enforcement_record",
            c,
            court="x",
            case_number="y",
            listed="2024-02-01",
            removed=removed,
        )
        folder = tmp_path / str(light)
        folder.mkdir()
        assert _screen(folder, w)["light"] == light


# --- 會計法 第39條 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "light", "rules"),
    [
        ("false_accounting", "red", {"CN-ACCT-01"}),  # 提供虛假財務會計報告, for good
        ("accounting_records_destruction", "red", {"CN-ACCT-01"}),  # 故意銷毀會計憑證
        ("job_embezzlement", "red", {"CN-ACCT-01"}),  # 職務侵占
        ("misappropriation", "red", {"CN-ACCT-01"}),  # 挪用公款
        ("bribery", "yellow", {"CN-ACCT-02"}),  # not listed: whether accounting-related, a person
        ("theft", "green", set()),  # not related to accounting: beyond the lookback, nothing
    ],
)
def test_al_39_accounting_crimes_bar_accounting_work_for_good(
    tmp_path: Path, cause: str, light: str, rules: set[str]
) -> None:
    w = WorldBuilder()
    c = w.candidate("finance_accounting")
    _convicted(w, c, cause, PRISON, decided="2009-03-01")
    result = _screen(tmp_path, w)
    assert result["light"] == light and _rules(result) == rules


# --- 道路交通安全法, passenger-driver qualifications ----------------------------------------------------


def _driver(tmp_path: Path, violations: list[dict[str, Any]]) -> dict[str, Any]:
    w = WorldBuilder()
    c = w.candidate("driver")
    w.record("driving_record", c, licence_class="A1", licence_status="valid", violations=violations)
    w.record(
        "health_certificate", c, purpose="driver_fitness", issued="2026-06-01", fit_for_duty=True
    )
    return _screen(tmp_path, w)


@pytest.mark.parametrize(
    ("kind", "rule"),
    [("drunk_driving", "CN-DRV-01"), ("dui", "CN-DRV-01"), ("hit_and_run", "CN-DRV-05")],
)
def test_rtsl_drink_driving_and_hit_and_run_bar_passenger_driving_for_good(
    tmp_path: Path, kind: str, rule: str
) -> None:
    result = _driver(tmp_path, [{"kind": kind, "date": "2004-05-01"}])
    assert _red(result) == {rule}


@pytest.mark.parametrize(
    ("days", "red"),
    [
        (["2026-01-05", "2026-04-01", "2026-10-01"], {"CN-DRV-08"}),  # 12個月內3次以上超速
        (["2025-11-01", "2026-04-01", "2026-10-01"], set()),  # one of them 13 months ago
        (["2026-04-01", "2026-10-01"], set()),  # two
    ],
)
def test_ptsm_three_speeding_violations_in_twelve_months_are_a_pattern(
    tmp_path: Path, days: list[str], red: set[str]
) -> None:
    result = _driver(tmp_path, [{"kind": "speeding", "date": d, "points": 3} for d in days])
    assert _red(result) == red
    if not red:
        assert result["light"] == "green"


def test_ptsm_serious_speeding_within_three_years(tmp_path: Path) -> None:
    assert _red(_driver(tmp_path, [{"kind": "speeding_serious", "date": "2024-05-01"}])) == {
        "CN-DRV-06"
    }
    older = tmp_path / "older"
    older.mkdir()
    assert _red(_driver(older, [{"kind": "speeding_serious", "date": "2023-05-01"}])) == set()


@pytest.mark.parametrize(
    ("category", "red"),
    [("driver", {"CN-DRV-03"}), ("security_guard", set())],
)
def test_a_negligent_traffic_crime_bars_a_driver_but_not_a_guard(
    tmp_path: Path, category: str, red: set[str]
) -> None:
    w = WorldBuilder()
    c = w.candidate(category)
    if category == "security_guard":
        _licensed(w, c)
    else:
        w.record("driving_record", c, licence_class="A1", licence_status="valid", violations=[])
        w.record(
            "health_certificate",
            c,
            purpose="driver_fitness",
            issued="2026-06-01",
            fit_for_duty=True,
        )
    _convicted(w, c, "traffic_accident_crime", PRISON, decided="2009-03-01")
    assert _red(_screen(tmp_path, w)) == red


def test_taxi_10_a_drug_use_record_bars_a_passenger_driver(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("driver")
    w.record("driving_record", c, licence_class="A1", licence_status="valid", violations=[])
    w.record(
        "health_certificate", c, purpose="driver_fitness", issued="2026-06-01", fit_for_duty=True
    )
    w.record(
        "administrative_penalty",
        c,
        authority="測試公安分局",
        decision_number="罰1",
        conduct="drug_use",
        penalty="detention",
        days=15,
        decided="2012-05-01",
    )
    assert _red(_screen(tmp_path, w)) == {"CN-DRV-07"}


# --- 醫師法 第16條 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "rules"),
    [("2025-06-01", {"CN-MED-02"}), ("2024-06-01", {"CN-CRIM-01"})],  # 執行完畢不滿二年
)
def test_med_16_punishment_within_two_years_of_its_end(
    tmp_path: Path, completed: str, rules: set[str]
) -> None:
    w = WorldBuilder()
    c = _candidate(w, "healthcare")
    _convicted(w, c, "affray", {"kind": "criminal_detention", "months": 3, "completed": completed})
    result = _screen(tmp_path, w)
    assert result["light"] == "yellow" and _rules(result) == rules


# --- records the law takes out of use -------------------------------------------------------------


def test_cpl_286_a_sealed_juvenile_record_is_never_used_even_for_a_listed_offence(
    tmp_path: Path,
) -> None:
    w = WorldBuilder()
    birth = date(2000, 1, 15)
    c = _candidate(w, "childcare_education", birth=birth)
    _convicted(
        w,
        c,
        "child_molestation",
        {"kind": "fixed_term", "months": 36, "completed": "2020-01-01"},
        decided="2017-01-01",
        committed="2016-08-01",
    )
    result = _screen(tmp_path, w)
    assert result["light"] == "green"
    assert [e["why"] for e in result["excluded"]] == ["sealed_by_law"]


def test_crc_16_negative_credit_information_older_than_five_years_is_not_used(
    tmp_path: Path,
) -> None:
    for last, light in (("2021-12-01", "blue"), ("2021-06-01", "green")):
        w = WorldBuilder()
        c = w.candidate("finance_accounting")
        w.record(
            "credit_report", c, as_of="2026-10-01", serious_delinquencies=2, last_delinquency=last
        )
        folder = tmp_path / light
        folder.mkdir()
        result = _screen(folder, w)
        assert result["light"] == light
        if light == "green":
            assert [e["why"] for e in result["excluded"]] == ["expired_by_law"]


def test_a_non_prosecution_decision_never_counts(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = _candidate(w, "security_guard")
    w.record(
        "prosecution_decision",
        c,
        procuratorate="測試檢察院",
        decision_number="不訴1",
        cause="theft",
        decided="2025-01-01",
        ground="discretionary",
    )
    result = _screen(tmp_path, w)
    assert result["light"] == "green"
    assert [e["why"] for e in result["excluded"]] == ["no_adverse_outcome"]


def test_an_arbitration_applicant_and_an_administrative_plaintiff_are_never_collected(
    tmp_path: Path,
) -> None:
    w = WorldBuilder()
    c = w.candidate("executive_legal_rep")
    me = {k: v for k, v in w.party(c).items() if k != "role"}
    w.record(
        "labour_arbitration",
        commission="測試仲裁委",
        case_number="仲1",
        cause="non_compete",
        filed="2025-01-01",
        decided="2025-03-01",
        outcome="award_for_applicant",
        parties=[{**me, "role": "applicant"}, {"name": "前僱主", "role": "respondent"}],
    )
    w.court_case(
        "administrative",
        "information_disclosure",
        [w.party(c, role="plaintiff"), {"name": "某局", "role": "defendant"}],
        outcome="judgment_for_plaintiff",
    )
    result = _screen(tmp_path, w)
    assert result["light"] == "green" and result["excluded"] == []


def test_an_arbitration_award_against_an_executive_on_a_non_compete_is_informational(
    tmp_path: Path,
) -> None:
    w = WorldBuilder()
    c = w.candidate("executive_legal_rep")
    me = {k: v for k, v in w.party(c).items() if k != "role"}
    w.record(
        "labour_arbitration",
        commission="測試仲裁委",
        case_number="仲1",
        cause="non_compete",
        filed="2025-01-01",
        decided="2025-03-01",
        outcome="award_for_applicant",
        parties=[{"name": "前僱主", "role": "applicant"}, {**me, "role": "respondent"}],
    )
    result = _screen(tmp_path, w)
    assert result["light"] == "blue" and _rules(result) == {"CN-ARB-01"}


# --- patterns and references ------------------------------------------------------------------------


def _warnings(
    w: WorldBuilder, c: dict[str, Any], days: list[str], ground: str = "attendance"
) -> None:
    for day in days:
        w.record(
            "disciplinary_record",
            c,
            employer="前僱主有限公司",
            action="written_warning",
            ground=ground,
            date=day,
        )


@pytest.mark.parametrize(
    ("days", "light"),
    [
        (["2026-02-01", "2026-05-01", "2026-09-01"], "yellow"),  # three in twelve months
        (["2026-05-01", "2026-09-01"], "green"),  # two
        (["2025-10-01", "2026-05-01", "2026-09-01"], "green"),  # one over twelve months ago
    ],
)
def test_lcl_39_repeated_written_warnings_are_a_pattern(
    tmp_path: Path, days: list[str], light: str
) -> None:
    w = WorldBuilder()
    c = w.candidate("general_office")
    _warnings(w, c, days)
    result = _screen(tmp_path, w)
    assert result["light"] == light
    if light == "yellow":
        assert _rules(result) == {"CN-HR-01"}


@pytest.mark.parametrize(
    ("category", "light"),
    [("driver", "yellow"), ("security_guard", "yellow"), ("general_office", "green")],
)
def test_a_corroborated_attendance_remark_counts_where_attendance_is_job_relevant(
    category: str, light: str
) -> None:
    # The screener's attendance family arrives from the lexicon's own work; the weighing and the
    # rules are tested here with the screener's Remark shape (kind misconduct, its category).
    context = ctx(category)
    r1 = _reference("F1", "甲")
    findings = finalise(
        context,
        weigh_references(context, [_remark(r1, "attendance")], [r1, _warning("attendance")]),
    )
    ratable = tuple(
        RatableFinding(
            f.ref,
            f.item,
            f.code,
            f.subtype,
            (context.as_of - f.occurred_on).days if f.occurred_on else None,
            f.ongoing,
            f.count,
            f.culpability,
            f.penalty,
            f.probation,
            f.outside_lookback,
        )
        for f in findings
        if f.exclusion is None and f.code is not None
    )
    rating = RULES.rate(RatingInput(category, ratable))
    assert str(rating.light) == light
    remark = next(f for f in findings if f.ref == "referees:F1#0")
    if light == "yellow":
        assert {r.rule for r in rating.reasons} == {"CN-REF-02"}
        assert rating.reasons[0].findings == ("referees:F1#0",)
    else:
        assert "referees:F1#0" in rating.not_relevant
    assert remark.corroborated_by == ("hr_records:W1",)
