"""Hand-built elevator records for the detector tests: one elevator at a time, with times as
offsets from a fixed start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from fairscreen.monitors.elevators.ingest import Counts, ingest
from fairscreen.monitors.elevators.records import parse
from tests.conftest import Database

START = datetime(2026, 10, 1, tzinfo=UTC)
USER = "F000100"
KEEPER = "F000200"


def iso(at: datetime) -> str:
    return at.isoformat()


def elevator(code: str, *, user: str = USER, keeper: str = KEEPER, **over: Any) -> dict[str, Any]:
    return {
        "type": "elevator",
        "id": code,
        "user_unit": user,
        "maintainer": keeper,
        "x": 100,
        "y": 200,
        "place": "building 1",
        "since": iso(START),
        "inspected_on": "2026-06-01",
    } | over


def event(code: str, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "type": "event",
        "id": f"E-{code}-{at:%Y%m%d%H%M%S}-{kind}",
        "elevator": code,
        "kind": kind,
        "at": iso(at),
    }


def status(code: str, at: datetime, state: str, load: int = 0) -> dict[str, Any]:
    return {"type": "status", "elevator": code, "at": iso(at), "state": state, "load": load}


def visit(code: str, start: datetime, minutes: int = 60, firm: str = KEEPER) -> dict[str, Any]:
    return {
        "type": "maintenance",
        "id": f"M-{code}-{start:%Y%m%d%H%M}",
        "elevator": code,
        "firm": firm,
        "kind": "half_month",
        "started_at": iso(start),
        "ended_at": iso(start + timedelta(minutes=minutes)),
    }


def day(n: int, hour: int = 9) -> datetime:
    return START + timedelta(days=n, hours=hour)


def load(db: Database, records: Iterable[dict[str, Any]]) -> Counts:
    with db.sessions.begin() as session:
        return ingest(
            session, ((f"case:{i}", parse(r, f"case:{i}")) for i, r in enumerate(records, 1))
        )
