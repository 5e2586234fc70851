"""What every record family of the generator shares: the person, the candidate's plan, the block of
lines written for one candidate, weighted choices and month arithmetic.

Every family is a set of plain functions ``(ctx, out, plan, person, ...)``: ``ctx`` is the world
(``context.Context``), ``out`` the candidate's :class:`Block`, which carries the candidate's own
random stream (``out.rng``). A family draws from that stream only, in a fixed order, so a
candidate's story is the same bytes for the same seed.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from typing import Any

from fairscreen.synth.names import PersonName

CST = timezone(timedelta(hours=8))


class Weighted:
    """A weighted choice with precomputed cumulative weights."""

    def __init__(self, table: dict[str, int] | dict[str, float]) -> None:
        self.keys = list(table)
        self.cum = list(itertools.accumulate(table.values()))

    def __call__(self, rng: random.Random) -> str:
        return self.keys[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


def month(index: int) -> str:
    """``YYYY-MM`` of a month index (``year * 12 + month - 1``)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def days_before(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() - days)


def years_before(day: date, rng: random.Random, low: float, high: float) -> date:
    return days_before(day, int(rng.uniform(low, high) * 365.25))


def add_months(day: date, months: int) -> date:
    index = month_index(day) + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


@dataclass(slots=True)
class Person:
    """Someone a record is about: a candidate, a namesake, a co-defendant, a counterparty."""

    name: PersonName
    sex: str
    birth: date
    id_kind: str
    id_number: str
    ethnicity: str | None  # self-identified value (Han, Hui, ..., or a broad group)

    def subject(self) -> dict[str, Any]:
        """The person as a register holds them: registered name, ID number, birth date."""
        return {
            "name": self.name.registered,
            "id_number": self.id_number,
            "birth_date": self.birth,
        }

    def party(self, role: str) -> dict[str, Any]:
        return {
            "name": self.name.registered,
            "id_number": self.id_number,
            "birth_date": self.birth,
            "role": role,
        }


@dataclass(slots=True)
class Plan:
    """A candidate's position category and the hard-case tags to plant (``plan.draw_plan``)."""

    category: str
    tags: set[str] = field(default_factory=set)
    forced: str | None = None
    drunk_on: date | None = None  # the day of a planted drunk-driving conviction


class Block:
    """Everything generated for one candidate: lines for the world, one line for the truth.

    ``rng`` is the candidate's stream for everything format 1.0 wrote; ``extra`` is a second
    stream for what format 1.1 added (sentences, public-security records, arbitrations, employers'
    answers and disciplinary records), so that adding them moved no draw of the first."""

    __slots__ = ("extra", "index", "lines", "records", "rng", "seq", "tags")

    def __init__(self, index: int, rng: random.Random, extra: random.Random) -> None:
        self.index = index
        self.rng = rng
        self.extra = extra
        self.lines: list[dict[str, Any]] = []
        self.seq = 0
        self.tags: set[str] = set()
        self.records: dict[str, list[str]] = {}

    def rid(self, prefix: str) -> str:
        """The next record id of this block: ``<prefix>-<candidate number>-<n>``."""
        self.seq += 1
        return f"{prefix}-{self.index + 1:07d}-{self.seq}"

    def add(self, record: dict[str, Any], *tags: str) -> str:
        """Write ``record`` and say it carries ``tags`` (the truth file's ``records``)."""
        self.lines.append(record)
        rid = str(record.get("id", ""))
        for tag in tags:
            self.tags.add(tag)
            self.records.setdefault(tag, []).append(rid)
        return rid
