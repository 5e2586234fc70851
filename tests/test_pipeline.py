"""The pipeline on real sandbox sources: the article's three cases, the identity rules, consent
and scope, corroboration and lookback, and the properties that no out-of-scope, forbidden,
name-only or unverified record can change a light."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from fairscreen.kit.errors import ConsentError
from fairscreen.pipeline import Application, ScopedSources, Screening, screen
from fairscreen.policy.pack import load_pack
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.rating.engine import default_ruleset_for
from fairscreen.scope.rules import fix_scope
from fairscreen.sources.base import Source, SourceRecord, SourceSet, Subject
from fairscreen.sources.world import world_sources
from fairscreen.world.load import WorldStore, load_world
from tests.worlds import WorldBuilder

PACK = load_pack()
RULES = default_ruleset_for(PACK)
CASES = Path(__file__).parent / "fixtures" / "cases"
AT = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


class Recording:
    """Wraps a real source and records every question asked of it."""

    def __init__(self, inner: Source, calls: list[tuple[SourceKind, Item]]) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.authoritative = inner.authoritative
        self.calls = calls

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        self.calls.append((self.kind, item))
        return self.inner.query(subject, item)


def recording_sources(store: WorldStore) -> tuple[SourceSet, list[tuple[SourceKind, Item]]]:
    calls: list[tuple[SourceKind, Item]] = []
    real = world_sources(store)
    return SourceSet([Recording(real.for_kind(kind), calls) for kind in SourceKind]), calls


def screen_all(store: WorldStore, sources: SourceSet | None = None) -> dict[str, Screening]:
    positions = {p.id: p for p in store.positions()}
    sources = sources or world_sources(store)
    out = {}
    for cand in store.candidates():
        app = Application(
            cand, positions[cand.applies_to], "A1" if cand.consent is None else cand.consent.agency
        )
        out[cand.id] = screen(
            app, sources=sources, pack=PACK, ruleset=RULES, as_of=store.header.as_of, at=AT
        )
    return out


def only(store: WorldStore) -> Screening:
    (result,) = screen_all(store).values()
    return result


def _with_candidate_changes(tmp_path: Path, case: str, **changes: Any) -> Path:
    lines = [json.loads(line) for line in (CASES / case).read_text(encoding="utf-8").splitlines()]
    cand = next(line for line in lines if line["type"] == "candidate")
    consent = changes.pop("consent", None)
    cand.update(changes)
    if consent:
        cand["consent"].update(consent)
    path = tmp_path / case
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    return path


EXEC_ITEMS = sorted(str(i) for i in PACK.category("executive_legal_rep").items)
EXEC_SEPARATE = [i for i in EXEC_ITEMS if PACK.items[Item(i)].separate_consent]


# --- the three cases of the source article -------------------------------------------------------


def test_luo_one_of_many_defendants_in_a_property_fee_suit_is_green() -> None:
    with load_world(CASES / "luo.jsonl") as store:
        result = only(store).result()
    assert result["light"] == "green" and result["reasons"] == []
    # civil litigation is not even checked for an office job
    assert {"item": "civil_litigation", "why": "not_allowed_for_position"} in result["not_checked"]
    assert result["excluded"] == []


@pytest.mark.parametrize(
    ("filed", "decided", "why"),
    [
        ("2018-04-02", "2018-09-15", "outside_lookback"),  # the suit as it was: too old to matter
        (
            "2025-04-02",
            "2025-09-15",
            "not_job_relevant",
        ),  # the same suit last year: still irrelevant
    ],
)
def test_luo_even_where_litigation_is_in_scope_the_property_fee_suit_is_green(
    tmp_path: Path, filed: str, decided: str, why: str
) -> None:
    path = _with_candidate_changes(
        tmp_path,
        "luo.jsonl",
        applies_to="P-FOOD-CFO",
        consent={"items": EXEC_ITEMS, "separate_items": EXEC_SEPARATE},
    )
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace('"2018-04-02"', f'"{filed}"')
        .replace('"2018-09-15"', f'"{decided}"'),
        encoding="utf-8",
    )
    with load_world(path) as store:
        screening = only(store)
    result = screening.result()
    assert result["light"] == "green"
    assert result["excluded"] == [{"finding": "court_records:CASE-2018-PM-0317", "why": why}]
    assert all(f.detail is None for f in screening.findings if f.exclusion)


def test_zhang_plaintiff_is_green_and_his_suit_is_never_collected(tmp_path: Path) -> None:
    with load_world(CASES / "zhang.jsonl") as store:
        assert only(store).result()["light"] == "green"
    path = _with_candidate_changes(
        tmp_path,
        "zhang.jsonl",
        applies_to="P-SOFT-CEO",
        consent={"items": EXEC_ITEMS, "separate_items": EXEC_SEPARATE},
    )
    with load_world(path) as store:
        screening = only(store)
    result = screening.result()
    assert result["light"] == "green"
    assert not any("CASE-2023" in f.ref for f in screening.findings), (
        "a plaintiff's suit was collected"
    )
    assert not any("CASE-2023" in json.dumps(e) for e in result["excluded"])


def test_wang_private_life_hearsay_is_excluded_and_flagged_never_rated() -> None:
    with load_world(CASES / "wang.jsonl") as store:
        screening = only(store)
    result = screening.result()
    assert result["light"] == "green"
    assert {"finding": "referees:REF-WANG-1#1", "why": "private_life_hearsay"} in result["excluded"]
    flagged = next(f for f in screening.findings if f.ref == "referees:REF-WANG-1#1")
    assert flagged.detail is None, "the remark's content must not be kept"


# --- identity -----------------------------------------------------------------------------------


def test_namesakes_and_name_only_matches_are_never_reported(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("executive_legal_rep", name="李建華")
    other = {"name": "李建華", "id_number": "990888198001010016", "role": "defendant"}
    w.court_case("criminal", "fraud", [other], sentence_completed="2025-01-01")
    w.record(
        "enforcement_record",
        subject={"name": "李建华", "id_number": "990888198001010016"},
        court="x",
        case_number="y",
        listed="2025-02-01",
    )
    w.court_case("criminal", "embezzlement", [{"name": "李建華", "role": "defendant"}])
    w.record(
        "enforcement_record",
        subject={"name": "李建華"},
        court="x",
        case_number="z",
        listed="2025-02-01",
    )
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "green"
    assert sorted(e["why"] for e in result["excluded"]) == ["name_only_match", "name_only_match"]
    assert c["id"] == result["candidate"]


def test_same_id_number_with_another_name_is_a_conflict_not_a_finding(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("security_guard", name="周明")
    w.record(
        "licence_record",
        c,
        kind="security_guard",
        number="SG1",
        status="valid",
        issued="2020-01-01",
    )
    w.court_case("criminal", "theft", [w.party(c, name="周敏")])
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "green"
    assert [e["why"] for e in result["excluded"]] == ["identity_conflict"]


def test_a_strong_match_bars_a_security_guard(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("security_guard", name="周明")
    w.record(
        "licence_record",
        c,
        kind="security_guard",
        number="SG1",
        status="valid",
        issued="2020-01-01",
    )
    w.court_case(
        "criminal", "theft", [w.party(c)], decided="2012-03-01", sentence_completed="2013-03-01"
    )
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "red"
    assert result["reasons"][0]["rule"] == "CN-SEC-01"
    assert "保安服務管理條例" in result["reasons"][0]["legal_basis"]


# --- consent and scope ------------------------------------------------------------------------


def test_revoked_consent_means_no_query_at_all(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("driver")
    c["consent"]["revoked_at"] = "2026-11-05T09:00:00+08:00"
    with w.load(tmp_path) as store:
        sources, calls = recording_sources(store)
        screening = next(iter(screen_all(store, sources).values()))
    assert calls == []
    result = screening.result()
    assert result["status"] == "stopped" and result["light"] is None
    assert {n["why"] for n in result["not_checked"]} == {
        "consent_revoked",
        "not_allowed_for_position",
    }


def test_refused_consent_means_no_query(tmp_path: Path) -> None:
    w = WorldBuilder()
    w.candidate("finance_accounting", consent=False)
    with w.load(tmp_path) as store:
        sources, calls = recording_sources(store)
        (screening,) = screen_all(store, sources).values()
    assert calls == [] and screening.stopped


def test_sensitive_items_need_the_separate_consent(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("finance_accounting")
    c["consent"]["separate_items"] = ["credit"]
    w.court_case("criminal", "fraud", [w.party(c)])
    with w.load(tmp_path) as store:
        sources, calls = recording_sources(store)
        (screening,) = screen_all(store, sources).values()
    assert Item.CRIMINAL_RECORD not in {item for _, item in calls}
    assert {"item": "criminal_record", "why": "separate_consent_missing"} in screening.result()[
        "not_checked"
    ]
    assert screening.result()["light"] == "green"


def test_only_in_scope_items_are_asked(tmp_path: Path) -> None:
    w = WorldBuilder()
    w.candidate("software_engineering", items=["identity", "education"])
    with w.load(tmp_path) as store:
        sources, calls = recording_sources(store)
        screen_all(store, sources)
    assert {item for _, item in calls} == {Item.IDENTITY, Item.EDUCATION}


def test_the_scoped_door_refuses_an_item_outside_the_scope(tmp_path: Path) -> None:
    w = WorldBuilder()
    w.candidate("general_office")
    with w.load(tmp_path) as store:
        (cand,) = store.candidates()
        scope = fix_scope(PACK, "general_office", cand.consent, None)
        door = ScopedSources(world_sources(store), scope)
        subject = Subject(cand.id, cand.name, cand.id_document.number, cand.birth_date)
        with pytest.raises(ConsentError, match="criminal_record is not in the scope"):
            door.query(SourceKind.CRIMINAL_CERTIFICATE, subject, Item.CRIMINAL_RECORD)


# --- verification rules --------------------------------------------------------------------------


def test_old_conviction_outside_the_lookback_is_excluded(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("finance_accounting")
    w.record(
        "criminal_certificate",
        c,
        issued="2026-11-01",
        result="record",
        offences=[
            {"cause": "fraud", "convicted": "2010-05-01", "sentence_completed": "2012-05-01"}
        ],
    )
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "green"
    assert result["excluded"] == [
        {"finding": "criminal_certificate:R2#0", "why": "outside_lookback"}
    ]


def test_certificate_and_judgment_of_one_conviction_are_one_finding(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("finance_accounting")
    w.record(
        "criminal_certificate",
        c,
        issued="2026-11-01",
        result="record",
        offences=[{"cause": "embezzlement", "convicted": "2024-05-01"}],
    )
    w.court_case("criminal", "embezzlement", [w.party(c)], decided="2024-05-01")
    with w.load(tmp_path) as store:
        screening = only(store)
    (finding,) = [f for f in screening.findings if f.exclusion is None]
    assert finding.corroborated_by == ("court_records:R3",)
    assert screening.result()["light"] == "red"
    assert screening.result()["reasons"][0]["rule"] == "CN-ACCT-01"


def test_claims_that_do_not_match_the_registries(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("software_engineering")
    c["claims"]["education"] = [{"institution": "測試大學", "degree": "master", "graduated": 2015}]
    c["claims"]["employment"] = [
        {"employer": "幽靈公司", "title": "工程師", "start": "2018-01", "end": "2022-12"}
    ]
    w.record("education_record", c, institution="測試大學", degree="bachelor", graduated=2013)
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "yellow"
    assert {r["rule"] for r in result["reasons"]} == {"CN-EDU-01", "CN-EMP-01"}
    assert all(r["legal_basis"].startswith("勞動合同法 第26條") for r in result["reasons"])


def test_healthcare_without_a_practising_licence_is_red(tmp_path: Path) -> None:
    w = WorldBuilder()
    c = w.candidate("healthcare")
    w.record(
        "licence_record", c, kind="physician", number="MD1", status="revoked", issued="2015-01-01"
    )
    w.record(
        "health_certificate", c, purpose="healthcare_worker", issued="2026-06-01", fit_for_duty=True
    )
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "red"
    assert result["reasons"][0]["rule"] == "CN-MED-01"


def test_dates_are_the_screening_date_not_today() -> None:
    with load_world(CASES / "luo.jsonl") as store:
        screening = only(store)
    assert screening.as_of == date(2026, 11, 20)


# --- references: corroboration ------------------------------------------------------------------


def _reference_world(*texts: tuple[str, str, str]) -> WorldBuilder:
    w = WorldBuilder()
    c = w.candidate("finance_accounting")
    for referee, language, text in texts:
        w.reference(c, text, referee=referee, language=language)
    return w


def test_one_referee_alone_is_never_rated(tmp_path: Path) -> None:
    w = _reference_world(("甲", "zh-Hant", "他在職期間挪用公司資金。他工作很努力。"))
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "green"
    assert result["excluded"] == [{"finding": "referees:R2#0", "why": "unverified_single_source"}]


def test_two_independent_referees_corroborate_a_workplace_fact(tmp_path: Path) -> None:
    w = _reference_world(
        ("甲", "zh-Hant", "他在職期間挪用公司資金。"),
        ("Jane Doe", "en", "He misappropriated client funds in 2023."),
    )
    with w.load(tmp_path) as store:
        screening = only(store)
    result = screening.result()
    assert result["light"] == "yellow"
    (reason,) = result["reasons"]
    assert reason["rule"] == "CN-REF-01" and reason["findings"] == ["referees:R2#0"]
    (finding,) = [f for f in screening.findings if f.exclusion is None]
    assert finding.corroborated_by == ("referees:R3#0",)


def test_the_same_referee_twice_or_hearsay_does_not_corroborate(tmp_path: Path) -> None:
    w = _reference_world(
        ("甲", "zh-Hant", "他在職期間挪用公司資金。"),
        ("甲", "zh-Hans", "他挪用过公司资金。"),
        ("乙", "zh-Hans", "我听说他挪用过公司的钱。"),
    )
    with w.load(tmp_path) as store:
        result = only(store).result()
    assert result["light"] == "green"
    assert {e["why"] for e in result["excluded"]} == {"unverified_single_source"}
    assert len(result["excluded"]) == 3
