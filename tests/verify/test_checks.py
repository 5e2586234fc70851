"""Every per-item check of ``verify.checks`` on its own records: what it finds, what it excludes
and why, and where its time limits fall. One section per item, then ``finalise`` (corroboration,
the law's limits, the lookback). Records are real world-format records (validated by the same
models a world file is); the context is the shipped CN pack."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import pytest

from fairscreen.kit.cnid import make_cn_resident_id
from fairscreen.policy.pack import PolicyPack, load_pack, parse_pack
from fairscreen.policy.vocabulary import (
    Culpability,
    ExclusionReason,
    FindingCode,
    Item,
    Penalty,
    SourceKind,
)
from fairscreen.sources.base import SourceRecord, Subject
from fairscreen.verify.checks import (
    Context,
    ReferenceRemark,
    coming_of_age,
    finalise,
    verify_civil,
    verify_credit,
    verify_criminal,
    verify_driving,
    verify_education,
    verify_employment,
    verify_enforcement,
    verify_fitness,
    verify_identity,
    verify_licences,
    verify_public_security,
    weigh_references,
)
from fairscreen.verify.findings import Finding, Match
from fairscreen.world import model

PACK = load_pack()
CN_TEXT = (resources.files("fairscreen.policy") / "packs" / "cn-2026.2.toml").read_text(
    encoding="utf-8"
)
AS_OF = date(2026, 11, 20)
BIRTH = date(1990, 5, 17)
NAME = "測試人"
NUMBER = make_cn_resident_id("990999", BIRTH, 7)
OTHER_NUMBER = make_cn_resident_id("990999", date(1971, 2, 3), 8)
SUBJECT = Subject("C1", NAME, NUMBER, BIRTH)


def ctx(
    category: str = "general_office",
    *,
    claims: dict[str, Any] | None = None,
    birth: date = BIRTH,
    pack: PolicyPack = PACK,
) -> Context:
    subject = Subject("C1", NAME, make_cn_resident_id("990999", birth, 7), birth)
    return Context(
        subject,
        model.Claims.model_validate(claims or {}),
        pack.category(category),
        pack,
        AS_OF,
    )


def me(**changes: Any) -> dict[str, Any]:
    return {"name": NAME, "id_number": NUMBER, "birth_date": BIRTH.isoformat(), **changes}


def rec(source: SourceKind, body: dict[str, Any], *, authoritative: bool = True) -> SourceRecord:
    return SourceRecord(source, authoritative, model.RECORD.validate_python(body))


def only(findings: list[Finding]) -> Finding:
    (finding,) = findings
    return finding


def ok(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.exclusion is None]


# --- identity ------------------------------------------------------------------------------------


def _identity() -> SourceRecord:
    return rec(
        SourceKind.IDENTITY_REGISTRY, {"type": "identity_record", "id": "I1", "subject": me()}
    )


def test_identity_confirmed_leaves_nothing() -> None:
    assert verify_identity(ctx(), [_identity()]) == []


def test_identity_without_a_record_is_a_finding() -> None:
    finding = only(verify_identity(ctx(), []))
    assert (finding.code, finding.subtype, finding.ongoing) == (
        FindingCode.IDENTITY_MISMATCH,
        "not_found",
        True,
    )


@pytest.mark.parametrize(
    ("subject", "status", "subtype", "match"),
    [
        ({"name": "別人"}, "valid", "name_differs", Match.CONFLICT),
        ({"birth_date": "1990-05-18"}, "valid", "birth_date_differs", Match.CONFLICT),
        ({}, "cancelled", "cancelled", Match.STRONG),
    ],
)
def test_identity_differences(
    subject: dict[str, Any], status: str, subtype: str, match: Match
) -> None:
    body = {"type": "identity_record", "id": "I1", "subject": me(**subject), "status": status}
    finding = only(verify_identity(ctx(), [rec(SourceKind.IDENTITY_REGISTRY, body)]))
    assert (finding.subtype, finding.match) == (subtype, match)


# --- education -----------------------------------------------------------------------------------

DEGREE = {"institution": "測試大學", "degree": "bachelor", "graduated": 2012}


def _degree(**fields: Any) -> SourceRecord:
    body = {"type": "education_record", "id": "E1", "subject": me(), **DEGREE, **fields}
    return rec(SourceKind.EDUCATION_REGISTRY, body)


def test_education_a_matching_degree_leaves_nothing() -> None:
    assert verify_education(ctx(claims={"education": [DEGREE]}), [_degree()]) == []


@pytest.mark.parametrize(
    ("records", "subtype"),
    [
        ([], "not_found"),
        ([{"degree": "associate"}], "degree_differs"),
        ([{"status": "withdrawn"}], "degree_differs"),
        ([{"graduated": 2013}], "year_differs"),
    ],
)
def test_education_discrepancies(records: list[dict[str, Any]], subtype: str) -> None:
    found = verify_education(ctx(claims={"education": [DEGREE]}), [_degree(**r) for r in records])
    assert only(found).subtype == subtype


def test_education_name_only_record_is_excluded_not_matched() -> None:
    body = {"type": "education_record", "id": "E1", "subject": {"name": NAME}, **DEGREE}
    found = verify_education(
        ctx(claims={"education": [DEGREE]}), [rec(SourceKind.EDUCATION_REGISTRY, body)]
    )
    assert {f.exclusion for f in found} == {ExclusionReason.NAME_ONLY_MATCH, None}
    assert [f.subtype for f in ok(found)] == ["not_found"]


# --- employment (social insurance and the employer's own answer) ---------------------------------

JOB = {"employer": "前僱主有限公司", "title": "工程師", "start": "2018-01", "end": "2022-12"}


def _si(start: str = "2018-01", end: str | None = "2022-12") -> SourceRecord:
    body: dict[str, Any] = {
        "type": "employment_record",
        "id": "S1",
        "subject": me(),
        "employer": JOB["employer"],
        "start": start,
        "end": end,
    }
    return rec(SourceKind.SOCIAL_INSURANCE, body)


def _answer(answer: str, **dates: Any) -> SourceRecord:
    body = {
        "type": "employment_verification",
        "id": "V1",
        "candidate": "C1",
        "employer": JOB["employer"],
        "answer": answer,
        "answered": "2026-11-10",
        "respondent": {"name": "人事部", "role": "hr"},
        **dates,
    }
    return rec(SourceKind.EMPLOYER_VERIFICATION, body, authoritative=False)


def _employment(*records: SourceRecord, job: dict[str, Any] = JOB) -> list[Finding]:
    return verify_employment(ctx(claims={"employment": [job]}), list(records))


def test_employment_matching_register_leaves_nothing_within_the_slack() -> None:
    assert _employment(_si(start="2018-04")) == []  # three months: the verifier's slack
    assert only(_employment(_si(start="2018-05"))).count == 4


def test_employment_claim_without_a_record() -> None:
    finding = only(_employment())
    assert (finding.subtype, finding.authoritative) == ("not_found", True)


def test_employment_the_employer_confirms_a_job_the_register_lacks() -> None:
    assert _employment(_answer("confirmed", start="2018-01", end="2022-12")) == []
    # the employer's own dates differ: an unofficial voice, needs a second source
    finding = only(_employment(_answer("confirmed", start="2019-06", end="2022-12")))
    assert (finding.subtype, finding.authoritative, finding.count) == ("dates_differ", False, 17)


def test_employment_the_employer_denies_a_job_the_register_lacks_corroborates() -> None:
    finding = only(_employment(_answer("no_record")))
    assert finding.subtype == "not_found" and finding.corroborated_by == (
        "employer_verification:V1",
    )


def test_employment_the_employer_denies_a_registered_job_is_one_voice_alone() -> None:
    finding = only(_employment(_si(), _answer("denied")))
    assert (finding.subtype, finding.authoritative) == ("employer_denies", False)
    assert finalise(ctx(), [finding])[0].exclusion is ExclusionReason.UNVERIFIED_SINGLE_SOURCE


def test_employment_register_dates_off_but_employer_confirms_the_claim() -> None:
    assert _employment(_si(start="2019-06"), _answer("confirmed", **_dates(JOB))) == []
    # both disagree with the claim: the register's finding, the answer as corroboration
    finding = only(_employment(_si(start="2019-06"), _answer("confirmed", start="2019-05")))
    assert finding.subtype == "dates_differ" and finding.corroborated_by == (
        "employer_verification:V1",
    )


def _dates(job: dict[str, Any]) -> dict[str, Any]:
    return {"start": job["start"], "end": job["end"]}


def test_employment_a_job_that_ended_before_the_lookback_is_not_checked() -> None:
    old = {**JOB, "start": "2008-01", "end": "2016-10"}  # ended 10 years and a month ago
    assert _employment(job=old) == []
    edge = {**JOB, "start": "2008-01", "end": "2016-11"}  # exactly ten years: still checked
    assert only(_employment(job=edge)).subtype == "not_found"


# --- professional licences -----------------------------------------------------------------------


def _licence(
    status: str, *, number: str = "L1", kind: str = "security_guard", **more: Any
) -> SourceRecord:
    body = {
        "type": "licence_record",
        "id": number,
        "subject": me(),
        "kind": kind,
        "number": number,
        "status": status,
        "issued": "2015-01-01",
        **more,
    }
    return rec(SourceKind.LICENCE_REGISTRY, body)


def test_licences_a_valid_required_licence_leaves_nothing() -> None:
    assert verify_licences(ctx("security_guard"), [_licence("valid")]) == []


def test_licences_required_missing_and_expired() -> None:
    assert only(verify_licences(ctx("security_guard"), [])).subtype == "required_missing"
    expired = _licence("valid", expires="2026-11-19")
    assert only(verify_licences(ctx("security_guard"), [expired])).subtype == "expired"
    current = _licence("valid", expires="2026-11-20")
    assert verify_licences(ctx("security_guard"), [current]) == []


def test_licences_a_revoked_one_is_reported_even_when_a_valid_one_is_held() -> None:
    records = [
        _licence("valid", number="L2"),
        _licence("revoked", number="L1", status_since="2024-02-01"),
    ]
    finding = only(verify_licences(ctx("security_guard"), records))
    assert (finding.subtype, finding.ongoing, finding.occurred_on) == (
        "revoked_before",
        False,
        date(2024, 2, 1),
    )


def test_licences_claims_against_the_register() -> None:
    claims = {"licences": [{"kind": "cpa", "number": "C9"}]}
    assert only(verify_licences(ctx("finance_accounting", claims=claims), [])).subtype == (
        "not_found"
    )
    suspended = _licence("suspended", number="C9", kind="cpa")
    found = verify_licences(ctx("finance_accounting", claims=claims), [suspended])
    assert only(found).subtype == "suspended"


# --- criminal record -----------------------------------------------------------------------------


def _judgment(
    cause: str,
    *,
    decided: str = "2024-03-01",
    outcome: str = "convicted",
    party: dict[str, Any] | None = None,
    **case: Any,
) -> SourceRecord:
    body = {
        "type": "court_case",
        "id": "K1",
        "court": "測試法院",
        "case_number": "刑初1",
        "kind": "criminal",
        "cause": cause,
        "filed": "2023-10-01",
        "decided": decided,
        "outcome": outcome,
        "parties": [{**me(), "role": "defendant", **(party or {})}],
        **case,
    }
    return rec(SourceKind.COURT_RECORDS, body)


def test_criminal_culpability_comes_from_the_offence_or_the_judgment() -> None:
    accident = only(verify_criminal(ctx(), [_judgment("traffic_accident_crime")]))
    drunk = only(verify_criminal(ctx(), [_judgment("dangerous_driving")]))
    assert accident.culpability is Culpability.NEGLIGENT and accident.subtype == "traffic"
    assert drunk.culpability is Culpability.INTENTIONAL
    stated = only(
        verify_criminal(ctx(), [_judgment("other_cause", party={"culpability": "negligent"})])
    )
    assert stated.culpability is Culpability.NEGLIGENT and stated.subtype == "other"


def test_criminal_dates_count_from_the_end_of_the_sentence() -> None:
    served = {"sentence": {"kind": "fixed_term", "months": 12, "completed": "2025-02-01"}}
    finding = only(verify_criminal(ctx(), [_judgment("theft", party=served)]))
    assert (finding.occurred_on, finding.ongoing, finding.penalty) == (
        date(2025, 2, 1),
        False,
        Penalty.FIXED_TERM,
    )
    # no completion date: the term the judgment set, from the conviction (estimated)
    term = {"sentence": {"kind": "fixed_term", "months": 36}}
    serving = only(verify_criminal(ctx(), [_judgment("theft", party=term)]))
    assert serving.ongoing and serving.occurred_on == date(2027, 3, 1)
    assert serving.detail is not None and serving.detail["end_estimated"] is True


def test_criminal_probation_counts_from_its_own_end() -> None:
    suspended = {
        "sentence": {
            "kind": "fixed_term",
            "months": 24,
            "probation_months": 36,
            "probation_ended": "2024-09-01",
        }
    }
    finding = only(verify_criminal(ctx(), [_judgment("tax_evasion", party=suspended)]))
    assert finding.probation and finding.occurred_on == date(2024, 9, 1) and not finding.ongoing
    running = {"sentence": {"kind": "criminal_detention", "months": 3, "probation_months": 6}}
    on_probation = only(
        verify_criminal(ctx(), [_judgment("theft", decided="2026-09-01", party=running)])
    )
    assert on_probation.probation and on_probation.ongoing


def test_criminal_exempted_and_unstated_punishment() -> None:
    exempted = {"sentence": {"kind": "exempted"}}
    finding = only(verify_criminal(ctx(), [_judgment("theft", party=exempted)]))
    assert finding.penalty is Penalty.EXEMPTED and finding.occurred_on == date(2024, 3, 1)
    done = only(verify_criminal(ctx(), [_judgment("theft", sentence_completed="2024-12-01")]))
    assert done.penalty is Penalty.UNSPECIFIED
    unknown = only(verify_criminal(ctx(), [_judgment("theft")]))
    assert unknown.penalty is None


def test_criminal_deprivation_of_political_rights_is_its_own_finding() -> None:
    sentence = {
        "sentence": {
            "kind": "fixed_term",
            "months": 60,
            "completed": "2022-01-01",
            "political_rights_months": 24,
        }
    }
    conviction, deprivation = verify_criminal(ctx(), [_judgment("robbery", party=sentence)])
    assert deprivation.ref == "court_records:K1#political_rights"
    assert deprivation.penalty is Penalty.DEPRIVATION_OF_POLITICAL_RIGHTS
    assert deprivation.occurred_on == date(2024, 1, 1) and conviction.occurred_on == date(
        2022, 1, 1
    )


def test_criminal_a_juvenile_record_is_sealed_whatever_the_source_returns() -> None:
    birth = date(2000, 6, 10)
    young = ctx(birth=birth)
    party = {
        **me(birth_date=birth.isoformat(), id_number=young.subject.id_number),
        "role": "defendant",
    }

    def case(committed: str, months: int) -> list[Finding]:
        body = _judgment(
            "robbery",
            party={
                **party,
                "committed": committed,
                "sentence": {"kind": "fixed_term", "months": months, "completed": "2021-01-01"},
            },
        )
        return verify_criminal(young, [body])

    # 18 周歲 from the day after the 18th birthday: an act on the birthday is a minor's
    assert coming_of_age(birth, 18) == date(2018, 6, 11)
    sealed = only(case("2018-06-10", 60))
    assert sealed.exclusion is ExclusionReason.SEALED_BY_LAW and sealed.detail is None
    assert only(case("2018-06-11", 60)).exclusion is None
    assert only(case("2018-06-10", 61)).exclusion is None  # over five years: not sealed


def test_criminal_certificate_and_judgment_are_one_finding() -> None:
    cert = rec(
        SourceKind.CRIMINAL_CERTIFICATE,
        {
            "type": "criminal_certificate",
            "id": "P1",
            "subject": me(),
            "issued": "2026-11-01",
            "result": "record",
            "offences": [{"cause": "theft", "convicted": "2024-03-01"}],
        },
    )
    finding = only(verify_criminal(ctx(), [cert, _judgment("theft")]))
    assert finding.ref == "criminal_certificate:P1#0"
    assert finding.corroborated_by == ("court_records:K1",)


def test_criminal_acquittals_and_non_prosecution_never_count() -> None:
    acquitted = only(verify_criminal(ctx(), [_judgment("theft", outcome="acquitted")]))
    assert acquitted.exclusion is ExclusionReason.NO_ADVERSE_OUTCOME
    decision = rec(
        SourceKind.PROCURATORATE,
        {
            "type": "prosecution_decision",
            "id": "D1",
            "subject": me(),
            "procuratorate": "測試檢察院",
            "decision_number": "不訴1",
            "cause": "theft",
            "decided": "2025-01-01",
            "ground": "discretionary",
        },
    )
    finding = only(verify_criminal(ctx(), [decision]))
    assert finding.exclusion is ExclusionReason.NO_ADVERSE_OUTCOME and finding.detail is None


def test_criminal_namesakes_leave_no_trace_and_name_only_is_excluded() -> None:
    other = _judgment("theft", party={"id_number": OTHER_NUMBER, "birth_date": "1971-02-03"})
    assert verify_criminal(ctx(), [other]) == []
    name_only = _judgment("theft", party={"id_number": None, "birth_date": None})
    assert only(verify_criminal(ctx(), [name_only])).exclusion is ExclusionReason.NAME_ONLY_MATCH


# --- public-security record ------------------------------------------------------------------------


def _penalty(
    n: int, conduct: str = "gambling", penalty: str = "detention", **more: Any
) -> SourceRecord:
    body = {
        "type": "administrative_penalty",
        "id": f"A{n}",
        "subject": me(),
        "authority": "測試公安分局",
        "decision_number": f"罰{n}",
        "conduct": conduct,
        "penalty": penalty,
        "decided": "2023-05-01",
        **more,
    }
    return rec(SourceKind.PUBLIC_SECURITY, body)


def test_public_security_each_penalty_is_a_finding_of_its_own() -> None:
    found = verify_public_security(ctx("security_guard"), [_penalty(n, days=10) for n in (1, 2, 3)])
    assert [f.penalty for f in found] == [Penalty.DETENTION] * 3
    assert all(f.code is FindingCode.ADMINISTRATIVE_PENALTY for f in found)
    assert found[0].occurred_on == date(2023, 5, 11)  # the detention's end


def test_public_security_conduct_class_and_revoked_penalties() -> None:
    assault = only(verify_public_security(ctx(), [_penalty(1, "assault")]))
    assert assault.subtype == "violent"
    unknown = only(verify_public_security(ctx(), [_penalty(1, "loitering")]))
    assert unknown.subtype == "other"
    revoked = only(verify_public_security(ctx(), [_penalty(1, status="revoked")]))
    assert revoked.exclusion is ExclusionReason.NO_ADVERSE_OUTCOME and revoked.detail is None


def test_public_security_a_forbidden_conduct_is_excluded_unkept() -> None:
    forbidding = parse_pack(
        CN_TEXT.replace(
            "[public_security.conducts]\n",
            '[public_security.conducts]\nillegal_assembly = "forbidden:union_political"\n',
        )
    )
    found = verify_public_security(ctx(pack=forbidding), [_penalty(1, "illegal_assembly")])
    finding = only(found)
    assert finding.exclusion is ExclusionReason.FORBIDDEN_CATEGORY and finding.detail is None


# --- civil litigation and labour arbitration ------------------------------------------------------


def _civil(
    role: str, outcome: str = "judgment_for_plaintiff", cause: str = "loan_dispute"
) -> SourceRecord:
    body = {
        "type": "court_case",
        "id": "V1",
        "court": "測試法院",
        "case_number": "民初1",
        "kind": "civil",
        "cause": cause,
        "filed": "2024-01-01",
        "decided": "2024-06-01",
        "outcome": outcome,
        "parties": [
            {"name": "某公司", "role": "plaintiff" if role == "defendant" else "defendant"},
            {**me(), "role": role},
        ],
    }
    return rec(SourceKind.COURT_RECORDS, body)


def _arbitration(
    role: str, outcome: str = "award_for_applicant", cause: str = "non_compete"
) -> SourceRecord:
    other = "respondent" if role == "applicant" else "applicant"
    body = {
        "type": "labour_arbitration",
        "id": "B1",
        "commission": "測試仲裁委",
        "case_number": "仲1",
        "cause": cause,
        "filed": "2025-01-01",
        "decided": "2025-03-01",
        "outcome": outcome,
        "parties": [{"name": "前僱主", "role": other}, {**me(), "role": role}],
    }
    return rec(SourceKind.LABOUR_ARBITRATION, body)


def test_civil_as_defendant_is_a_finding_as_plaintiff_never_collected() -> None:
    finding = only(verify_civil(ctx("executive_legal_rep"), [_civil("defendant")]))
    assert (finding.code, finding.subtype, finding.count) == (
        FindingCode.CIVIL_DEFENDANT,
        "commercial_debt",
        1,
    )
    assert verify_civil(ctx("executive_legal_rep"), [_civil("plaintiff")]) == []


def test_civil_won_and_forbidden_causes_are_excluded() -> None:
    won = only(verify_civil(ctx(), [_civil("defendant", "judgment_for_defendant")]))
    assert won.exclusion is ExclusionReason.NO_ADVERSE_OUTCOME
    divorce = only(verify_civil(ctx(), [_civil("defendant", cause="divorce")]))
    assert divorce.exclusion is ExclusionReason.FORBIDDEN_CATEGORY and divorce.detail is None


def test_arbitration_as_respondent_is_a_finding_as_applicant_never_collected() -> None:
    finding = only(verify_civil(ctx(), [_arbitration("respondent")]))
    assert (finding.code, finding.subtype) == (FindingCode.ARBITRATION_RESPONDENT, "non_compete")
    assert verify_civil(ctx(), [_arbitration("applicant")]) == []
    won = only(verify_civil(ctx(), [_arbitration("respondent", "award_for_respondent")]))
    assert won.exclusion is ExclusionReason.NO_ADVERSE_OUTCOME


# --- dishonest-debtor list ------------------------------------------------------------------------


def _listing(removed: str | None) -> SourceRecord:
    body = {
        "type": "enforcement_record",
        "id": "L1",
        "subject": me(),
        "court": "測試法院",
        "case_number": "執1",
        "listed": "2024-01-01",
        "removed": removed,
    }
    return rec(SourceKind.ENFORCEMENT_LIST, body)


@pytest.mark.parametrize(
    ("removed", "subtype", "ongoing"),
    [(None, "active", True), ("2026-11-21", "active", True), ("2026-11-20", "removed", False)],
)
def test_enforcement_active_until_the_day_of_removal(
    removed: str | None, subtype: str, ongoing: bool
) -> None:
    finding = only(verify_enforcement(ctx(), [_listing(removed)]))
    assert (finding.subtype, finding.ongoing) == (subtype, ongoing)


# --- credit ------------------------------------------------------------------------------------------


def _report(id_: str, as_of: str, **counts: Any) -> SourceRecord:
    body = {"type": "credit_report", "id": id_, "subject": me(), "as_of": as_of, **counts}
    return rec(SourceKind.CREDIT_BUREAU, body)


def test_credit_reads_the_latest_report_only() -> None:
    older = _report("R1", "2025-01-01", serious_delinquencies=4, last_delinquency="2024-12-01")
    latest = _report(
        "R2",
        "2026-11-01",
        serious_delinquencies=1,
        last_delinquency="2022-01-01",
        accounts_in_default=2,
    )
    serious, default = verify_credit(ctx("finance_accounting"), [older, latest])
    assert (serious.ref, serious.count, serious.occurred_on) == (
        "credit_bureau:R2#serious",
        1,
        date(2022, 1, 1),
    )
    assert default.ongoing and default.count == 2
    assert verify_credit(ctx(), [_report("R3", "2026-11-01")]) == []


# --- driving record -----------------------------------------------------------------------------------


def _driving(status: str = "valid", violations: list[dict[str, Any]] | None = None) -> SourceRecord:
    body = {
        "type": "driving_record",
        "id": "D1",
        "subject": me(),
        "licence_class": "A1",
        "licence_status": status,
        "violations": violations or [],
    }
    return rec(SourceKind.TRAFFIC_RECORDS, body)


def test_driving_no_record_is_no_licence() -> None:
    assert only(verify_driving(ctx("driver"), [])).subtype == "no_licence"


def test_driving_every_violation_is_a_finding_the_rules_weigh() -> None:
    found = verify_driving(
        ctx("driver"),
        [
            _driving(
                "suspended",
                [
                    {"kind": "parking", "date": "2026-01-01"},
                    {"kind": "speeding", "date": "2026-02-01", "points": 3},
                ],
            )
        ],
    )
    assert [(f.ref, f.subtype) for f in found] == [
        ("traffic_records:D1#status", "licence_suspended"),
        ("traffic_records:D1#0", "parking"),
        ("traffic_records:D1#1", "speeding"),
    ]
    assert found[2].count == 3


# --- fitness for duty ---------------------------------------------------------------------------------


def _certificate(purpose: str, fit: bool = True, expires: str | None = None) -> SourceRecord:
    body = {
        "type": "health_certificate",
        "id": "H1",
        "subject": me(),
        "purpose": purpose,
        "issued": "2026-01-01",
        "expires": expires,
        "fit_for_duty": fit,
    }
    return rec(SourceKind.HEALTH_CERTIFICATES, body)


def test_fitness_only_the_category_purpose_counts() -> None:
    assert verify_fitness(ctx("driver"), [_certificate("driver_fitness")]) == []
    assert only(verify_fitness(ctx("driver"), [_certificate("general")])).subtype == (
        "certificate_missing"
    )
    assert only(verify_fitness(ctx("driver"), [_certificate("driver_fitness", False)])).subtype == (
        "unfit"
    )
    expired = _certificate("driver_fitness", expires="2026-11-19")
    assert only(verify_fitness(ctx("driver"), [expired])).subtype == "expired"
    assert verify_fitness(ctx("general_office"), [_certificate("general")]) == []


# --- references and disciplinary records ------------------------------------------------------------


def _reference(id_: str, referee: str, organisation: str = "前僱主有限公司") -> SourceRecord:
    body = {
        "type": "reference",
        "id": id_,
        "candidate": "C1",
        "referee": {"name": referee, "relationship": "manager", "organisation": organisation},
        "language": "zh-Hans",
        "given": "2026-11-10",
        "text": "一句话。",
    }
    return rec(SourceKind.REFEREES, body, authoritative=False)


def _remark(
    record: SourceRecord, category: str | None, kind: str = "misconduct", hearsay: bool = False
) -> ReferenceRemark:
    return ReferenceRemark(record, 0, kind, category, hearsay)


def _warning(
    ground: str, employer: str = "前僱主有限公司", status: str = "in_force", n: int = 1
) -> SourceRecord:
    body = {
        "type": "disciplinary_record",
        "id": f"W{n}",
        "subject": me(),
        "employer": employer,
        "action": "written_warning",
        "ground": ground,
        "date": "2026-03-01",
        "status": status,
    }
    return rec(SourceKind.HR_RECORDS, body)


@pytest.mark.parametrize("category", ["attendance", "discipline"])
def test_references_a_lone_attendance_or_discipline_remark_is_excluded_not_dropped(
    category: str,
) -> None:
    r1 = _reference("F1", "甲")
    finding = only(weigh_references(ctx("driver"), [_remark(r1, category)], [r1]))
    assert finding.exclusion is ExclusionReason.UNVERIFIED_SINGLE_SOURCE


@pytest.mark.parametrize("category", ["attendance", "discipline"])
def test_references_a_disciplinary_record_of_the_referee_organisation_corroborates(
    category: str,
) -> None:
    r1 = _reference("F1", "甲")
    warning = _warning(category)
    found = weigh_references(ctx("driver"), [_remark(r1, category)], [r1, warning])
    remark = next(f for f in found if f.code is FindingCode.REFERENCE_MISCONDUCT)
    assert remark.exclusion is None and remark.corroborated_by == ("hr_records:W1",)
    action = next(f for f in found if f.code is FindingCode.DISCIPLINARY_ACTION)
    assert (action.subtype, action.penalty, action.authoritative) == (
        category,
        Penalty.WRITTEN_WARNING,
        True,
    )


def test_references_a_record_of_another_ground_or_employer_does_not_corroborate() -> None:
    r1 = _reference("F1", "甲")
    for warning in (_warning("safety"), _warning("attendance", employer="別的公司")):
        found = weigh_references(ctx("driver"), [_remark(r1, "attendance")], [r1, warning])
        remark = next(f for f in found if f.code is None or f.ref.startswith("referees"))
        assert remark.exclusion is ExclusionReason.UNVERIFIED_SINGLE_SOURCE


def test_references_a_rescinded_record_neither_counts_nor_corroborates() -> None:
    r1 = _reference("F1", "甲")
    warning = _warning("attendance", status="rescinded")
    found = weigh_references(ctx("driver"), [_remark(r1, "attendance")], [r1, warning])
    assert {f.exclusion for f in found} == {
        ExclusionReason.NO_ADVERSE_OUTCOME,
        ExclusionReason.UNVERIFIED_SINGLE_SOURCE,
    }


def test_references_two_referees_corroborate_the_same_referee_twice_does_not() -> None:
    r1, r2, r3 = _reference("F1", "甲"), _reference("F2", "乙"), _reference("F3", "甲")
    found = weigh_references(ctx(), [_remark(r1, "safety"), _remark(r2, "safety")], [r1, r2])
    assert [f.corroborated_by for f in ok(found)] == [("referees:F2#0",)]
    found = weigh_references(ctx(), [_remark(r1, "safety"), _remark(r3, "safety")], [r1, r3])
    assert {f.exclusion for f in found} == {ExclusionReason.UNVERIFIED_SINGLE_SOURCE}


def test_references_hearsay_forbidden_and_private_life_are_excluded_unkept() -> None:
    r1 = _reference("F1", "甲")
    remarks = [
        _remark(r1, "dishonesty", hearsay=True),
        _remark(r1, "religion", kind="forbidden"),
        _remark(r1, None, kind="private_life"),
        _remark(r1, None, kind="neutral"),
    ]
    found = weigh_references(ctx(), remarks, [r1])
    assert [f.exclusion for f in found] == [
        ExclusionReason.UNVERIFIED_SINGLE_SOURCE,
        ExclusionReason.FORBIDDEN_CATEGORY,
        ExclusionReason.PRIVATE_LIFE_HEARSAY,
    ]
    assert all(f.detail is None for f in found)


# --- finalise: corroboration, the law's limits, the lookback ------------------------------------------


def _dated(item: Item, on: date, *, authoritative: bool = True, ongoing: bool = False) -> Finding:
    return Finding(
        "x:1",
        item,
        SourceKind.CREDIT_BUREAU,
        authoritative=authoritative,
        code=FindingCode.CREDIT_DELINQUENCY,
        occurred_on=on,
        ongoing=ongoing,
        detail={"kept": True},
    )


def test_finalise_the_lookback_edge_marks_but_does_not_exclude() -> None:
    inside = finalise(ctx("finance_accounting"), [_dated(Item.CRIMINAL_RECORD, date(2021, 11, 20))])
    assert not inside[0].outside_lookback and inside[0].exclusion is None
    beyond = finalise(ctx("finance_accounting"), [_dated(Item.CRIMINAL_RECORD, date(2021, 11, 19))])
    assert beyond[0].outside_lookback and beyond[0].exclusion is None
    ongoing = finalise(
        ctx("finance_accounting"), [_dated(Item.CRIMINAL_RECORD, date(2001, 1, 1), ongoing=True)]
    )
    assert not ongoing[0].outside_lookback


def test_finalise_the_legal_limit_excludes_whatever_the_lookback() -> None:
    # 征信業管理條例 第16條: five years from the end of the conduct, then out of use
    within = finalise(ctx("finance_accounting"), [_dated(Item.CREDIT, date(2021, 11, 20))])
    assert within[0].exclusion is None
    expired = finalise(ctx("finance_accounting"), [_dated(Item.CREDIT, date(2021, 11, 19))])
    assert expired[0].exclusion is ExclusionReason.EXPIRED_BY_LAW and expired[0].detail is None
    # a category that looks back without limit does not widen the law's limit
    unlimited = parse_pack(
        CN_TEXT.replace(
            "[categories.executive_legal_rep.lookback_years]\n",
            '[categories.executive_legal_rep.lookback_years]\ncredit = "unlimited"\n',
        )
    )
    old = finalise(
        ctx("executive_legal_rep", pack=unlimited), [_dated(Item.CREDIT, date(2019, 1, 1))]
    )
    assert old[0].exclusion is ExclusionReason.EXPIRED_BY_LAW


def test_finalise_an_unofficial_source_needs_corroboration() -> None:
    alone = finalise(ctx(), [_dated(Item.CREDIT, date(2026, 1, 1), authoritative=False)])
    assert alone[0].exclusion is ExclusionReason.UNVERIFIED_SINGLE_SOURCE
    second = _dated(Item.CREDIT, date(2026, 1, 1), authoritative=False)
    second.corroborated_by = ("y:2",)
    assert finalise(ctx(), [second])[0].exclusion is None
