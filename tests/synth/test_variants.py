"""The counterfactual's variant worlds: every candidate someone else in every protected respect
(sex, birth year, ethnicity, region code, name style, the words of their references), with
everything job-relevant unchanged and every date still sensible."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from fairscreen.kit.cnid import check_cn_resident_id
from fairscreen.kit.names import name_key
from fairscreen.synth import generate_world
from fairscreen.synth.orgs import ETHNICITIES_CN
from fairscreen.synth.variants import (
    MIN_AGE_AT_CRIMINAL_RECORD,
    MIN_AGE_AT_FIRST_RECORD,
    Variant,
    make_variant_world,
    rewrite_reference,
)
from fairscreen.world.load import load_world

PERSONAL = ("name", "id_number", "birth_date")
CHINESE = {e[0] for e in ETHNICITIES_CN}


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("variants")
    world, variant = tmp / "world.jsonl", tmp / "variant.jsonl"
    generate_world(world, candidates=300, seed=7, decisions=True)
    with load_world(world) as store:
        variants = make_variant_world(store, world, variant, seed=3)
    with load_world(variant):  # the variant world is a valid world file
        pass
    return _lines(world), _lines(variant), variants


def _lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _by_type(lines: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    key = "candidate" if kind in ("demographics", "decision") else "id"
    return {line[key]: line for line in lines if line["type"] == kind}


def test_every_candidate_changes_sex_birth_year_region_and_name_style(pair: Any) -> None:
    before, after, _ = pair
    old, new = _by_type(before, "candidate"), _by_type(after, "candidate")
    assert old.keys() == new.keys()
    styles: Counter[tuple[bool, bool]] = Counter()
    kept = 0
    for cid, a in old.items():
        b = new[cid]
        x, y = a["id_document"]["number"], b["id_document"]["number"]
        if a["id_document"]["kind"] == "cn_resident_id":
            check_cn_resident_id(y)  # a valid check digit
            assert int(x[16]) % 2 != int(y[16]) % 2  # the sex digit
            assert x[:6] != y[:6] and y.startswith("99")  # another synthetic division
            assert y[6:14] == b["birth_date"].replace("-", "")
        if a["birth_date"][:4] == b["birth_date"][:4]:  # a record from before they were 18
            kept += 1
        assert name_key(a["name"]) != name_key(b["name"])
        styles[(a["name"].isascii(), b["name"].isascii())] += 1
        assert a["applies_to"] == b["applies_to"] and a["claims"] == b["claims"]
        assert a["consent"] == b["consent"]
    assert styles[(False, True)] > 0 and styles[(True, False)] > 0  # scripts really change
    assert kept < len(old) / 20


def test_demographics_change_and_decisions_do_not(pair: Any) -> None:
    before, after, _ = pair
    old, new = _by_type(before, "demographics"), _by_type(after, "demographics")
    for cid, a in old.items():
        b = new[cid]
        if a.get("sex") in ("female", "male"):
            assert b["sex"] != a["sex"]
        if a.get("ethnicity"):
            assert b["ethnicity"] != a["ethnicity"]
            if a["ethnicity"] in CHINESE:  # Han to a minority, a minority to Han
                assert "Han" in (a["ethnicity"], b["ethnicity"])
        if a.get("region"):
            assert b["region"] != a["region"]
        assert a.get("audit_consent") == b.get("audit_consent")
    assert _by_type(before, "decision") == _by_type(after, "decision")


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in PERSONAL}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def test_every_record_says_the_same_except_who_it_names(pair: Any) -> None:
    before, after, _ = pair
    assert len(before) == len(after)
    for a, b in zip(before, after, strict=True):
        if a["type"] in ("candidate", "demographics", "reference", "world"):
            continue
        assert _strip(a) == _strip(b), a.get("id")


def _dates(value: Any) -> list[date]:
    if isinstance(value, dict):
        return [d for k, v in value.items() if k != "birth_date" for d in _dates(v)]
    if isinstance(value, list):
        return [d for v in value for d in _dates(v)]
    if isinstance(value, str) and len(value) in (7, 10) and value[4:5] == "-":
        try:
            return [date.fromisoformat(value if len(value) == 10 else value + "-01")]
        except ValueError:
            return []
    return []


def test_no_record_dates_from_before_the_variant_could_have_it(pair: Any) -> None:
    """No record from before the variant was 16, no criminal record from before 18: unless the
    candidate had a criminal record from before their own 18th birthday (they keep it)."""
    _, after, variants = pair
    kept = {v.new_number for v in variants.values() if v.new_birth == v.old_birth}
    assert len(kept) < len(variants) / 20
    births = {
        line["id_document"]["number"]: date.fromisoformat(line["birth_date"])
        for line in after
        if line["type"] == "candidate"
    }
    checked = 0
    for line in after:
        people = [line.get("subject") or {}, *line.get("parties", [])]
        numbers = [p.get("id_number") for p in people if p.get("id_number") in births]
        if not numbers or line["type"] == "identity_record":
            continue
        (number,) = set(numbers)
        birth = births[number]
        criminal = line["type"] == "criminal_certificate" or line.get("kind") == "criminal"
        least = MIN_AGE_AT_CRIMINAL_RECORD if criminal else MIN_AGE_AT_FIRST_RECORD
        for day in _dates(line):
            if number not in kept:
                assert day.year - birth.year >= least, (line["id"], day, birth)
            checked += 1
        for person in people:
            if person.get("id_number") == number and person.get("birth_date"):
                assert person["birth_date"] == birth.isoformat()
    assert checked > 300


def test_references_no_longer_name_the_candidate(pair: Any) -> None:
    before, after, variants = pair
    old, new = _by_type(before, "reference"), _by_type(after, "reference")
    changed = 0
    for rid, a in old.items():
        b = new[rid]
        variant = variants[a["candidate"]]
        for form in {variant.old_name, name_key(variant.old_name)}:
            assert form not in b["text"], rid
        changed += a["text"] != b["text"]
    assert changed > 0.9 * len(old)


def _variant(**changes: Any) -> Variant:
    fields: dict[str, Any] = {
        "candidate": "C1",
        "old_name": "王春燕",
        "new_name": "李军",
        "new_registered": "李军",
        "old_surnames": ("王", "Wang"),
        "new_surname": "李",
        "new_surname_hant": "李",
        "new_surname_en": "Li",
        "old_given": "春燕",
        "new_given": "军",
        "old_sex": "female",
        "new_sex": "male",
        "old_birth": date(1995, 3, 1),
        "new_birth": date(1980, 3, 1),
        "old_number": "990101199503010023",
        "new_number": "995501198003010017",
        "old_ethnicity": "Han",
        "new_ethnicity": "Hui",
        "old_region": "东江",
        "new_region": "海宁",
        "crossed_bands": True,
    }
    fields.update(changes)
    return Variant(**fields)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "我和王春燕在同一个办公室。她于2025年离职。有实习生投诉她骚扰她们，公司给了她处分。",
            "我和李军在同一个办公室。他于2025年离职。有实习生投诉他骚扰她们，公司给了他处分。",
        ),
        (
            "小王工作认真，王女士从不迟到，其他同事也这么说。",
            "小李工作认真，李先生从不迟到，其他同事也这么说。",
        ),
        ("她是汉族人，他处的同事不了解她。", "他是回族人，他处的同事不了解他。"),
        (
            "Ms Wang joined us in 2020. She led her team well; I would hire her again. "
            "She is Han Chinese.",
            "Mr Li joined us in 2020. He led his team well; I would hire him again. He is Hui.",
        ),
    ],
)
def test_a_reference_is_rewritten_as_about_the_variant(text: str, expected: str) -> None:
    assert rewrite_reference(text, _variant()) == expected


def test_candidates_who_share_a_name_share_its_replacement(pair: Any) -> None:
    _, _, variants = pair
    by_old: dict[str, set[str]] = {}
    for v in variants.values():
        by_old.setdefault(v.old_key, set()).add(v.new_name)
    assert all(len(names) == 1 for names in by_old.values())
    assert len({v.new_name for v in variants.values()}) == len(by_old)  # otherwise unique
