"""Report tallies: how many reports each employer received per month, by light and by rule.

These are the statistics the regulator needs (which employers see many red lights, which rule
drives them), kept as counts with no link to any check or person instead of as attributes of
per-person ledger entries. They are written in the same transaction as the reports they count
and survive erasure: a count says nothing about who. Cells smaller than ``MIN_CELL`` are shown
as suppressed, because an employer that screened one person in a month could otherwise read
that person's light off the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairscreen.kit.db import table_of
from fairscreen.rating.models import ReportTally

MIN_CELL = 5
TallyKey = tuple[str, str, str, str, str]  # employer, month, ruleset, light, rule ("" = all)
_TALLIES = table_of(ReportTally)


def count_report(
    counts: Counter[TallyKey],
    *,
    employer: str,
    at: datetime,
    ruleset: str,
    light: str,
    rules: Iterable[str],
) -> None:
    """Count one report: once under its light, and once under each rule among its reasons."""
    month = at.strftime("%Y-%m")
    counts[(employer, month, ruleset, light, "")] += 1
    for rule in sorted(set(rules)):
        counts[(employer, month, ruleset, light, rule)] += 1


def add(session: Session, counts: Mapping[TallyKey, int]) -> None:
    """Add ``counts`` to the stored tallies, in the session's transaction."""
    if not counts:
        return
    rows = [
        {
            "employer_id": employer,
            "month": month,
            "ruleset": ruleset,
            "light": light,
            "rule": rule,
            "count": n,
        }
        for (employer, month, ruleset, light, rule), n in sorted(counts.items())
    ]
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_TALLIES)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["employer_id", "month", "ruleset", "light", "rule"],
            set_={"count": _TALLIES.c.count + stmt.excluded.count},
        ),
        rows,
    )


@dataclass(frozen=True, slots=True)
class Tally:
    employer: str
    month: str
    ruleset: str
    light: str
    rule: str
    count: int

    @property
    def shown(self) -> str:
        """The count as published: exact from ``MIN_CELL`` up, else ``<MIN_CELL``."""
        return str(self.count) if self.count >= MIN_CELL else f"<{MIN_CELL}"


def read(session: Session, *, employer: str | None = None, month: str | None = None) -> list[Tally]:
    query = select(_TALLIES).order_by(
        _TALLIES.c.employer_id, _TALLIES.c.month, _TALLIES.c.light, _TALLIES.c.rule
    )
    if employer is not None:
        query = query.where(_TALLIES.c.employer_id == employer)
    if month is not None:
        query = query.where(_TALLIES.c.month == month)
    return [
        Tally(r.employer_id, r.month, r.ruleset, r.light, r.rule, int(r[5]))
        for r in session.execute(query)
    ]
