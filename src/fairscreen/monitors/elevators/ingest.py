"""Records into the database, in the caller's transaction (all of a file or nothing).

- an ``elevator`` is inserted, or its firms, place and location updated;
- an ``event``, ``maintenance`` or ``inspection`` already stored under its id is skipped (a
  file sent twice is stored once);
- a ``status`` heartbeat is stored only when it changes the elevator's state (running with or
  without load, idle, out of service, maintenance): a platform reporting every 10 seconds sends
  mostly repeats. A heartbeat not newer than the elevator's last stored one is ignored.

A record naming an elevator neither stored nor earlier in the input is refused, with its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairscreen.kit.db import bulk_insert
from fairscreen.kit.errors import NotFoundError
from fairscreen.monitors.elevators.models import (
    ElevatorEvent,
    ElevatorInspection,
    ElevatorMaintenance,
    ElevatorStatus,
    ElevatorUnit,
)
from fairscreen.monitors.elevators.records import (
    Elevator,
    Event,
    Inspection,
    Maintenance,
    Record,
    Status,
)

BATCH = 5_000


@dataclass
class Counts:
    elevators: int = 0
    events: int = 0
    heartbeats: int = 0
    state_changes: int = 0
    maintenance: int = 0
    inspections: int = 0
    skipped: int = 0

    def as_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Known:
    """What ingest knows of each elevator: its latest state (state, loaded) and when."""

    state: dict[str, tuple[str, bool, datetime | None]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)


def _loaded(state: str, load: int) -> bool:
    return state == "running" and load > 0


def ingest(session: Session, records: Iterable[tuple[str, Record]]) -> Counts:
    """Store ``records`` (each with where it came from, for errors). Returns what was stored."""
    counts = Counts()
    known = _Known()
    for unit in session.execute(
        select(
            ElevatorUnit.id, ElevatorUnit.state, ElevatorStatus.load, ElevatorUnit.state_at
        ).outerjoin(
            ElevatorStatus,
            (ElevatorStatus.elevator == ElevatorUnit.id)
            & (ElevatorStatus.at == ElevatorUnit.state_at),
        )
    ):
        elevator, state, load, at = unit
        known.state[elevator] = (state or "", _loaded(state or "", load or 0), at)
    pending: dict[type[Any], list[tuple[str, Record]]] = {
        Event: [],
        Maintenance: [],
        Inspection: [],
    }
    statuses: list[dict[str, Any]] = []
    units: list[dict[str, Any]] = []
    for where, record in records:
        if isinstance(record, Elevator):
            _elevator(session, record, known, units, counts)
            continue
        if record.elevator not in known.state:
            raise NotFoundError(f"{where}: elevator: no elevator {record.elevator!r} is registered")
        if isinstance(record, Status):
            counts.heartbeats += 1
            state, loaded, at = known.state[record.elevator]
            now_loaded = _loaded(record.state, record.load)
            if at is not None and record.at <= at:
                continue
            if (record.state, now_loaded) == (state, loaded):
                continue
            known.state[record.elevator] = (record.state, now_loaded, record.at)
            known.changed.add(record.elevator)
            statuses.append(
                {
                    "elevator": record.elevator,
                    "at": record.at,
                    "state": record.state,
                    "load": record.load,
                }
            )
        else:
            pending[type(record)].append((where, record))
        if (
            len(statuses) >= BATCH
            or len(units) >= BATCH
            or any(len(v) >= BATCH for v in pending.values())
        ):
            _flush(session, units, pending, statuses, counts)
    _flush(session, units, pending, statuses, counts)
    if known.changed:
        session.execute(
            update(ElevatorUnit),
            [
                {"id": e, "state": known.state[e][0], "state_at": known.state[e][2]}
                for e in sorted(known.changed)
            ],
        )
    return counts


def _elevator(
    session: Session,
    record: Elevator,
    known: _Known,
    units: list[dict[str, Any]],
    counts: Counts,
) -> None:
    values = {
        "user_unit": record.user_unit,
        "maintainer": record.maintainer,
        "x": record.x,
        "y": record.y,
        "place": record.place,
        "since": record.since,
        "inspected_on": record.inspected_on,
    }
    waiting = next((u for u in units if u["id"] == record.id), None)
    if waiting is not None:  # the same elevator twice in one input: the later wins
        waiting.update(values)
    elif record.id in known.state:
        session.execute(update(ElevatorUnit).where(ElevatorUnit.id == record.id).values(values))
    else:
        units.append({"id": record.id, "state": None, "state_at": None, **values})
        known.state[record.id] = ("", False, None)
    counts.elevators += 1


def _flush(
    session: Session,
    units: list[dict[str, Any]],
    pending: dict[type[Any], list[tuple[str, Record]]],
    statuses: list[dict[str, Any]],
    counts: Counts,
) -> None:
    if units:
        bulk_insert(session, ElevatorUnit, units)
        units.clear()
    if statuses:
        bulk_insert(session, ElevatorStatus, statuses)
        counts.state_changes += len(statuses)
        statuses.clear()
    for kind, model, rows_of in (
        (Event, ElevatorEvent, _event_row),
        (Maintenance, ElevatorMaintenance, _maintenance_row),
        (Inspection, ElevatorInspection, _inspection_row),
    ):
        batch = pending[kind]
        if not batch:
            continue
        ids = {r.id for _, r in batch}  # type: ignore[union-attr]
        stored = set(session.scalars(select(model.id).where(model.id.in_(ids))))
        rows: dict[str, dict[str, Any]] = {}
        for _, record in batch:
            rid = record.id  # type: ignore[union-attr]
            if rid in stored or rid in rows:
                counts.skipped += 1
                continue
            rows[rid] = rows_of(record)
        bulk_insert(session, model, list(rows.values()))
        if kind is Event:
            counts.events += len(rows)
        elif kind is Maintenance:
            counts.maintenance += len(rows)
        else:
            counts.inspections += len(rows)
        batch.clear()


def _event_row(r: Any) -> dict[str, Any]:
    return {"id": r.id, "elevator": r.elevator, "kind": r.kind, "at": r.at, "floor": r.floor}


def _maintenance_row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "elevator": r.elevator,
        "firm": r.firm,
        "kind": r.kind,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
    }


def _inspection_row(r: Any) -> dict[str, Any]:
    return {"id": r.id, "elevator": r.elevator, "on": r.on, "passed": r.passed}
