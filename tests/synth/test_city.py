"""The synthetic city: deterministic, a district of 13,000 firms across the 16 scenarios with
several scenarios per firm where realistic, three years of history, and a roster every office
can plan with; what it writes is a register the supervision side reads."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from fairscreen.supervision.register import load_register, parse_dicts, register_from
from fairscreen.supervision.tiers import shipped_rules
from fairscreen.synth.city import HEIGHT, WIDTH, generate_city, write_city

AS_OF = date(2026, 12, 31)


def _bytes(firms: int, seed: int) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in generate_city(firms, seed, AS_OF))


@pytest.fixture(scope="module")
def city() -> list[dict[str, Any]]:
    return list(generate_city(13_000, 2026, AS_OF))


def test_the_same_seed_gives_the_same_city_and_another_seed_another() -> None:
    assert hashlib.sha256(_bytes(300, 5)).digest() == hashlib.sha256(_bytes(300, 5)).digest()
    assert _bytes(300, 5) != _bytes(300, 6)


def test_a_bigger_city_starts_with_the_smaller_ones_firms() -> None:
    small = [r for r in generate_city(50, 9, AS_OF) if r["type"] == "firm"]
    big = [r for r in generate_city(400, 9, AS_OF) if r["type"] == "firm"]
    assert big[:50] == small


def test_thirteen_thousand_firms_across_sixteen_scenarios(city: list[dict[str, Any]]) -> None:
    firms = [r for r in city if r["type"] == "firm"]
    assert len(firms) == 13_000
    per_scenario = Counter(s for f in firms for s in f["scenarios"])
    assert set(per_scenario) == set(shipped_rules().scenarios)
    assert len(per_scenario) == 16
    several = sum(1 for f in firms if len(f["scenarios"]) > 1)
    assert 0.1 < several / len(firms) < 0.4  # hotels with restaurants, stations with shops
    assert all(0 <= f["x"] < WIDTH and 0 <= f["y"] < HEIGHT for f in firms)


def test_histories_cover_three_years_and_drive_a_mix_of_tiers(
    city: list[dict[str, Any]],
) -> None:
    register = register_from(parse_dicts(city, "city"))
    rules = shipped_rules()
    register.check(rules.scenarios, rules.skills, "city")
    days = [e.on for f in register.firms.values() for e in f.inspections]
    days += [e.on for f in register.firms.values() for e in f.complaints]
    days += [e.on for f in register.firms.values() for e in f.signals]
    assert min(days) >= date(2023, 12, 31) and max(days) <= AS_OF
    with_findings = sum(
        1 for f in register.firms.values() if any(i.minor or i.major for i in f.inspections)
    )
    assert 0.2 < with_findings / len(register.firms) < 0.95
    assert any(
        s.open and s.severity == "serious" for f in register.firms.values() for s in f.signals
    )


def test_every_office_has_every_skill_twice_and_no_one_is_named(
    city: list[dict[str, Any]],
) -> None:
    register = register_from(parse_dicts(city, "city"))
    assert len(register.inspectors) == 130
    for office in register.offices:
        held = Counter(
            s for i in register.inspectors.values() if i.office == office for s in i.skills
        )
        assert all(held[s] >= 2 for s in shipped_rules().skills), office
    first = next(r for r in city if r["type"] == "inspector")
    assert set(first) == {"type", "id", "office", "skills", "visits_per_day", "days_per_week"}


def test_the_written_file_reads_back_as_the_same_register(tmp_path: Path) -> None:
    path = tmp_path / "city.jsonl"
    records = list(generate_city(200, 3, AS_OF))
    assert write_city(path, iter(records)) == len(records)
    read = load_register(path)
    assert sorted(read.firms) == sorted(r["id"] for r in records if r["type"] == "firm")
    assert read.firms["F000001"] == register_from(parse_dicts(records, "x")).firms["F000001"]
