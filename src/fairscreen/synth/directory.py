"""The world's organisations and positions: 20 to 40 fictional employers, one or two screening
agencies, and the positions the employers offer, every category of the pack covered.

Drawn from the world's own random stream (not a candidate's), before any candidate.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fairscreen.policy.pack import PolicyPack
from fairscreen.synth import orgs
from fairscreen.synth.base import Weighted
from fairscreen.synth.licences import HEALTH_LICENCES, LICENCE_VALIDITY


@dataclass(frozen=True, slots=True)
class Employer:
    id: str
    name: str
    industry: str
    english: bool


@dataclass(frozen=True, slots=True)
class Opening:
    """A position an employer of the world offers (written out as a ``position`` line)."""

    id: str
    employer: Employer
    title: str
    category: str
    licence: str | None  # the licence kind a healthcare position needs


@dataclass
class Directory:
    employers: list[Employer]
    agencies: list[tuple[str, str]]
    positions: list[Opening]
    by_category: dict[str, list[Opening]]


def position_title(
    rng: random.Random, category: str, level: str, *, english: bool, licence: str | None
) -> str:
    """A job title of ``category`` at ``level`` (junior, mid, senior); a health licence's own."""
    if licence is not None:
        return rng.choice(orgs.HEALTH_TITLES[licence][level])
    if english and category in orgs.EN_TITLES:
        return rng.choice(orgs.EN_TITLES[category][level])
    return rng.choice(orgs.TITLES[category][level])


def build_directory(rng: random.Random, candidates: int, pack: PolicyPack) -> Directory:
    """The employers (more for bigger worlds), agencies and positions of a world."""
    count = min(40, 20 + candidates // 5000 + rng.randint(0, 5))
    industries = list(orgs.INDUSTRY_WEIGHTS)
    pick = Weighted(orgs.INDUSTRY_WEIGHTS)
    industries += [pick(rng) for _ in range(count - len(industries))]
    rng.shuffle(industries)
    employers: list[Employer] = []
    names: set[str] = set()
    for industry in industries:
        org = orgs.company(rng, industry)
        while org.name in names:
            org = orgs.company(rng, industry)
        names.add(org.name)
        employers.append(Employer(f"E{len(employers) + 1:02d}", org.name, industry, org.english))
    agencies = [(f"A{i + 1}", orgs.agency(rng, i)) for i in range(1 if rng.random() < 0.5 else 2)]
    positions: list[Opening] = []
    health = Weighted(HEALTH_LICENCES)
    for employer in employers:
        mix = Weighted(orgs.INDUSTRIES[employer.industry][1])
        titles: set[str] = set()
        for _ in range(rng.randint(2, 5)):
            category = mix(rng)
            licence = health(rng) if category == "healthcare" else None
            level = rng.choice(("junior", "mid", "mid", "senior"))
            title = position_title(rng, category, level, english=employer.english, licence=licence)
            if title in titles:
                continue
            titles.add(title)
            positions.append(
                Opening(f"{employer.id}-P{len(titles)}", employer, title, category, licence)
            )
    by_category: dict[str, list[Opening]] = {}
    for position in positions:
        by_category.setdefault(position.category, []).append(position)
    for category in pack.categories:
        if category in by_category:
            continue
        hosts = [e for e in employers if category in orgs.INDUSTRIES[e.industry][1]]
        employer = hosts[0] if hosts else employers[0]
        licence = health(rng) if category == "healthcare" else None
        title = position_title(rng, category, "mid", english=employer.english, licence=licence)
        n = sum(1 for p in positions if p.employer is employer) + 1
        position = Opening(f"{employer.id}-P{n}", employer, title, category, licence)
        positions.append(position)
        by_category[category] = [position]
    if not any(p.licence in LICENCE_VALIDITY for p in by_category["healthcare"]):
        employer = by_category["healthcare"][0].employer
        title = position_title(rng, "healthcare", "mid", english=False, licence="nurse")
        n = sum(1 for p in positions if p.employer is employer) + 1
        position = Opening(f"{employer.id}-P{n}", employer, title, "healthcare", "nurse")
        positions.append(position)
        by_category["healthcare"].append(position)
    return Directory(employers, agencies, positions, by_category)


def directory_lines(directory: Directory) -> Iterator[dict[str, Any]]:
    """The organisation and position lines of the world file, in file order."""
    for employer in directory.employers:
        yield {
            "type": "organisation",
            "id": employer.id,
            "kind": "employer",
            "name": employer.name,
            "jurisdiction": "CN",
        }
    for aid, name in directory.agencies:
        yield {
            "type": "organisation",
            "id": aid,
            "kind": "agency",
            "name": name,
            "jurisdiction": "CN",
        }
    for position in directory.positions:
        yield {
            "type": "position",
            "id": position.id,
            "employer": position.employer.id,
            "title": position.title,
            "category": position.category,
        }
