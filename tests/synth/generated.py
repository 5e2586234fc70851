"""Generated worlds read back for the checks of ``tests/synth``: the world file and its truth,
indexed by candidate, record id, type and (ID number, type)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from fairscreen.kit.names import name_key
from fairscreen.policy.pack import load_pack
from fairscreen.synth import generate_world

PACK = load_pack("cn-2026.2")


@dataclass
class World:
    """A generated world and its truth, indexed for the checks."""

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

    @property
    def as_of(self) -> date:
        return date.fromisoformat(self.header["as_of"])

    def years_ago(self, day: str) -> float:
        return (self.as_of - date.fromisoformat(day)).days / 365.2425


@dataclass(frozen=True)
class Planted:
    """One planted tag of one candidate, with what the checks need about it."""

    world: World
    truth: dict[str, Any]  # the candidate's truth line
    tag: str
    base: str  # the tag before ":"
    detail: str  # the tag after ":", or ""
    records: list[dict[str, Any]]  # the records the truth says carry the tag

    @property
    def candidate(self) -> dict[str, Any]:
        return self.world.candidates[self.truth["candidate"]]

    @property
    def number(self) -> str:
        return self.world.number(self.truth["candidate"])

    @property
    def key(self) -> str:
        """The name key of the candidate's name."""
        return name_key(self.candidate["name"])

    def party(self, case: dict[str, Any]) -> dict[str, Any] | None:
        """The candidate among ``case``'s parties, by ID number."""
        return next((p for p in case["parties"] if p.get("id_number") == self.number), None)


def planted(world: World, *bases: str) -> Iterator[Planted]:
    """Every planted tag whose base (the part before ":") is one of ``bases``."""
    for t in world.truth:
        for tag in t["tags"]:
            base, _, detail = tag.partition(":")
            if base in bases:
                recs = [world.records[r] for r in t["records"].get(tag, [])]
                yield Planted(world, t, tag, base, detail, recs)


def generate(tmp_path: Path, n: int, seed: int, **kwargs: Any) -> tuple[Path, Path]:
    out, truth = tmp_path / f"w-{n}-{seed}.jsonl", tmp_path / f"t-{n}-{seed}.jsonl"
    generate_world(out, candidates=n, seed=seed, truth=truth, **kwargs)
    return out, truth


def read(out: Path, truth: Path) -> World:
    lines = [orjson.loads(raw) for raw in out.read_bytes().splitlines()]
    truths = [orjson.loads(raw) for raw in truth.read_bytes().splitlines()]
    return World(lines[0], truths[0], lines[1:], truths[1:])


def check_planted(worlds: tuple[World, ...], check: Callable[[Planted], None], *bases: str) -> None:
    """Run ``check`` on every tag of ``bases`` planted in ``worlds``; every base must occur (the
    200-candidate world carries each forced hard case), so the check cannot pass by not running."""
    seen: Counter[str] = Counter()
    for world in worlds:
        for p in planted(world, *bases):
            check(p)
            seen[p.base] += 1
    assert set(bases) <= set(seen), sorted(set(bases) - set(seen))
