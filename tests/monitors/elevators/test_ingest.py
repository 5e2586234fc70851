"""Ingest keeps state changes only, stores a record once however often it is sent, and refuses
a record for an unknown elevator with its line, writing nothing of that input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.monitors.elevators.models import ElevatorEvent, ElevatorStatus, ElevatorUnit
from fairscreen.monitors.elevators.records import parse
from tests.conftest import Database
from tests.monitors.elevators.cases import day, elevator, event, load, status, visit

CODE = "31103100000000000001"


def test_heartbeats_are_kept_when_the_state_changes(db: Database) -> None:
    beats = [
        status(CODE, day(0, 0), "idle"),
        status(CODE, day(0, 0) + timedelta(seconds=10), "idle"),
        status(CODE, day(0, 7), "running", 30),
        status(CODE, day(0, 7) + timedelta(seconds=10), "running", 60),  # still loaded
        status(CODE, day(0, 8), "running", 0),  # empty now: a change
        status(CODE, day(0, 22), "out_of_service"),
    ]
    counts = load(db, [elevator(CODE), *beats])
    assert counts.heartbeats == 6 and counts.state_changes == 4
    again = load(db, [*beats, status(CODE, day(1, 0), "out_of_service")])
    assert again.state_changes == 0  # nothing newer changed the state
    with db.sessions() as session:
        states = session.scalars(select(ElevatorStatus.state).order_by(ElevatorStatus.at)).all()
        unit = session.get(ElevatorUnit, CODE)
    assert states == ["idle", "running", "running", "out_of_service"]
    assert unit is not None and unit.state == "out_of_service" and unit.state_at == day(0, 22)


def test_a_record_sent_twice_is_stored_once(db: Database) -> None:
    records = [elevator(CODE), event(CODE, "overspeed", day(1)), visit(CODE, day(2))]
    first = load(db, records)
    second = load(db, records)
    assert (first.events, first.maintenance, first.skipped) == (1, 1, 0)
    assert (second.events, second.maintenance, second.skipped) == (0, 0, 2)


def test_an_unknown_elevator_is_refused_with_its_line_and_nothing_written(db: Database) -> None:
    with pytest.raises(NotFoundError, match=r"case:3: elevator: no elevator 'X-9'"):
        load(
            db,
            [elevator(CODE), event(CODE, "overspeed", day(1)), event("X-9", "overspeed", day(1))],
        )
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ElevatorEvent)) == 0
        assert session.get(ElevatorUnit, CODE) is None


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (
            {
                "type": "event",
                "id": "e",
                "elevator": CODE,
                "kind": "fire",
                "at": "2026-10-01T00:00Z",
            },
            "kind",
        ),
        ({"type": "status", "elevator": CODE, "at": "2026-10-01T00:00:00", "state": "idle"}, "at"),
        ({"type": "lift"}, "type"),
    ],
)
def test_bad_records_name_the_field(record: dict[str, object], field: str) -> None:
    with pytest.raises(InputError, match=f"here: {field}"):
        parse(record, "here")


def test_a_visit_ending_before_it_starts_is_refused() -> None:
    bad = visit(CODE, day(2)) | {"ended_at": day(1).isoformat()}
    with pytest.raises(ConflictError, match="here: ended_at"):
        parse(bad, "here")


def test_an_elevator_twice_in_one_input_is_stored_once_as_last_sent(db: Database) -> None:
    counts = load(db, [elevator(CODE), elevator(CODE, place="building 2")])
    assert counts.elevators == 2
    with db.sessions() as session:
        unit = session.get(ElevatorUnit, CODE)
    assert unit is not None and unit.place == "building 2"


def test_a_time_outside_the_years_a_record_can_have_is_refused() -> None:
    far = event(CODE, "overspeed", day(1)) | {"at": "0001-01-01T00:00:00+23:59"}
    with pytest.raises((InputError, ConflictError), match="here: at"):
        parse(far, "here")
    late = event(CODE, "overspeed", day(1)) | {"at": "2101-01-01T00:00:00+08:00"}
    with pytest.raises(ConflictError, match="here: at: a year from 2000"):
        parse(late, "here")


def test_a_batch_is_detected_as_of_its_newest_record(db: Database) -> None:
    # `monitor elevators run` without --now detects as of this: a district simulated last month
    # must not read as if every elevator had gone unmaintained since
    from fairscreen.monitors.elevators.service import data_as_of

    with db.sessions() as session:
        assert data_as_of(session) is None
    load(
        db,
        [
            elevator(CODE),
            status(CODE, day(3, 8), "idle"),
            event(CODE, "alarm_button", day(5, 10)),
            visit(CODE, day(4, 9), minutes=90),
        ],
    )
    with db.sessions() as session:
        assert data_as_of(session) == day(5, 10)
    load(db, [visit(CODE, day(6, 9), minutes=30)])
    with db.sessions() as session:
        assert data_as_of(session) == day(6, 9) + timedelta(minutes=30)
