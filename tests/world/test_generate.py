"""The world generator: deterministic, valid, realistic, and every hard case planted and true.

The truth sidecar says what was planted; these tests check each planted tag against the world
file itself (the record really is a namesake, the suit really names the candidate as plaintiff,
...), so the truth can be trusted by whoever evaluates the pipeline against it.
"""

from __future__ import annotations

import io
import os
import re
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from fairscreen.cli import app
from fairscreen.kit.cnid import check_cn_resident_id
from fairscreen.kit.names import name_key
from fairscreen.kit.sentences import split_sentences
from fairscreen.policy.pack import load_pack
from fairscreen.world import generate as gen
from fairscreen.world import phrases, synth_names
from fairscreen.world.generate import FORCED, RATES, generate_world, write_world
from fairscreen.world.load import load_world

PACK = load_pack("cn-2026.1")


@dataclass
class World:
    """A generated world and its truth, indexed for the checks below."""

    header: dict[str, Any]
    truth_header: dict[str, Any]
    lines: list[dict[str, Any]]
    truth: list[dict[str, Any]]
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    organisations: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_type: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    demographics: dict[str, dict[str, Any]] = field(default_factory=dict)
    held: dict[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def __post_init__(self) -> None:
        for line in self.lines:
            kind = line["type"]
            self.by_type[kind].append(line)
            if kind == "candidate":
                self.candidates[line["id"]] = line
            elif kind == "position":
                self.positions[line["id"]] = line
            elif kind == "organisation":
                self.organisations[line["id"]] = line
            elif kind == "demographics":
                self.demographics[line["candidate"]] = line
            elif "id" in line:
                self.records[line["id"]] = line
                number = line.get("subject", {}).get("id_number")
                if number:
                    self.held[(number, kind)].append(line)

    def of(self, number: str, kind: str) -> list[dict[str, Any]]:
        """The records of ``kind`` registered under ``number`` (by their subject)."""
        return self.held.get((number, kind), [])

    def number(self, cid: str) -> str:
        return str(self.candidates[cid]["id_document"]["number"])

    def persons(self, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The people a record is about: its subject, or a case's parties."""
        if "subject" in record:
            yield record["subject"]
        yield from record.get("parties", ())


def _generate(tmp_path: Path, n: int, seed: int, **kwargs: Any) -> tuple[Path, Path]:
    out, truth = tmp_path / f"w-{n}-{seed}.jsonl", tmp_path / f"t-{n}-{seed}.jsonl"
    generate_world(out, candidates=n, seed=seed, truth=truth, **kwargs)
    return out, truth


def _read(out: Path, truth: Path) -> World:
    lines = [orjson.loads(raw) for raw in out.read_bytes().splitlines()]
    truths = [orjson.loads(raw) for raw in truth.read_bytes().splitlines()]
    return World(lines[0], truths[0], lines[1:], truths[1:])


@pytest.fixture(scope="module")
def world200(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _read(*_generate(tmp_path_factory.mktemp("w200"), 200, 2026))


@pytest.fixture(scope="module")
def world4k(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _read(*_generate(tmp_path_factory.mktemp("w4k"), 4000, 7))


# --- determinism and validity -------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a = _generate(tmp_path / "a", 300, 42)
    b = _generate(tmp_path / "b", 300, 42)
    c = _generate(tmp_path / "c", 300, 43)
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()
    assert a[0].read_bytes() != c[0].read_bytes()


def test_stream_writer_matches_file_writer(tmp_path: Path) -> None:
    out, truth = _generate(tmp_path, 50, 3)
    world, truth_stream = io.BytesIO(), io.BytesIO()
    stats = write_world(world, candidates=50, seed=3, truth=truth_stream)
    assert world.getvalue() == out.read_bytes()
    assert truth_stream.getvalue() == truth.read_bytes()
    assert stats.bytes == len(world.getvalue())


@pytest.mark.parametrize(
    ("seed", "n", "as_of"),
    [
        (1, 1, None),
        (2, 17, None),
        (3, 200, None),
        (4, 1500, None),
        (-5, 250, date(2019, 3, 1)),
        (2**63 - 1, 60, date(2031, 12, 31)),
    ],
)
def test_valid_against_the_loader(tmp_path: Path, seed: int, n: int, as_of: date | None) -> None:
    out, _ = _generate(tmp_path, n, seed, as_of=as_of)
    stats = write_world(io.BytesIO(), candidates=n, seed=seed, as_of=as_of)
    with load_world(out) as store:
        summary = store.summary()
    assert summary.candidates == n == stats.candidates
    assert summary.header.as_of == (as_of or gen.DEFAULT_AS_OF)
    assert summary.header.seed == seed
    assert summary.organisations == stats.organisations
    assert 21 <= stats.organisations <= 42  # 20-40 employers, 1-2 agencies
    assert summary.positions == stats.positions


def test_refuses_sizes_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        write_world(io.BytesIO(), candidates=0, seed=1)
    with pytest.raises(ValueError, match="64-bit"):
        write_world(io.BytesIO(), candidates=1, seed=2**63)
    assert not list(tmp_path.iterdir())


def test_output_is_an_ordinary_file(tmp_path: Path) -> None:
    out, truth = _generate(tmp_path, 3, 1)
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert truth.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_run_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "w.jsonl"
    with pytest.raises(ValueError):
        generate_world(out, candidates=0, seed=1, truth=tmp_path / "t.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_memory_does_not_grow_with_candidates() -> None:
    def peak(n: int) -> int:
        tracemalloc.start()
        write_world(_Sink(), candidates=n, seed=9, truth=_Sink())  # type: ignore[arg-type]
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(300), peak(3000)
    assert large < small * 1.5 + 2_000_000, (small, large)


class _Sink:
    """A stream that counts bytes and keeps none."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


# --- the hard cases -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2026, 99991])
def test_every_hard_case_in_200_candidates(tmp_path: Path, seed: int) -> None:
    world = _read(*_generate(tmp_path, 200, seed))
    tags = Counter(tag for t in world.truth for tag in t["tags"])
    wanted = {tag for tag, _ in FORCED}
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


def test_truth_file_matches_the_world(world200: World) -> None:
    world = world200
    header = world.truth_header
    assert header["type"] == "truth"
    assert header["format"] == gen.TRUTH_FORMAT
    assert header["seed"] == world.header["seed"] == 2026
    assert header["candidates"] == len(world.truth) == len(world.candidates)
    assert [t["candidate"] for t in world.truth] == list(world.candidates)
    refs_by_candidate: dict[str, list[str]] = defaultdict(list)
    for ref in world.by_type["reference"]:
        refs_by_candidate[ref["candidate"]].append(ref["id"])
    for t in world.truth:
        cand = world.candidates[t["candidate"]]
        assert t["position"] == cand["applies_to"]
        assert t["category"] == world.positions[cand["applies_to"]]["category"]
        for tag, ids in t["records"].items():
            assert tag in t["tags"]
            for rid in ids:
                assert rid in world.records, (tag, rid)
        assert [r["id"] for r in t["references"]] == refs_by_candidate[t["candidate"]]
        for ref_truth in t["references"]:
            ref = world.records[ref_truth["id"]]
            assert ref["language"] == ref_truth["language"]
            sentences = split_sentences(ref["text"])
            assert len(sentences) == len(ref_truth["sentences"]), (ref["text"], ref_truth)
            # every sentence ends with exactly one mark and holds no other: the pieces and their
            # marks give back the whole text
            ends = _SENTENCE_END.findall(ref["text"])
            joiner = " " if ref["language"] == "en" else ""
            assert joiner.join(s + e for s, e in zip(sentences, ends, strict=True)) == ref["text"]
            for label in ref_truth["sentences"]:
                assert isinstance(label["hearsay"], bool)
                assert _valid_label(label["label"]), label


_SENTENCE_END = re.compile(r"[。！？]|[.!?](?= |$)")


def _valid_label(label: str) -> bool:
    if label in ("neutral", "positive", "private_life"):
        return True
    kind, _, value = label.partition(":")
    if kind == "misconduct":
        return value in phrases.MISCONDUCT
    return kind == "forbidden" and value in {str(c) for c in PACK.forbidden}


def test_each_planted_tag_is_true_of_the_world(world200: World, world4k: World) -> None:
    for world in (world200, world4k):
        checked: Counter[str] = Counter()
        for t in world.truth:
            for tag in t["tags"]:
                _check_tag(world, t, tag)
                checked[tag.split(":")[0]] += 1
            _check_untagged(world, t)
        assert checked["namesake"] >= 2


def _dt(text: str) -> date:
    return date.fromisoformat(text)


def _years_ago(world: World, day: str) -> float:
    return (_dt(world.header["as_of"]) - _dt(day)).days / 365.2425


def _check_tag(world: World, t: dict[str, Any], tag: str) -> None:
    cid = t["candidate"]
    cand = world.candidates[cid]
    number = world.number(cid)
    key = name_key(cand["name"])
    recs = [world.records[r] for r in t["records"].get(tag, [])]
    base, _, detail = tag.partition(":")
    as_of = _dt(world.header["as_of"])

    def party(case: dict[str, Any]) -> dict[str, Any] | None:
        return next((p for p in case["parties"] if p.get("id_number") == number), None)

    if tag == "namesake":
        assert recs
        for rec in recs:
            others = [p for p in world.persons(rec) if name_key(p["name"]) == key]
            assert others and all(p.get("id_number") not in (None, number) for p in others)
    elif tag == "name_only_party":
        assert recs
        for rec in recs:
            assert any(
                name_key(p["name"]) == key and p.get("id_number") is None
                for p in world.persons(rec)
            )
    elif tag == "plaintiff":
        assert any(r["kind"] == "civil" and party(r)["role"] == "plaintiff" for r in recs)  # type: ignore[index]
    elif tag == "multi_defendant":
        (case,) = recs
        defendants = [p for p in case["parties"] if p["role"] == "defendant"]
        assert case["cause"] == "property_management_fee" and len(defendants) >= 10
        assert party(case) is not None and party(case)["role"] == "defendant"  # type: ignore[index]
        assert all(p.get("id_number") for p in defendants)
    elif base == "forbidden_cause":
        assert any(PACK.civil_causes[r["cause"]].forbidden is not None for r in recs)
        assert all(party(r) is not None for r in recs)
    elif tag == "administrative_case":
        assert recs and all(r["kind"] == "administrative" and party(r) for r in recs)
    elif tag == "civil_defendant":
        assert any(r["kind"] == "civil" and party(r)["role"] == "defendant" for r in recs)  # type: ignore[index]
    elif tag == "acquitted":
        assert recs and all(r["outcome"] == "acquitted" and party(r) for r in recs)
    elif tag in ("conviction", "old_conviction", "recent_conviction", "barring_conviction"):
        assert recs
        for case in recs:
            assert case["kind"] == "criminal" and case["outcome"] == "convicted"
            assert party(case)["role"] == "defendant"  # type: ignore[index]
            age = _years_ago(world, case["sentence_completed"])
            if tag == "old_conviction":
                assert age > gen.OLD_CONVICTION_YEARS
            if tag == "recent_conviction":
                assert age <= gen.OLD_CONVICTION_YEARS
            if tag == "barring_conviction":
                classes, within = gen.BARS[t["category"]]
                assert classes is None or PACK.criminal_causes[case["cause"]].cls in classes
                assert within is None or age <= within
        certs = world.of(number, "criminal_certificate")
        for cert in certs:
            assert cert["result"] == "record"
    elif tag == "identity_conflict":
        (rec,) = recs
        assert rec["subject"]["id_number"] == number and name_key(rec["subject"]["name"]) != key
    elif tag == "identity_missing":
        assert not world.of(number, "identity_record")
    elif base == "claim_mismatch":
        _check_claim(world, cand, detail, recs)
    elif base == "licence":
        _check_licence(world, t, cand, detail, recs, as_of)
    elif base == "fitness":
        purpose = PACK.categories[t["category"]].fitness_certificate
        mine = [r for r in world.of(number, "health_certificate") if r["purpose"] == purpose]
        if detail == "missing":
            assert not mine
        elif detail == "unfit":
            assert mine and not mine[0]["fit_for_duty"]
        else:
            assert mine and _dt(mine[0]["expires"]) < as_of
    elif tag in ("debtor_active", "debtor_removed"):
        (rec,) = [r for r in recs if r["type"] == "enforcement_record"]
        assert rec["subject"]["id_number"] == number
        removed = rec.get("removed")
        assert (removed is None) == (tag == "debtor_active")
        if removed:
            assert _dt(removed) <= as_of
    elif tag == "credit_delinquency":
        (rec,) = recs
        assert rec["serious_delinquencies"] > 0
    elif base == "driving":
        _check_driving(world, number, detail, recs)
    elif tag == "consent_refused":
        assert cand["consent"] is None
    elif tag == "consent_revoked":
        consent = cand["consent"]
        assert datetime.fromisoformat(consent["revoked_at"]) > datetime.fromisoformat(
            consent["signed_at"]
        )
    elif base == "separate_consent_missing" and detail:
        assert detail in cand["consent"]["items"]
        assert detail not in cand["consent"]["separate_items"]
    elif base == "consent_item_declined" and detail:
        assert detail not in cand["consent"]["items"]
    elif tag in ("uncorroborated_reference", "corroborated_reference"):
        counts = _misconduct_referees(world, t)
        if tag == "corroborated_reference":
            assert any(n >= 2 for n in counts.values()), counts
        else:
            assert any(n == 1 for n in counts.values()), counts
    elif tag == "private_life_remark":
        assert _labels(t) & {"private_life"}
    elif base == "forbidden_remark" and detail:
        assert f"forbidden:{detail}" in _labels(t)
        if detail == "pregnancy":
            demo = world.demographics.get(cid, {})
            assert demo.get("sex") in (None, "female", "other")


def _labels(t: dict[str, Any]) -> set[str]:
    return {s["label"] for r in t["references"] for s in r["sentences"]}


def _misconduct_referees(world: World, t: dict[str, Any]) -> Counter[str]:
    """Per misconduct category, how many different referees state it."""
    seen: dict[str, set[str]] = defaultdict(set)
    for ref_truth in t["references"]:
        ref = world.records[ref_truth["id"]]
        for s in ref_truth["sentences"]:
            if s["label"].startswith("misconduct:"):
                seen[s["label"]].add(name_key(ref["referee"]["name"]))
    return Counter({k: len(v) for k, v in seen.items()})


def _check_claim(world: World, cand: dict[str, Any], kind: str, recs: list[dict[str, Any]]) -> None:
    number = cand["id_document"]["number"]
    edu = world.of(number, "education_record")
    emp = world.of(number, "employment_record")
    claims = cand["claims"]
    if kind == "degree_not_found":
        assert any(
            not any(name_key(r["institution"]) == name_key(c["institution"]) for r in edu)
            for c in claims["education"]
        )
    elif kind in ("degree_inflated", "degree_withdrawn", "graduation_year"):
        (rec,) = recs
        (claim,) = [
            c
            for c in claims["education"]
            if name_key(c["institution"]) == name_key(rec["institution"])
        ]
        if kind == "degree_inflated":
            order = gen.DEGREE_ORDER
            assert order.index(claim["degree"]) > order.index(rec["degree"])
        elif kind == "degree_withdrawn":
            assert rec["status"] == "withdrawn"
        else:
            assert rec["graduated"] != claim["graduated"]
    elif kind == "employer_not_found":
        employers = {name_key(r["employer"]) for r in emp}
        assert any(name_key(c["employer"]) not in employers for c in claims["employment"])
    elif kind == "employment_dates":
        (rec,) = recs
        (claim,) = [
            c for c in claims["employment"] if name_key(c["employer"]) == name_key(rec["employer"])
        ]
        y1, m1 = map(int, claim["start"].split("-"))
        y2, m2 = map(int, rec["start"].split("-"))
        assert (y2 * 12 + m2) - (y1 * 12 + m1) >= 4
    else:
        raise AssertionError(kind)


def _check_licence(
    world: World,
    t: dict[str, Any],
    cand: dict[str, Any],
    kind: str,
    recs: list[dict[str, Any]],
    as_of: date,
) -> None:
    number = cand["id_document"]["number"]
    mine = world.of(number, "licence_record")
    if kind == "missing":
        required = set().union(*PACK.categories[t["category"]].required_licences)
        assert required and not any(r["kind"] in required for r in mine)
        assert not any(c["kind"] in required for c in cand["claims"]["licences"])
    elif kind == "not_found":
        held = {(r["kind"], r["number"]) for r in mine}
        assert any((c["kind"], c["number"]) not in held for c in cand["claims"]["licences"])
    elif kind == "expired":
        (rec,) = recs
        assert rec["status"] == "expired" or _dt(rec["expires"]) < as_of
    else:
        (rec,) = recs
        assert rec["status"] == kind


def _check_driving(world: World, number: str, kind: str, recs: list[dict[str, Any]]) -> None:
    mine = world.of(number, "driving_record")
    if kind == "no_licence":
        assert not mine
        return
    (rec,) = recs
    kinds = {v["kind"] for v in rec["violations"]}
    if kind == "drunk_driving":
        assert "drunk_driving" in kinds
    elif kind == "serious_violation":
        assert kinds & {"dui", "speeding_serious"}
    elif kind == "licence_suspended":
        assert rec["licence_status"] == "suspended"
    elif kind == "licence_revoked":
        assert rec["licence_status"] == "revoked"


def _check_untagged(world: World, t: dict[str, Any]) -> None:
    """What is not planted is not there: a candidate without mismatch tags has claims that match."""
    cid = t["candidate"]
    cand = world.candidates[cid]
    number = world.number(cid)
    tags = set(t["tags"])
    if not {"identity_missing", "identity_conflict"} & tags:
        ids = world.of(number, "identity_record")
        assert len(ids) == 1 and name_key(ids[0]["subject"]["name"]) == name_key(cand["name"])
    if not any(x.startswith("claim_mismatch:") for x in tags):
        emp = {name_key(r["employer"]): r for r in world.of(number, "employment_record")}
        for claim in cand["claims"]["employment"]:
            rec = emp[name_key(claim["employer"])]
            y1, m1 = map(int, claim["start"].split("-"))
            y2, m2 = map(int, rec["start"].split("-"))
            assert abs((y2 * 12 + m2) - (y1 * 12 + m1)) <= 1
            assert claim["end"] == rec["end"]
        edu = {name_key(r["institution"]): r for r in world.of(number, "education_record")}
        for claim in cand["claims"]["education"]:
            rec = edu[name_key(claim["institution"])]
            assert (rec["degree"], rec["graduated"]) == (claim["degree"], claim["graduated"])
    consent = cand["consent"]
    allowed = {str(i) for i in PACK.categories[t["category"]].items}
    if consent is not None:
        assert consent["recipient"] == world.positions[cand["applies_to"]]["employer"]
        assert world.organisations[consent["agency"]]["kind"] == "agency"
        assert set(consent["items"]) <= allowed
        if "consent_item_declined" not in tags:
            assert set(consent["items"]) == allowed
        sensitive = {str(i) for i, p in PACK.items.items() if p.separate_consent}
        if "separate_consent_missing" not in tags:
            assert set(consent["separate_items"]) == sensitive & set(consent["items"])
        if "consent_revoked" not in tags:
            assert "revoked_at" not in consent
    else:
        assert "consent_refused" in tags


# --- realism and rates --------------------------------------------------------------------------


def test_people_are_synthetic_and_consistent(world4k: World) -> None:
    world = world4k
    names_by_number: dict[str, set[str]] = defaultdict(set)
    for line in world.lines:
        for person in world.persons(line):
            if person.get("id_number"):
                names_by_number[person["id_number"]].add(name_key(person["name"]))
    conflicts = {
        world.number(t["candidate"]) for t in world.truth if "identity_conflict" in t["tags"]
    }
    for number, names in names_by_number.items():
        if number.startswith("SX"):
            continue
        assert number.startswith("99"), number
        assert check_cn_resident_id(number) is None, number
        assert len(names) == 1 or number in conflicts, (number, names)
    seen: set[str] = set()
    as_of = _dt(world.header["as_of"])
    for cid, cand in world.candidates.items():
        doc = cand["id_document"]
        assert doc["number"] not in seen
        seen.add(doc["number"])
        birth = _dt(cand["birth_date"])
        assert 20 <= (as_of - birth).days / 365.2425 <= 61
        demo = world.demographics.get(cid)
        if demo is None:
            continue
        if "birth_year" in demo:
            assert demo["birth_year"] == birth.year
        if doc["kind"] == "cn_resident_id" and demo.get("sex") in ("female", "male"):
            assert (int(doc["number"][16]) % 2 == 1) == (demo["sex"] == "male")


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


def test_plan_rates_are_probabilities() -> None:
    for name, value in vars(RATES).items():
        assert 0 <= value <= 1, name
    assert RATES.zh_hans + RATES.zh_hant < 1


# --- the phrase and name tables -----------------------------------------------------------------


def _about(sex: str) -> phrases.About:
    return phrases.About(
        sex=sex,
        name_hans="王晓明",
        name_hant="王曉明",
        name_en="Mr Wang",
        category="finance_accounting",
        org="Northbridge Consulting (Jiangzhou)",
        role="总账会计",
        months_together=30,
        left_year=2025,
        ethnicity=("回族", "回族", "of Hui ethnicity"),
        place=3,
    )


def test_every_template_fills_and_is_one_sentence() -> None:
    import random

    rng = random.Random(0)
    for language, table in phrases.TEMPLATES.items():
        assert set(table) == phrases.kinds(), language
        for kind, options in table.items():
            assert options, (language, kind)
            for text, hearsay, _ in options:
                for sex in ("female", "male"):
                    filled = text.format_map(phrases.slots(rng, _about(sex), language))
                    assert filled[-1] in "。！？.!?", (language, kind, filled)
                    assert split_sentences(filled) == [filled[:-1]], (language, kind, filled)
                    assert isinstance(hearsay, bool)
    for category in ("misconduct", "forbidden"):
        values = phrases.MISCONDUCT if category == "misconduct" else phrases.FORBIDDEN
        for value in values:
            assert f"{category}:{value}" in phrases.kinds()
    # every forbidden category has remarks (private life is the separate private_life kind)
    assert set(phrases.FORBIDDEN) == {str(c) for c in PACK.forbidden} - {"private_life"}


def test_the_wang_remark_exists_in_all_three_languages() -> None:
    hans = [t for t, _, _ in phrases.TEMPLATES["zh-Hans"]["private_life"]]
    hant = [t for t, _, _ in phrases.TEMPLATES["zh-Hant"]["private_life"]]
    english = [t for t, _, _ in phrases.TEMPLATES["en"]["private_life"]]
    assert any("生活作风存在问题" in t for t in hans)
    assert any("生活作風存在問題" in t for t in hant)
    assert len(english) >= 3


def test_names_keep_their_key_in_both_scripts() -> None:
    for simp, trad, _, weight in synth_names.SURNAMES:
        assert name_key(simp) == name_key(trad) and weight > 0
    for char in synth_names.all_given_characters():
        assert name_key(char) == name_key(synth_names.to_traditional(char)), char


# --- the command line ---------------------------------------------------------------------------

runner = CliRunner()


def test_help() -> None:
    result = runner.invoke(app, ["world", "generate", "--help"])
    assert result.exit_code == 0
    for option in ("--candidates", "--seed", "--out", "--as-of", "--truth"):
        assert option in result.output
    assert gen.DEFAULT_AS_OF.isoformat() in result.output


def test_cli_end_to_end(tmp_path: Path) -> None:
    out, truth = tmp_path / "w.jsonl", tmp_path / "t.jsonl"
    result = runner.invoke(
        app,
        [
            "world",
            "generate",
            "--candidates",
            "250",
            "--seed",
            "8",
            "--out",
            str(out),
            "--truth",
            str(truth),
            "--as-of",
            "2026-06-30",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    with load_world(out) as store:
        summary = store.summary()
    assert summary.candidates == 250 and summary.header.as_of == date(2026, 6, 30)
    assert len(truth.read_bytes().splitlines()) == 251
    again = tmp_path / "again.jsonl"
    generate_world(again, candidates=250, seed=8, as_of=date(2026, 6, 30))
    assert again.read_bytes() == out.read_bytes()
    validated = runner.invoke(app, ["world", "validate", str(out)])
    assert validated.exit_code == 0 and "valid world file" in validated.output


def test_cli_to_stdout() -> None:
    result = runner.invoke(app, ["world", "generate", "-n", "5", "--seed", "1", "--no-progress"])
    assert result.exit_code == 0
    lines = [orjson.loads(raw) for raw in result.stdout_bytes.splitlines()]
    assert lines[0]["type"] == "world"
    assert sum(1 for line in lines if line["type"] == "candidate") == 5


def test_cli_rejects_bad_input() -> None:
    for args in (
        ["--candidates", "0", "--seed", "1"],
        ["--candidates", "5"],
        ["--candidates", "5", "--seed", str(2**64)],
        ["--candidates", "5", "--seed", "1", "--as-of", "2026-02-30"],
    ):
        result = runner.invoke(app, ["world", "generate", *args])
        assert result.exit_code == 2, (args, result.output)
