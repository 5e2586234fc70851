"""The synthetic city a regulator plans for: one district's firms, offices and inspectors.

``generate_city(firms, seed, as_of)`` yields register records (plain dicts, the JSON Lines
format ``fairscreen.supervision.register`` reads): home offices on a 24 x 16 km grid, a roster
of inspectors (ids, skills, capacity and office: no names), and firms spread over the
district's neighbourhoods, each supervised under one to four of 16 scenarios (a hotel also runs
a restaurant and elevators, a fuel station a shop), with three years of history: past
inspections and what they found, complaints, and off-site signals. Each firm carries a hidden
propensity to break rules (its risk), which sets how often its history has findings, complaints
and signals; the tier rules see only the history.

Deterministic: the same ``(firms, seed, as_of)`` gives the same records, byte for byte. Every
firm draws from its own random stream (seeded by the city's seed and its index), so the first
N firms of a bigger city are the firms of the smaller one. Names are a made-up brand and a
trade suffix, as in ``synth.orgs``: any resemblance to a real firm is a coincidence.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from fairscreen.synth.base import Weighted
from fairscreen.synth.orgs import BRANDS, DISTRICTS

WIDTH, HEIGHT = 24_000, 16_000  # metres
HISTORY_YEARS = 3

# scenario: (share of firms whose main business it is, name suffix, skills it needs)
SCENARIOS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "catering": (
        24,
        "餐饮管理有限公司",
        ("food_safety", "fire_safety", "city_appearance", "environment", "waste_sorting"),
    ),
    "hair_beauty": (
        8,
        "美容美发店",
        ("public_health", "pricing_advertising", "fire_safety", "labour"),
    ),
    "supermarket": (
        8,
        "超市有限公司",
        ("food_safety", "product_quality", "pricing_advertising", "fire_safety", "city_appearance"),
    ),
    "property_management": (
        7,
        "物业服务有限公司",
        (
            "fire_safety",
            "waste_sorting",
            "city_appearance",
            "special_equipment",
            "pricing_advertising",
        ),
    ),
    "vehicle_repair": (
        6,
        "汽车维修有限公司",
        ("transport", "environment", "fire_safety", "work_safety", "waste_sorting"),
    ),
    "construction_site": (
        5,
        "建设工程有限公司",
        ("construction", "work_safety", "environment", "city_appearance", "labour"),
    ),
    "livestream_ecommerce": (
        5,
        "电子商务有限公司",
        ("e_commerce", "product_quality", "pricing_advertising", "labour"),
    ),
    "pharmacy": (5, "大药房有限公司", ("drug_safety", "pricing_advertising", "fire_safety")),
    "education_training": (
        5,
        "培训学校",
        ("labour", "fire_safety", "pricing_advertising", "public_health"),
    ),
    "logistics_warehouse": (
        5,
        "物流有限公司",
        ("work_safety", "fire_safety", "labour", "transport"),
    ),
    "hotel": (
        4,
        "酒店管理有限公司",
        ("public_security", "fire_safety", "public_health", "food_safety"),
    ),
    "background_screening": (
        4,
        "人力资源服务有限公司",
        ("labour", "pricing_advertising"),
    ),
    "entertainment": (
        3,
        "娱乐有限公司",
        ("public_security", "fire_safety", "environment", "labour"),
    ),
    "elevator": (3, "电梯工程有限公司", ("special_equipment", "work_safety")),
    "gas_station": (
        2,
        "加油站",
        ("work_safety", "fire_safety", "environment", "product_quality"),
    ),
    "hazardous_chemicals": (
        2,
        "化工贸易有限公司",
        ("work_safety", "fire_safety", "environment"),
    ),
}
# What else a firm of a main scenario is supervised under, and how often.
ALSO: dict[str, tuple[tuple[str, float], ...]] = {
    "catering": (("livestream_ecommerce", 0.05), ("background_screening", 0.03)),
    "supermarket": (("elevator", 0.4), ("catering", 0.25), ("pharmacy", 0.1)),
    "property_management": (("elevator", 0.85), ("background_screening", 0.05)),
    "hotel": (("catering", 0.6), ("elevator", 0.7), ("entertainment", 0.15)),
    "gas_station": (("supermarket", 0.5), ("vehicle_repair", 0.2)),
    "logistics_warehouse": (("hazardous_chemicals", 0.05), ("background_screening", 0.12)),
    "livestream_ecommerce": (("background_screening", 0.1),),
    "entertainment": (("catering", 0.4),),
    "construction_site": (("background_screening", 0.05),),
    "education_training": (("catering", 0.1),),
    "vehicle_repair": (("hazardous_chemicals", 0.05),),
}
SKILLS = tuple(sorted({skill for _, _, skills in SCENARIOS.values() for skill in skills}))
OFFICES = (
    ("O-N", "北片執法中隊", 7_000, 12_000),
    ("O-E", "東片執法中隊", 18_000, 11_000),
    ("O-S", "南片執法中隊", 8_000, 4_000),
    ("O-W", "西片執法中隊", 17_000, 4_500),
)
NEIGHBOURHOODS = 48
_MAIN = Weighted({code: share for code, (share, _, _) in SCENARIOS.items()})


def _stream(seed: int, *parts: object) -> random.Random:
    key = "/".join(str(p) for p in (seed, *parts)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only (history counts)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


def _nearest_office(x: int, y: int) -> str:
    return min(OFFICES, key=lambda o: (o[2] - x) ** 2 + (o[3] - y) ** 2)[0]


def _neighbourhoods(seed: int) -> list[tuple[float, float, float]]:
    rng = _stream(seed, "neighbourhoods")
    return [
        (rng.uniform(800, WIDTH - 800), rng.uniform(800, HEIGHT - 800), rng.uniform(300, 1_200))
        for _ in range(NEIGHBOURHOODS)
    ]


def _firm(
    seed: int, index: int, as_of: date, hoods: list[tuple[float, float, float]]
) -> dict[str, Any]:
    rng = _stream(seed, "firm", index)
    main = _MAIN(rng)
    scenarios = [main]
    for other, chance in ALSO.get(main, ()):
        if rng.random() < chance:
            scenarios.append(other)
    cx, cy, spread = hoods[rng.randrange(len(hoods))]
    x = int(min(WIDTH - 1, max(0, rng.gauss(cx, spread))))
    y = int(min(HEIGHT - 1, max(0, rng.gauss(cy, spread))))
    name = f"{rng.choice(DISTRICTS)}{rng.choice(BRANDS)}{SCENARIOS[main][1]}"
    leap_day = as_of.month == 2 and as_of.day == 29
    start = date(as_of.year - HISTORY_YEARS, as_of.month, as_of.day - leap_day)
    inspections: list[dict[str, Any]] = []
    complaints: list[dict[str, Any]] = []
    signals: list[dict[str, Any]] = []
    for scenario in scenarios:
        risk = rng.lognormvariate(-0.9, 1.0)  # hidden: how readily this firm breaks the rules
        for _ in range(2 * HISTORY_YEARS + _poisson(rng, 1.5)):
            inspections.append(
                {
                    "on": _day(rng, start, as_of),
                    "scenario": scenario,
                    "minor": _poisson(rng, 0.6 * risk),
                    "major": _poisson(rng, 0.15 * risk),
                }
            )
        for _ in range(_poisson(rng, 0.8 * risk * HISTORY_YEARS)):
            complaints.append(
                {
                    "on": _day(rng, start, as_of),
                    "scenario": scenario,
                    "substantiated": rng.random() < 0.5,
                }
            )
        for _ in range(_poisson(rng, 0.5 * risk * HISTORY_YEARS)):
            on = _day(rng, start, as_of)
            roll = rng.random()
            severity = "minor" if roll < 0.7 else "major" if roll < 0.95 else "serious"
            recent = (as_of - on).days < 60
            signals.append(
                {
                    "on": on,
                    "scenario": scenario,
                    "severity": severity,
                    "rule": f"{scenario}.{severity}",
                    "open": recent and rng.random() < 0.5,
                }
            )
    record: dict[str, Any] = {
        "type": "firm",
        "id": f"F{index:06d}",
        "name": name,
        "x": x,
        "y": y,
        "office": _nearest_office(x, y),
        "scenarios": scenarios,
    }
    for key, events in (
        ("inspections", inspections),
        ("complaints", complaints),
        ("signals", signals),
    ):
        if events:
            events.sort(key=lambda e: (e["on"], e["scenario"]))
            record[key] = events
    return record


def _demand(firms: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per office, how many firm scenarios need each skill (to give the roster what it needs)."""
    need: dict[str, dict[str, int]] = {office: dict.fromkeys(SKILLS, 0) for office, *_ in OFFICES}
    for firm in firms:
        for scenario in firm["scenarios"]:
            for skill in SCENARIOS[scenario][2]:
                need[firm["office"]][skill] += 1
    return need


