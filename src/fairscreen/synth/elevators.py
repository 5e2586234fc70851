"""A synthetic district's elevators over months, for the smart-elevator monitor.

``simulate(elevators, days, seed, start, register)`` yields the platform's records (JSON-ready
dicts in the format of ``fairscreen.monitors.elevators.records``): first every elevator, then
each elevator's heartbeats, events, maintenance visits and inspections in time order; and
``planted(...)`` says which firms and elevators were made to break a rule, so a test or a bench
can check the detectors against them.

Firms: with a city register (``fairscreen supervision city``), the user units (使用单位) are its
firms supervised under ``elevator`` whose main business is something else (property
management, hotels, supermarkets) and the maintenance firms (维保单位) those whose main
scenario is ``elevator``; with none, firm ids in the register's format (``F`` and six digits).

Planted, deterministic for a seed: the first maintenance firm skips visits (gaps of 20 to 35
days) and arrives late at entrapments; the second logs visits while the elevator carries
passengers; the first user unit lets its elevators' annual inspection lapse; one elevator in
500 (at least one) has a burst of faults. Everyone else is honest: visits every 10 to 14 days
with the elevator in maintenance mode, rescues within 25 minutes, inspections on time.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fairscreen.supervision.register import Register

WIDTH, HEIGHT = 24_000, 16_000
FAULTS = (
    "stop_outside_door_zone",
    "door_open_while_moving",
    "overspeed",
    "over_travel_top",
    "over_travel_bottom",
    "power_loss",
)


@dataclass(frozen=True, slots=True)
class Firms:
    user_units: list[tuple[str, int, int]]  # id, x, y
    maintainers: list[str]


@dataclass(frozen=True, slots=True)
class Planted:
    skipping_maintainer: str  # skips visits, late at entrapments
    impossible_maintainer: str  # logs visits while the elevator runs with passengers
    lapsed_user_unit: str  # lets the annual inspection lapse
    faulty_elevators: tuple[str, ...]  # bursts of faults

    def as_json(self) -> dict[str, Any]:
        return {
            "skipping_maintainer": self.skipping_maintainer,
            "impossible_maintainer": self.impossible_maintainer,
            "lapsed_user_unit": self.lapsed_user_unit,
            "faulty_elevators": list(self.faulty_elevators),
        }


def _stream(seed: int, *parts: object) -> random.Random:
    key = "/".join(str(p) for p in (seed, *parts)).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def firms(elevators: int, seed: int, register: Register | None) -> Firms:
    if register is not None:
        users = [
            (f.id, f.x, f.y)
            for f in register.firms.values()
            if "elevator" in f.scenarios and f.scenarios[0] != "elevator"
        ]
        keepers = [f.id for f in register.firms.values() if f.scenarios[0] == "elevator"]
        if not users or len(keepers) < 2:
            from fairscreen.kit.errors import InputError

            raise InputError(
                "register",
                f"{len(users)} user units and {len(keepers)} maintenance firms under 'elevator': "
                "the simulator needs at least one and two (generate a bigger city)",
            )
        return Firms(sorted(users), sorted(keepers))
    rng = _stream(seed, "firms")
    count_users = max(2, elevators // 12)
    count_keepers = max(3, elevators // 300)
    users = [
        (f"F{900_000 + i:06d}", rng.randrange(WIDTH), rng.randrange(HEIGHT))
        for i in range(count_users)
    ]
    keepers = [f"F{990_000 + i:06d}" for i in range(count_keepers)]
    return Firms(users, keepers)


def code(index: int) -> str:
    """A registration code (注册代码) shaped like the 20-digit ones: made up."""
    return f"3110310{index:013d}"


def _assign(index: int, seed: int, firm_set: Firms) -> tuple[str, int, int, str]:
    rng = _stream(seed, "elevator", index)
    # the first elevators go to the planted firms so that even a small district has them
    user = firm_set.user_units[index % len(firm_set.user_units)]
    keeper = firm_set.maintainers[index % len(firm_set.maintainers)]
    x = min(WIDTH - 1, max(0, user[1] + rng.randrange(-80, 81)))
    y = min(HEIGHT - 1, max(0, user[2] + rng.randrange(-80, 81)))
    return user[0], x, y, keeper


def planted(elevators: int, seed: int, register: Register | None) -> Planted:
    firm_set = firms(elevators, seed, register)
    faulty = tuple(code(i) for i in range(3, elevators, 500)) or (code(0),)
    return Planted(
        skipping_maintainer=firm_set.maintainers[0],
        impossible_maintainer=firm_set.maintainers[1],
        lapsed_user_unit=firm_set.user_units[0][0],
        faulty_elevators=faulty,
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def simulate(
    elevators: int,
    days: int,
    seed: int,
    start: date,
    register: Register | None = None,
) -> Iterator[dict[str, Any]]:
    firm_set = firms(elevators, seed, register)
    plant = planted(elevators, seed, register)
    since = _at(start, 0)
    units = [_assign(i, seed, firm_set) for i in range(elevators)]
    for i, (user, x, y, keeper) in enumerate(units):
        rng = _stream(seed, "unit", i)
        lapsed = user == plant.lapsed_user_unit
        last_inspection = start - timedelta(days=355 if lapsed else rng.randrange(30, 330))
        yield {
            "type": "elevator",
            "id": code(i),
            "user_unit": user,
            "maintainer": keeper,
            "x": x,
            "y": y,
            "place": f"building {i // 4 + 1}, car {i % 4 + 1}",
            "since": _iso(since),
            "inspected_on": last_inspection.isoformat(),
        }
    for i, (user, _, _, keeper) in enumerate(units):
        yield from _elevator(i, user, keeper, days, seed, start, plant)


def _elevator(
    index: int, user: str, keeper: str, days: int, seed: int, start: date, plant: Planted
) -> Iterator[dict[str, Any]]:
    rng = _stream(seed, "history", index)
    elevator = code(index)
    skipping = keeper == plant.skipping_maintainer
    fake = keeper == plant.impossible_maintainer
    lapsed = user == plant.lapsed_user_unit
    end = start + timedelta(days=days)
    out: list[tuple[datetime, int, dict[str, Any]]] = []
    n = 0

    def add(at: datetime, record: dict[str, Any]) -> None:
        nonlocal n
        n += 1
        out.append((at, n, record))

    def status(at: datetime, state: str, load: int) -> None:
        add(
            at,
            {"type": "status", "elevator": elevator, "at": _iso(at), "state": state, "load": load},
        )

    # the day: idle at night, running from 07:00 to 22:00 with a heartbeat at noon (a repeat,
    # which ingest drops)
    visits: dict[date, tuple[datetime, datetime, bool]] = {}
    day = start + timedelta(days=rng.randrange(0, 10))
    while day < end:
        begin = _at(day, 9, rng.randrange(0, 60))
        finish = begin + timedelta(minutes=rng.randrange(45, 90))
        lie = fake and rng.random() < 0.4
        visits[day] = (begin, finish, lie)
        gap = rng.randrange(20, 36) if skipping else rng.randrange(10, 15)
        day += timedelta(days=gap)
    for offset in range(days):
        day = start + timedelta(days=offset)
        status(_at(day, 0), "idle", 0)
        status(_at(day, 7), "running", rng.randrange(10, 80))
        status(_at(day, 12), "running", rng.randrange(10, 80))
        visit = visits.get(day)
        if visit is not None:
            begin, finish, lie = visit
            vid = f"M-{elevator}-{begin:%Y%m%d}"
            add(
                begin,
                {
                    "type": "maintenance",
                    "id": vid,
                    "elevator": elevator,
                    "firm": keeper,
                    "kind": "half_month",
                    "started_at": _iso(begin),
                    "ended_at": _iso(finish),
                },
            )
            if lie:  # the elevator carried passengers all along
                status(begin + timedelta(minutes=5), "running", rng.randrange(20, 80))
            else:
                status(begin, "maintenance", 0)
                status(finish, "running", rng.randrange(10, 80))
        status(_at(day, 22), "idle", 0)
    # faults and entrapments: rare for everyone, a burst for the planted elevators
    for offset in range(days):
        day = start + timedelta(days=offset)
        if rng.random() < 0.01:
            at = _at(day, rng.randrange(8, 21), rng.randrange(60))
            add(at, _event(elevator, rng.choice(FAULTS), at))
        if rng.random() < 0.004:
            at = _at(day, rng.randrange(8, 21), rng.randrange(60))
            add(at, _event(elevator, "alarm_button", at))
            add(
                at + timedelta(seconds=5), _event(elevator, "entrapment", at + timedelta(seconds=5))
            )
            wait = rng.randrange(35, 70) if skipping else rng.randrange(8, 25)
            arrived = at + timedelta(minutes=wait)
            add(arrived, _event(elevator, "rescue_arrived", arrived))
    if elevator in plant.faulty_elevators and days > 20:
        first = _at(start + timedelta(days=days // 2), 8)
        for k in range(8):
            at = first + timedelta(hours=19 * k)
            add(at, _event(elevator, rng.choice(FAULTS), at))
    # the annual inspection, a little before a year after the last (the lapsed user unit's never)
    inspected = _stream(seed, "unit", index).randrange(30, 330)  # as in ``simulate``
    day = start - timedelta(days=inspected) + timedelta(days=365 - rng.randrange(1, 20))
    if not lapsed and start <= day < end:
        add(
            _at(day, 10),
            {
                "type": "inspection",
                "id": f"I-{elevator}-{day:%Y%m%d}",
                "elevator": elevator,
                "on": day.isoformat(),
                "passed": True,
            },
        )
    out.sort(key=lambda item: (item[0], item[1]))
    for _, _, record in out:
        yield record


def _event(elevator: str, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "type": "event",
        "id": f"E-{elevator}-{at:%Y%m%d%H%M%S}-{kind}",
        "elevator": elevator,
        "kind": kind,
        "at": _iso(at),
    }
