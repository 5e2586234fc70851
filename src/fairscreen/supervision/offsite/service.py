"""Running the off-site checks against the live log, incrementally.

``run`` reads the entries from the cursor (``supervision_cursor.next_index``) to the log's
current size in chunks, loads only the facts those entries name (``engine.fact_keys``), feeds
them through the rule set, looks up the deadlines that fell due (the indexed ``due`` column),
and stores the changed facts, the new or closed signals and the new cursor, all in the caller's
transaction: a run that fails stores nothing, and the next run starts from the same index.
The first run under a rule-set version records it and puts its SHA-256 on the ledger
(``ruleset.published``), so that everyone can see which rules judged which entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.kit.db import bulk_insert
from fairscreen.kit.errors import InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.ledger import log
from fairscreen.supervision.offsite.engine import Checker, Fact, Found, fact_keys, next_due
from fairscreen.supervision.offsite.models import (
    CURSOR_ID,
    OffsiteCursor,
    OffsiteFact,
    SignalRow,
)
from fairscreen.supervision.offsite.ruleset import RuleSet, shipped_ruleset
from fairscreen.supervision.publish import publish_ruleset
from fairscreen.supervision.signals import Severity, Signal

CHUNK = 4096
_IN = 500  # keys per IN (...) list


@dataclass(frozen=True, slots=True)
class RunResult:
    ruleset: str
    start: int  # the first index read
    end: int  # the log's size: the next run starts here
    opened: int  # signals found open or closed by this run for the first time
    closed: int  # signals found earlier and closed by this run
    published: bool  # the rule-set version was put on the ledger by this run

    @property
    def read(self) -> int:
        return self.end - self.start

    def as_json(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "start": self.start,
            "end": self.end,
            "read": self.read,
            "opened": self.opened,
            "closed": self.closed,
            "published": self.published,
        }


def _publish(session: Session, ruleset: RuleSet, now: datetime) -> bool:
    return publish_ruleset(
        session,
        kind="offsite_rules",
        ref=ruleset.ref,
        digest=ruleset.digest,
        now=now,
        what="off-site rule set",
    )


def _cursor(session: Session) -> OffsiteCursor | None:
    return session.get(OffsiteCursor, CURSOR_ID, with_for_update=True)


def _load(session: Session, keys: Iterable[str], into: dict[str, Fact | None]) -> None:
    wanted = [k for k in dict.fromkeys(keys) if k not in into]
    for start in range(0, len(wanted), _IN):
        part = wanted[start : start + _IN]
        found: dict[str, Any] = dict(
            session.execute(
                select(OffsiteFact.key, OffsiteFact.data).where(OffsiteFact.key.in_(part))
            ).all()
        )
        for key in part:
            into[key] = found.get(key)


def _entries(session: Session, start: int, end: int) -> Iterator[list[tuple[int, Any]]]:
    for lo in range(start, end, CHUNK):
        hi = min(end, lo + CHUNK)
        yield [
            (i, orjson.loads(raw)) for i, raw in enumerate(log.read_entries(session, lo, hi), lo)
        ]


def run(
    session: Session,
    *,
    now: datetime,
    ruleset: RuleSet | None = None,
    witness_state: Path | None = None,
    limit: int | None = None,
) -> RunResult:
    """Check every entry appended since the last run, and the deadlines due at ``now``; store
    what was found. ``witness_state``: a witness's state directory, whose alarms become
    signals. ``limit``: read at most this many entries (``run_all`` commits in steps)."""
    ruleset = ruleset or shipped_ruleset()
    cursor = _cursor(session)  # locked: one run at a time (SQLite: the write lock)
    published = _publish(session, ruleset, now)
    start = cursor.next_index if cursor else 0
    end = log.read_state(session).size
    if limit is not None:
        end = min(end, start + limit)
    # a first run over an empty store has nothing to load or replace: skip the lookups
    fresh = cursor is None and session.scalar(select(OffsiteFact.key).limit(1)) is None
    facts: dict[str, Fact | None] = {}
    checker = Checker(ruleset, facts)
    found: list[Found] = []
    for chunk in _entries(session, start, end):
        if not fresh:
            _load(session, (k for _, e in chunk for k in fact_keys(e)), facts)
        for index, entry in chunk:
            found += checker.feed(index, entry)
    due_keys = list(
        session.scalars(
            select(OffsiteFact.key).where(OffsiteFact.due.is_not(None), OffsiteFact.due < now)
        )
    )
    _load(session, due_keys, facts)
    found += checker.overdue([*due_keys, *sorted(checker.dirty)], now)
    if witness_state is not None:
        found += _witness_alarms(ruleset, witness_state, now)
    _store_facts(session, facts, checker.dirty, fresh=fresh)
    opened, closed = _store_signals(session, ruleset, found, now)
    values = {"next_index": end, "ruleset": ruleset.ref, "ran_at": now}
    if cursor is None:
        session.add(OffsiteCursor(id=CURSOR_ID, **values))
    else:
        session.execute(update(OffsiteCursor).where(OffsiteCursor.id == CURSOR_ID).values(**values))
    session.flush()
    return RunResult(ruleset.ref, start, end, opened, closed, published)


def run_all(
    sessions: sessionmaker[Session],
    *,
    now: datetime,
    ruleset: RuleSet | None = None,
    witness_state: Path | None = None,
    step: int = 65536,
) -> RunResult:
    """``run`` until the cursor reaches the log's size, one transaction per ``step`` entries:
    on SQLite a long first run does not hold the write lock for minutes, and a run that is
    killed keeps what its committed steps found (the next one starts where they ended)."""
    total: RunResult | None = None
    while True:
        with sessions.begin() as session:
            part = run(session, now=now, ruleset=ruleset, witness_state=witness_state, limit=step)
        total = (
            part
            if total is None
            else RunResult(
                part.ruleset,
                total.start,
                part.end,
                total.opened + part.opened,
                total.closed + part.closed,
                total.published or part.published,
            )
        )
        if part.read < step:
            return total
        witness_state = None  # its alarms are read once


def _store_facts(
    session: Session, facts: dict[str, Fact | None], dirty: set[str], *, fresh: bool
) -> None:
    keys = sorted(dirty)
    for start in range(0, 0 if fresh else len(keys), _IN):
        session.execute(delete(OffsiteFact).where(OffsiteFact.key.in_(keys[start : start + _IN])))
    rows = [
        {"key": k, "data": facts[k], "due": next_due(facts[k])}
        for k in keys
        if facts[k] is not None
    ]
    if rows:
        bulk_insert(session, OffsiteFact, rows)


def _store_signals(
    session: Session, ruleset: RuleSet, found: list[Found], now: datetime
) -> tuple[int, int]:
    merged: dict[str, Found] = {}
    for f in found:  # a deadline signalled and closed in one run: keep the closed one
        if f.key not in merged or f.closed_at is not None:
            merged[f.key] = f
    known: dict[str, list[int]] = {}
    keys = list(merged)
    for start in range(0, len(keys), _IN):
        known.update(
            session.execute(
                select(SignalRow.key, SignalRow.evidence).where(
                    SignalRow.key.in_(keys[start : start + _IN])
                )
            ).all()
        )
    rows, closed = [], 0
    for key, f in merged.items():
        if key in known:
            if f.closed_at is not None:
                evidence = sorted(set(known[key]) | set(f.evidence))
                session.execute(
                    update(SignalRow)
                    .where(SignalRow.key == key, SignalRow.closed_at.is_(None))
                    .values(closed_at=f.closed_at, evidence=evidence)
                )
                closed += 1
            continue
        rows.append(
            {
                "id": new_id(),
                "key": key,
                "org": f.org,
                "scenario": ruleset.scenario,
                "rule": f.rule.id,
                "severity": str(f.rule.severity),
                "opened_at": f.opened_at,
                "closed_at": f.closed_at,
                "evidence": sorted(set(f.evidence)),
                "detail": dict(f.detail) if f.detail else None,
                "ruleset": ruleset.ref,
                "found_at": now,
            }
        )
    if rows:
        bulk_insert(session, SignalRow, rows)
    return len(rows), closed


def _witness_alarms(ruleset: RuleSet, state_dir: Path, now: datetime) -> list[Found]:
    from fairscreen.ledger.witness import WitnessError, load_state

    rules = ruleset.by_detector.get("witness_alarm", ())
    path = state_dir / "state.json"
    if not path.exists():
        raise InputError(str(path), "no witness state here (fairscreen witness --state DIR)")
    try:
        state = load_state(path)
    except WitnessError as exc:
        raise InputError(str(path), str(exc)) from None
    found = []
    for origin, entry in sorted(state.get("logs", {}).items()):
        alarm = entry.get("alarm")
        if not alarm:
            continue
        key_tail = f"{origin}:{alarm['kind']}:{alarm.get('old_size')}:{alarm.get('new_size')}"
        for rule in rules:
            found.append(
                Found(
                    f"{rule.id}:{key_tail}",
                    rule,
                    "platform",
                    now,
                    None,
                    (),
                    {
                        "origin": origin,
                        "kind": alarm["kind"],
                        "old_size": alarm.get("old_size"),
                        "new_size": alarm.get("new_size"),
                        "detail": alarm.get("detail"),
                    },
                )
            )
    return found


# -- reading ----------------------------------------------------------------------------------


def to_signal(row: SignalRow) -> Signal:
    return Signal(
        id=row.id,
        org=row.org,
        scenario=row.scenario,
        rule=row.rule,
        severity=Severity(row.severity),
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        evidence=tuple(row.evidence),
    )


def signal_json(row: SignalRow) -> dict[str, Any]:
    rule = shipped_ruleset().rule(row.rule)
    detail = row.detail or {}  # a monitor's signal describes its own rule (monitors.escalate)
    return {
        "id": row.id,
        "org": row.org,
        "scenario": row.scenario,
        "rule": row.rule,
        "title": rule.title if rule else detail.get("title"),
        "legal_basis": rule.legal_basis if rule else detail.get("legal_basis"),
        "guidance": rule.guidance if rule else detail.get("guidance"),
        "severity": row.severity,
        "opened_at": row.opened_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "evidence": list(row.evidence),
        "detail": row.detail,
        "ruleset": row.ruleset,
    }


def list_signals(
    session: Session,
    *,
    org: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    open_only: bool = False,
    key_prefix: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[SignalRow]]:
    """The signals queue, newest first: the total matching and one page (``key_prefix``: only
    the signals of one source, e.g. ``monitor:kitchens:``)."""
    query = select(SignalRow)
    if key_prefix is not None:
        query = query.where(SignalRow.key.startswith(key_prefix, autoescape=True))
    if org is not None:
        query = query.where(SignalRow.org == org)
    if rule is not None:
        query = query.where(SignalRow.rule == rule)
    if severity is not None:
        if severity not in {str(s) for s in Severity}:
            raise InputError("severity", "one of low, medium, high, serious")
        query = query.where(SignalRow.severity == severity)
    if open_only:
        query = query.where(SignalRow.closed_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.scalars(
        query.order_by(SignalRow.opened_at.desc(), SignalRow.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def get_signal(session: Session, signal_id: str, *, org: str | None = None) -> SignalRow:
    row = session.get(SignalRow, signal_id)
    if row is None or (org is not None and row.org != org):
        raise NotFoundError(f"no signal {signal_id}")
    return row


def cursor_state(session: Session) -> dict[str, Any]:
    cursor = session.get(OffsiteCursor, CURSOR_ID)
    size = log.read_state(session).size
    if cursor is None:
        return {"next_index": 0, "log_size": size, "ruleset": None, "ran_at": None}
    return {
        "next_index": cursor.next_index,
        "log_size": size,
        "ruleset": cursor.ruleset,
        "ran_at": cursor.ran_at.isoformat(),
    }
