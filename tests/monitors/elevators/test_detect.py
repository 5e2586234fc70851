"""Each detector on a planted case and on its honest look-alike, each alert addressed to the
firm the rule names, and closed (with its supervision signal) when its cause ends."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from fairscreen.monitors.elevators import service
from fairscreen.monitors.elevators.models import ElevatorAlert
from fairscreen.monitors.elevators.rules import load_pack
from fairscreen.supervision.offsite.models import SignalRow
from tests.conftest import Database
from tests.monitors.elevators.cases import (
    KEEPER,
    START,
    USER,
    day,
    elevator,
    event,
    load,
    status,
    visit,
)

BAD, GOOD = "31103100000000000001", "31103100000000000002"
PACK = load_pack()


def _run(db: Database, now: datetime) -> dict[str, ElevatorAlert]:
    with db.sessions.begin() as session:
        service.run(session, PACK, now)
    with db.sessions() as session:
        return {a.key: a for a in session.scalars(select(ElevatorAlert))}


def _rules(alerts: dict[str, ElevatorAlert], code: str) -> list[str]:
    return sorted(a.rule for a in alerts.values() if a.elevator == code)


def _visits(code: str, days: list[int]) -> list[dict[str, object]]:
    return [visit(code, day(n)) for n in days]


def test_an_entrapment_answered_late_alerts_the_maintainer(db: Database) -> None:
    trapped = day(3, 10)
    load(
        db,
        [
            elevator(BAD),
            elevator(GOOD),
            *_visits(BAD, [1, 14]),
            *_visits(GOOD, [1, 14]),
            event(BAD, "entrapment", trapped),
            event(BAD, "rescue_arrived", trapped + timedelta(minutes=31)),
            event(GOOD, "entrapment", trapped),
            event(GOOD, "rescue_arrived", trapped + timedelta(minutes=30)),  # just in time
        ],
    )
    alerts = _run(db, day(20))
    assert _rules(alerts, GOOD) == []
    (alert,) = [a for a in alerts.values() if a.elevator == BAD]
    assert alert.rule == "elevators.entrapment_unanswered" and alert.org == KEEPER
    assert alert.opened_at == trapped + timedelta(minutes=30)
    assert alert.closed_at == trapped + timedelta(minutes=31)
    assert alert.evidence["waited_minutes"] == 31 and alert.evidence["limit_minutes"] == 30


def test_an_unanswered_entrapment_stays_open_and_is_serious(db: Database) -> None:
    trapped = day(3, 10)
    load(db, [elevator(BAD), *_visits(BAD, [1]), event(BAD, "entrapment", trapped)])
    alerts = _run(db, trapped + timedelta(minutes=45))
    (alert,) = alerts.values()
    assert alert.closed_at is None and alert.severity == "serious"
    with db.sessions() as session:
        signal = session.get(SignalRow, alert.signal_id)
    assert signal is not None and signal.scenario == "elevator" and signal.org == KEEPER
    assert signal.severity == "serious" and signal.closed_at is None


def test_maintenance_overdue_opens_after_15_days_and_closes_with_the_visit(db: Database) -> None:
    load(
        db,
        [
            elevator(BAD),
            elevator(GOOD),
            *_visits(GOOD, [10, 24]),  # 10 days from the start, then 14 days after the visit
            *_visits(BAD, [10]),
        ],
    )
    now = day(30)
    alerts = _run(db, now)
    assert _rules(alerts, GOOD) == []
    (alert,) = [a for a in alerts.values() if a.elevator == BAD]
    assert alert.rule == "elevators.maintenance_overdue" and alert.org == KEEPER
    assert alert.opened_at == day(10) + timedelta(hours=1, days=15)
    assert alert.closed_at is None and alert.evidence["days_without"] == 19

    # the visit is done: the alert and its signal close at the visit
    load(db, _visits(BAD, [31]))
    alerts = _run(db, day(32))
    closed = alerts[alert.key]
    assert closed.closed_at == day(31)
    with db.sessions() as session:
        signal = session.get(SignalRow, closed.signal_id)
    assert signal is not None and signal.closed_at == day(31)
    assert len(alerts) == 1  # the same breach, not a new one


def test_an_overdue_inspection_goes_to_the_user_unit(db: Database) -> None:
    load(
        db,
        [
            elevator(BAD, inspected_on="2025-09-20"),
            elevator(GOOD, inspected_on="2025-09-20"),
            *_visits(BAD, [1, 14]),
            *_visits(GOOD, [1, 14]),
            {
                "type": "inspection",
                "id": "I-1",
                "elevator": GOOD,
                "on": "2026-09-18",
                "passed": True,
            },
        ],
    )
    alerts = _run(db, day(20))
    assert _rules(alerts, GOOD) == []
    (alert,) = [a for a in alerts.values() if a.elevator == BAD]
    assert alert.rule == "elevators.inspection_overdue"
    assert alert.org == USER and alert.role == "user_unit"
    assert alert.evidence["due_on"] == "2026-09-20"


def test_five_faults_in_30_days_alert_and_four_do_not(db: Database) -> None:
    kinds = ["overspeed", "door_open_while_moving", "power_loss", "over_travel_top", "overspeed"]
    records = [elevator(BAD), elevator(GOOD), *_visits(BAD, [1, 14]), *_visits(GOOD, [1, 14])]
    records += [event(BAD, k, day(2 + 5 * i)) for i, k in enumerate(kinds)]
    records += [event(GOOD, k, day(2 + 5 * i)) for i, k in enumerate(kinds[:4])]
    # an alarm button is not a fault
    records += [event(GOOD, "alarm_button", day(25))]
    load(db, records)
    alerts = _run(db, day(26))
    assert _rules(alerts, GOOD) == []
    (alert,) = [a for a in alerts.values() if a.elevator == BAD]
    assert alert.rule == "elevators.repeated_faults" and alert.org == KEEPER
    assert alert.opened_at == day(22) and alert.evidence["faults"] == 5
    # the window empties 30 days after the first of the last five
    assert alert.closed_at is None
    later = _run(db, day(33))[alert.key]
    assert later.closed_at == day(32)


def test_a_visit_logged_while_carrying_passengers_cannot_be_true(db: Database) -> None:
    load(
        db,
        [
            elevator(BAD),
            elevator(GOOD),
            # the honest visit: the car is in maintenance mode while the technician works
            status(GOOD, day(5, 7), "running", 40),
            status(GOOD, day(5, 9), "maintenance"),
            status(GOOD, day(5, 10), "running", 30),
            status(GOOD, day(18, 9), "maintenance"),
            status(GOOD, day(18, 10), "idle"),
            *_visits(GOOD, [5, 18]),
            # the impossible one: running with passengers from 07:00 straight through the visit
            status(BAD, day(5, 7), "running", 40),
            status(BAD, day(5, 12), "idle"),
            *_visits(BAD, [5]),
            # and one where a loaded heartbeat arrives during the visit
            status(BAD, day(18, 8), "idle"),
            status(BAD, day(18, 9) + timedelta(minutes=20), "running", 55),
            *_visits(BAD, [18]),
        ],
    )
    alerts = _run(db, day(25))
    assert _rules(alerts, GOOD) == []
    found = sorted(
        (a for a in alerts.values() if a.rule == "elevators.impossible_maintenance"),
        key=lambda a: a.opened_at,
    )
    assert [a.elevator for a in found] == [BAD, BAD]
    assert found[0].evidence["running_with_load_at_start"] is True
    assert found[0].evidence["load_percent"] == 40
    assert found[1].evidence["running_with_load_at_start"] is False
    assert found[1].evidence["loaded_heartbeat_during_at"] is not None
    assert all(a.org == KEEPER for a in found)


def test_a_second_run_changes_nothing(db: Database) -> None:
    load(db, [elevator(BAD), *_visits(BAD, [10])])
    first = _run(db, day(40))
    with db.sessions() as session:
        signals = len(session.scalars(select(SignalRow)).all())
    second = _run(db, day(40))
    assert first.keys() == second.keys() and signals == len(first)
    assert min(a.opened_at for a in second.values()) > START