def _inspectors(seed: int, count: int, firms: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``count`` inspectors across the offices in proportion to their firms; in each office
    every skill is held by at least two, the rest drawn in proportion to demand."""
    rng = _stream(seed, "roster")
    need = _demand(firms)
    load = {office: sum(n.values()) for office, n in need.items()}
    total = sum(load.values()) or 1
    number = 0
    for office, *_ in OFFICES:
        here = max(4, round(count * load[office] / total))
        wanted = Weighted({s: n + 1 for s, n in need[office].items()})
        roster: list[set[str]] = [set() for _ in range(here)]
        for position, skill in enumerate(SKILLS * 2):
            roster[position % here].add(skill)
        for skills in roster:
            for _ in range(rng.randint(5, 8)):  # 綜合執法: each officer trained across matters
                skills.add(wanted(rng))
        for skills in roster:
            number += 1
            yield {
                "type": "inspector",
                "id": f"I{number:04d}",
                "office": office,
                "skills": sorted(skills),
                "visits_per_day": rng.choice((3, 4, 4, 5)),
                "days_per_week": rng.choice((4, 5, 5, 5)),
            }


def generate_city(
    firms: int = 13_000,
    seed: int = 2026,
    as_of: date = date(2026, 12, 31),
    inspectors: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Offices, then inspectors, then firms, as register records. ``inspectors`` defaults to
    one per 100 firms (at least 4 per office)."""
    hoods = _neighbourhoods(seed)
    made = [_firm(seed, i, as_of, hoods) for i in range(1, firms + 1)]
    for office, name, x, y in OFFICES:
        yield {"type": "office", "id": office, "name": name, "x": x, "y": y}
    yield from _inspectors(seed, inspectors if inspectors is not None else firms // 100, made)
    yield from made


def write_city(path: Path, records: Iterator[dict[str, Any]]) -> int:
    """Write the records as JSON Lines; return how many."""
    count = 0
    with path.open("wb") as handle:
        for record in records:
            handle.write(orjson.dumps(record) + b"\n")
            count += 1
    return count
