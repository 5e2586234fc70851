"""The elevator monitor's chain: ingest a file, detect, store alerts, escalate and close.

``run`` (in the caller's transaction) publishes the rule pack on the ledger the first time it
is used, runs every detector as of ``now`` and reconciles what it finds with the stored alerts:
a new alert is stored and escalated (``monitors.escalate``: a supervision signal under the
``elevator`` scenario against the firm the rule addresses); an alert whose cause has ended is
closed, and so is its signal (``escalate.close``). Running twice over the same data changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairscreen.kit.errors import InputError
from fairscreen.kit.ids import new_id
from fairscreen.kit.jsonl import json_lines
from fairscreen.monitors import escalate
from fairscreen.monitors.elevators.detect import Alert, detect
from fairscreen.monitors.elevators.ingest import Counts, ingest
from fairscreen.monitors.elevators.models import (
    ElevatorAlert,
    ElevatorEvent,
    ElevatorMaintenance,
    ElevatorUnit,
)
from fairscreen.monitors.elevators.records import Record, parse
from fairscreen.monitors.elevators.rules import Pack

MONITOR = "elevators"
SCENARIO = "elevator"


@dataclass(frozen=True, slots=True)
class RunResult:
    pack: str
    published: bool
    found: int
    opened: int
    closed: int
    open_now: int

    def as_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "published": self.published,
            "found": self.found,
            "opened": self.opened,
            "closed": self.closed,
            "open": self.open_now,
        }


def read_file(path: Path) -> Iterator[tuple[str, Record]]:
    """Each record of a JSON Lines file with where it is (``file:line``)."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(str(path), f"cannot read: {error.strerror}") from None
    with handle:
        for here, data in json_lines(handle, str(path)):
            yield here, parse(data, here)


def ingest_file(session: Session, path: Path) -> Counts:
    return ingest(session, read_file(path))


def run(session: Session, pack: Pack, now: datetime) -> RunResult:
    published = escalate.publish_pack(
        session, monitor=MONITOR, ref=pack.ref, digest=pack.digest, now=now
    )
    found = detect(session, pack, now)
    stored = {a.key: a for a in session.scalars(select(ElevatorAlert))}
    opened = closed = 0
    for alert in found:
        row = stored.get(alert.key)
        if row is None:
            row = _store(session, pack, alert, now)
            opened += 1
            if alert.closed_at is not None:
                escalate.close(session, MONITOR, alert.key, alert.closed_at)
                closed += 1
        elif row.closed_at is None and alert.closed_at is not None:
            row.closed_at = alert.closed_at
            escalate.close(session, MONITOR, alert.key, alert.closed_at)
            closed += 1
    session.flush()
    open_now = session.scalar(
        select(func.count()).select_from(ElevatorAlert).where(ElevatorAlert.closed_at.is_(None))
    )
    return RunResult(pack.ref, published, len(found), opened, closed, open_now or 0)


def _store(session: Session, pack: Pack, alert: Alert, now: datetime) -> ElevatorAlert:
    rule = pack.rules[alert.rule]
    made = escalate.escalate(
        session,
        escalate.Escalation(
            monitor=MONITOR,
            key=alert.key,
            org=alert.org,
            scenario=SCENARIO,
            rule=f"{MONITOR}.{alert.rule}",
            severity=rule.severity,
            ruleset=pack.ref,
            opened_at=alert.opened_at,
            evidence=alert.evidence,
            title=rule.title,
            legal_basis=rule.legal_basis,
            guidance=None,
        ),
        now=now,
    )
    row = ElevatorAlert(
        id=new_id(),
        key=alert.key,
        rule=f"{MONITOR}.{alert.rule}",
        elevator=alert.elevator,
        org=alert.org,
        role=alert.role,
        severity=str(rule.severity),
        opened_at=alert.opened_at,
        closed_at=alert.closed_at,
        signal_id=made.signal.id,
        pack=pack.ref,
        evidence=alert.evidence,
        found_at=now,
    )
    session.add(row)
    return row


def alert_json(row: ElevatorAlert) -> dict[str, Any]:
    return {
        "id": row.id,
        "key": row.key,
        "rule": row.rule,
        "elevator": row.elevator,
        "org": row.org,
        "role": row.role,
        "severity": row.severity,
        "opened_at": row.opened_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
        "signal": row.signal_id,
        "pack": row.pack,
        "evidence": row.evidence,
    }


def list_alerts(
    session: Session,
    *,
    org: str | None = None,
    rule: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ElevatorAlert]]:
    query = select(ElevatorAlert)
    if org is not None:
        query = query.where(ElevatorAlert.org == org)
    if rule is not None:
        query = query.where(ElevatorAlert.rule == rule)
    if open_only:
        query = query.where(ElevatorAlert.closed_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ElevatorAlert.opened_at.desc(), ElevatorAlert.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def summary(session: Session, org: str | None = None) -> dict[str, Any]:
    """Elevators by state, open alerts by rule, and open maintenance alerts by firm."""
    units = select(ElevatorUnit.state, func.count()).group_by(ElevatorUnit.state)
    if org is not None:
        units = units.where((ElevatorUnit.user_unit == org) | (ElevatorUnit.maintainer == org))
    by_state = {state or "unknown": n for state, n in session.execute(units)}
    alerts = select(ElevatorAlert.rule, func.count()).where(ElevatorAlert.closed_at.is_(None))
    if org is not None:
        alerts = alerts.where(ElevatorAlert.org == org)
    open_by_rule = dict(session.execute(alerts.group_by(ElevatorAlert.rule)).all())
    overdue = (
        select(ElevatorAlert.org, func.count())
        .where(
            ElevatorAlert.closed_at.is_(None),
            ElevatorAlert.rule == f"{MONITOR}.maintenance_overdue",
        )
        .group_by(ElevatorAlert.org)
        .order_by(func.count().desc(), ElevatorAlert.org)
    )
    if org is not None:
        overdue = overdue.where(ElevatorAlert.org == org)
    return {
        "elevators": sum(by_state.values()),
        "by_state": dict(sorted(by_state.items())),
        "open_alerts": dict(sorted(open_by_rule.items())),
        "overdue_maintenance_by_firm": [
            {"org": o, "elevators": n} for o, n in session.execute(overdue)
        ],
    }


def data_as_of(session: Session) -> datetime | None:
    """The newest time any stored record reports (a heartbeat, an event, a visit's end): what a
    batch of files is detected as of when no time is given, so that a district simulated last
    month is not read as if every elevator had gone unmaintained since."""
    newest = [
        session.scalar(select(func.max(ElevatorUnit.state_at))),
        session.scalar(select(func.max(ElevatorEvent.at))),
        session.scalar(select(func.max(ElevatorMaintenance.ended_at))),
    ]
    found = [t for t in newest if t is not None]
    return max(found) if found else None
