"""The plan: every forced hard case in any 200 candidates, rates that are probabilities, and the
rates a big world shows; every tag the generator plants has a check in ``tests/synth``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fairscreen.synth import FORCED, RATES
from fairscreen.synth.plan import FORCED_1_1
from tests.synth.generated import PACK, World, generate, read

# Where each planted tag is checked against the world: a new tag needs a check before it is planted.
CHECKED = {
    "test_people": {"identity_missing", "identity_conflict"},
    "test_careers": {"claim_mismatch"},
    "test_licences": {"licence", "fitness"},
    "test_consent": {
        "consent_refused",
        "consent_revoked",
        "separate_consent_missing",
        "consent_item_declined",
    },
    "test_criminal": {
        "conviction",
        "old_conviction",
        "recent_conviction",
        "barring_conviction",
        "acquitted",
        "negligent_conviction",
        "exempted_conviction",
        "probation_conviction",
        "juvenile_conviction",
    },
    "test_courts": {
        "plaintiff",
        "multi_defendant",
        "forbidden_cause",
        "administrative_case",
        "civil_defendant",
    },
    "test_namesakes": {"namesake", "name_only_party"},
    "test_enforcement": {"debtor_active", "debtor_removed"},
    "test_credit": {"credit_delinquency", "credit_expired"},
    "test_driving": {"driving", "speeding_pattern"},
    "test_security": {
        "admin_penalty",
        "admin_detentions",
        "admin_custody",
        "admin_minors_offence",
        "admin_drug_use",
        "not_prosecuted",
    },
    "test_arbitration": {"arbitration_applicant", "arbitration_respondent"},
    "test_employers": {
        "employer_answers",
        "employer_confirms_unregistered",
        "employer_denies",
        "hr_warning_single",
        "hr_warnings_pattern",
        "hr_corroborated_reference",
    },
    "test_references": {
        "uncorroborated_reference",
        "corroborated_reference",
        "private_life_remark",
        "forbidden_remark",
    },
}


@pytest.mark.parametrize("seed", [0, 1, 2026, 99991])
def test_every_hard_case_in_200_candidates(tmp_path: Path, seed: int) -> None:
    world = read(*generate(tmp_path, 200, seed))
    tags = Counter(tag for t in world.truth for tag in t["tags"])
    wanted = {tag for tag, _ in FORCED} | {tag for tag, _ in FORCED_1_1}
    missing = sorted(wanted - set(tags))
    assert not missing, missing
    for tag in (
        "conviction",
        "old_conviction",
        "recent_conviction",
        "forbidden_remark",
        "civil_defendant",
    ):
        assert tags[tag] >= 1, tag
    for t in world.truth:
        if t["forced"] is not None:
            assert t["forced"] in t["tags"], t


def test_every_planted_tag_has_a_check(world200: World, world4k: World) -> None:
    checked = set().union(*CHECKED.values())
    for world in (world200, world4k):
        bases = {tag.partition(":")[0] for t in world.truth for tag in t["tags"]}
        assert bases <= checked, sorted(bases - checked)
    for module in CHECKED:
        assert (Path(__file__).parent / f"{module}.py").is_file(), module


def test_plan_rates_are_probabilities() -> None:
    for name, value in vars(RATES).items():
        assert 0 <= value <= 1, name
    assert RATES.zh_hans + RATES.zh_hant < 1


def _share(count: int, total: int) -> float:
    return count / total


def test_rates_are_plausible(world4k: World) -> None:
    world = world4k
    n = len(world.candidates)
    truth = world.truth
    scripts = Counter(t["name_script"] for t in truth)
    assert 0.07 <= _share(scripts["en"], n) <= 0.13
    assert 0.05 <= _share(scripts["zh-Hant"], n - scripts["en"]) <= 0.11
    passports = sum(1 for c in world.candidates.values() if c["id_document"]["kind"] == "passport")
    assert 0.04 <= _share(passports, n) <= 0.09
    assert _share(len(world.by_type["identity_record"]), n) >= 0.985
    assert 0.88 <= _share(len(world.demographics), n) <= 0.96
    categories = Counter(t["category"] for t in truth)
    assert set(categories) == set(PACK.categories)
    top_two = {c for c, _ in categories.most_common(2)}
    assert top_two == {"general_office", "software_engineering"}
    refs = world.by_type["reference"]
    per_candidate = Counter(r["candidate"] for r in refs)
    assert set(per_candidate.values()) <= {1, 2, 3} and len(per_candidate) == n
    languages = Counter(r["language"] for r in refs)
    assert 0.45 <= _share(languages["zh-Hans"], len(refs)) <= 0.55
    assert 0.20 <= _share(languages["zh-Hant"], len(refs)) <= 0.30
    assert 0.20 <= _share(languages["en"], len(refs)) <= 0.30
    relationships = Counter(r["referee"]["relationship"] for r in refs)
    assert relationships["manager"] > relationships["colleague"] > relationships["hr"] > 0
    tags = Counter(tag for t in truth for tag in t["tags"])

    def rate(tag: str) -> float:
        return _share(tags[tag], n)

    assert 0.006 <= rate("consent_refused") <= 0.02
    assert 0.006 <= rate("consent_revoked") <= 0.02
    assert 0.005 <= rate("separate_consent_missing") <= 0.02
    assert rate("consent_refused") + rate("consent_revoked") <= 0.035
    assert 0.02 <= rate("conviction") <= 0.06
    assert 0.015 <= rate("namesake") <= 0.05
    assert 0.015 <= rate("plaintiff") <= 0.04
    assert 0.008 <= rate("multi_defendant") <= 0.025
    assert 0.05 <= rate("forbidden_remark") <= 0.10
    assert 0.02 <= rate("private_life_remark") <= 0.045
    assert 0.03 <= rate("uncorroborated_reference") <= 0.07
    assert 0.015 <= rate("corroborated_reference") <= 0.045
    with_degrees = sum(1 for c in world.candidates.values() if c["claims"]["education"])
    mismatched = sum(
        1 for t in truth if any(x.startswith("claim_mismatch:degree") for x in t["tags"])
    )
    assert 0.04 <= _share(mismatched, with_degrees) <= 0.12
    certs = world.by_type["criminal_certificate"]
    clean = sum(1 for c in certs if c["result"] == "no_record")
    assert _share(clean, len(certs)) >= 0.9
    drivers = [t for t in truth if t["category"] == "driver"]
    numbers = {r["subject"]["id_number"] for r in world.by_type["driving_record"]}
    with_record = sum(1 for t in drivers if world.number(t["candidate"]) in numbers)
    assert _share(with_record, len(drivers)) >= 0.97
