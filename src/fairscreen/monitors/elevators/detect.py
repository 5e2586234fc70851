"""The detectors: from what is stored, every alert the rule pack defines, as of ``now``.

Each detector reads the whole history and returns alerts with stable keys (the elevator, the
rule, and when the breach began), so a run repeated over the same data finds the same alerts
and a later run closes an alert whose cause has ended (maintenance done, an inspection passed,
a rescue arrived, faults quietened):

- ``entrapment_unanswered``: an entrapment with no ``rescue_arrived`` within the limit; opened
  at the limit, closed when the rescue arrived;
- ``maintenance_overdue``: more than ``days`` between maintenance visits (the first counted
  from when the platform began watching the elevator); opened when the gap exceeded ``days``,
  closed by the next visit;
- ``inspection_overdue``: more than ``days`` since the last passed periodic inspection;
- ``repeated_faults``: ``count`` faults within ``days`` on one elevator; closed when the
  window holds fewer again;
- ``impossible_maintenance``: a visit logged while the elevator reported running with load
  (its state at the start of the visit, or a heartbeat during it).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from fairscreen.monitors.elevators.models import (
    ElevatorEvent,
    ElevatorInspection,
    ElevatorMaintenance,
    ElevatorStatus,
    ElevatorUnit,
)
from fairscreen.monitors.elevators.rules import Pack

MAX_LISTED = 50  # ids listed in one evidence document


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    rule: str  # the pack's rule name (entrapment_unanswered, ...)
    elevator: str
    org: str
    role: str  # "maintainer" or "user_unit"
    opened_at: datetime
    closed_at: datetime | None
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Unit:
    user_unit: str
    maintainer: str
    since: datetime
    inspected_on: date | None


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def detect(session: Session, pack: Pack, now: datetime) -> list[Alert]:
    units = {
        row.id: _Unit(row.user_unit, row.maintainer, row.since, row.inspected_on)
        for row in session.scalars(select(ElevatorUnit))
    }
    found: list[Alert] = []
    for detector in (_entrapments, _maintenance, _inspections, _faults, _impossible):
        found.extend(detector(session, pack, now, units))
    return found


def _alert(
    pack: Pack,
    rule: str,
    elevator: str,
    unit: _Unit,
    since: str,
    opened: datetime,
    closed: datetime | None,
    now: datetime,
    evidence: dict[str, Any],
    org: str | None = None,
) -> Alert:
    role = pack.rules[rule].to
    who = org or (unit.maintainer if role == "maintainer" else unit.user_unit)
    if closed is not None and closed > now:
        closed = None
    doc = {
        "rule": f"elevators.{rule}",
        "pack": pack.ref,
        "elevator": elevator,
        "firm": who,
        "role": role,
        "opened_at": iso(opened),
        **evidence,
    }
    return Alert(f"{elevator}:{rule}:{since}", rule, elevator, who, role, opened, closed, doc)


def _entrapments(
    session: Session, pack: Pack, now: datetime, units: dict[str, _Unit]
) -> Iterator[Alert]:
    limit = timedelta(minutes=pack.setting("entrapment_unanswered", "minutes"))
    waiting: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    rows = session.execute(
        select(ElevatorEvent.id, ElevatorEvent.elevator, ElevatorEvent.kind, ElevatorEvent.at)
        .where(ElevatorEvent.kind.in_(("entrapment", "rescue_arrived")))
        .order_by(ElevatorEvent.elevator, ElevatorEvent.at, ElevatorEvent.id)
    )

    def late(
        elevator: str, event: str, at: datetime, arrived: datetime | None, by: str | None
    ) -> Alert | None:
        if (arrived or now) - at <= limit:
            return None
        waited = (arrived or now) - at
        return _alert(
            pack,
            "entrapment_unanswered",
            elevator,
            units[elevator],
            _stamp(at),
            at + limit,
            arrived,
            now,
            {
                "event": event,
                "trapped_at": iso(at),
                "rescue_arrived_at": iso(arrived) if arrived else None,
                "rescue_event": by,
                "limit_minutes": limit // timedelta(minutes=1),
                "waited_minutes": waited // timedelta(minutes=1),
            },
        )

    for event, elevator, kind, at in rows:
        if kind == "entrapment":
            waiting[elevator].append((event, at))
            continue
        for trapped, trapped_at in waiting.pop(elevator, []):
            alert = late(elevator, trapped, trapped_at, at, event)
            if alert is not None:
                yield alert
    for elevator, open_ in waiting.items():
        for trapped, trapped_at in open_:
            alert = late(elevator, trapped, trapped_at, None, None)
            if alert is not None:
                yield alert


def _maintenance(
    session: Session, pack: Pack, now: datetime, units: dict[str, _Unit]
) -> Iterator[Alert]:
    days = pack.setting("maintenance_overdue", "days")
    every = timedelta(days=days)
    visits: dict[str, list[tuple[str, datetime, datetime]]] = defaultdict(list)
    for row_id, row_elevator, row_start, row_end in session.execute(
        select(
            ElevatorMaintenance.id,
            ElevatorMaintenance.elevator,
            ElevatorMaintenance.started_at,
            ElevatorMaintenance.ended_at,
        ).order_by(ElevatorMaintenance.elevator, ElevatorMaintenance.started_at)
    ):
        visits[row_elevator].append((row_id, row_start, row_end))
    for elevator, unit in units.items():
        last: datetime = unit.since
        last_id: str | None = None
        sequence: list[tuple[str | None, datetime | None, datetime | None]] = [
            *visits.get(elevator, []),
            (None, None, None),
        ]
        for vid, start, end in sequence:
            upto = start or now
            if upto - last > every:
                due = last + every
                yield _alert(
                    pack,
                    "maintenance_overdue",
                    elevator,
                    unit,
                    due.date().isoformat(),
                    due,
                    start,
                    now,
                    {
                        "last_visit": last_id,
                        "last_visit_ended_at": iso(last) if last_id else None,
                        "watched_since": iso(unit.since),
                        "due_at": iso(due),
                        "next_visit": vid,
                        "next_visit_at": iso(start) if start else None,
                        "limit_days": days,
                        "days_without": (upto - last) // timedelta(days=1),
                    },
                )
            if start is not None and end is not None and end > last:
                last, last_id = end, vid


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _inspections(
    session: Session, pack: Pack, now: datetime, units: dict[str, _Unit]
) -> Iterator[Alert]:
    days = pack.setting("inspection_overdue", "days")
    passed: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for row_id, row_elevator, row_on in session.execute(
        select(ElevatorInspection.id, ElevatorInspection.elevator, ElevatorInspection.on)
        .where(ElevatorInspection.passed.is_(True))
        .order_by(ElevatorInspection.elevator, ElevatorInspection.on)
    ):
        passed[row_elevator].append((row_id, row_on))
    today = now.astimezone(UTC).date()
    for elevator, unit in units.items():
        last: date = unit.inspected_on or unit.since.astimezone(UTC).date()
        last_id = None
        dates: list[tuple[str | None, date | None]] = [*passed.get(elevator, []), (None, None)]
        for iid, on in dates:
            upto = on or today
            due = last + timedelta(days=days)
            if upto > due:
                yield _alert(
                    pack,
                    "inspection_overdue",
                    elevator,
                    unit,
                    due.isoformat(),
                    _midnight(due),
                    _midnight(on) if on else None,
                    now,
                    {
                        "last_inspection": last_id,
                        "last_inspected_on": last.isoformat(),
                        "due_on": due.isoformat(),
                        "next_inspection": iid,
                        "inspected_on": on.isoformat() if on else None,
                        "interval_days": days,
                    },
                )
            if on is not None and on > last:
                last, last_id = on, iid


def _faults(
    session: Session, pack: Pack, now: datetime, units: dict[str, _Unit]
) -> Iterator[Alert]:
    count = pack.setting("repeated_faults", "count")
    days = pack.setting("repeated_faults", "days")
    window = timedelta(days=days)
    by_elevator: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for eid, elevator, kind, at in session.execute(
        select(ElevatorEvent.id, ElevatorEvent.elevator, ElevatorEvent.kind, ElevatorEvent.at)
        .where(ElevatorEvent.kind.in_(sorted(pack.faults)))
        .order_by(ElevatorEvent.elevator, ElevatorEvent.at, ElevatorEvent.id)
    ):
        by_elevator[elevator].append((eid, kind, at))
    for elevator, events in by_elevator.items():
        recent: deque[tuple[str, str, datetime]] = deque()
        cluster: list[tuple[str, str, datetime]] = []
        ends: datetime | None = None
        for event in [*events, None]:
            if event is not None:
                while recent and event[2] - recent[0][2] >= window:
                    recent.popleft()
            if cluster and (event is None or (ends is not None and event[2] >= ends)):
                yield _fault_alert(pack, elevator, units[elevator], cluster, ends, now, days)
                cluster, ends = [], None
            if event is None:
                break
            recent.append(event)
            if len(recent) >= count:
                seen = {e[0] for e in cluster}
                cluster.extend(e for e in recent if e[0] not in seen)
                ends = recent[-count][2] + window


def _fault_alert(
    pack: Pack,
    elevator: str,
    unit: _Unit,
    cluster: list[tuple[str, str, datetime]],
    ends: datetime | None,
    now: datetime,
    days: int,
) -> Alert:
    count = pack.setting("repeated_faults", "count")
    opened = cluster[count - 1][2]
    kinds: dict[str, int] = defaultdict(int)
    for _, kind, _ in cluster:
        kinds[kind] += 1
    return _alert(
        pack,
        "repeated_faults",
        elevator,
        unit,
        _stamp(cluster[0][2]),
        opened,
        ends,
        now,
        {
            "faults": len(cluster),
            "kinds": dict(sorted(kinds.items())),
            "first_at": iso(cluster[0][2]),
            "last_at": iso(cluster[-1][2]),
            "events": [e[0] for e in cluster[:MAX_LISTED]],
            "threshold": count,
            "window_days": days,
        },
    )


def _impossible(
    session: Session, pack: Pack, now: datetime, units: dict[str, _Unit]
) -> Iterator[Alert]:
    m = ElevatorMaintenance
    before = aliased(ElevatorStatus)
    during = aliased(ElevatorStatus)
    last_before = (
        select(before.id)
        .where(before.elevator == m.elevator, before.at <= m.started_at)
        .order_by(before.at.desc(), before.id.desc())
        .limit(1)
        .correlate(m)
        .scalar_subquery()
    )
    s = aliased(ElevatorStatus)
    loaded_during = exists().where(
        during.elevator == m.elevator,
        during.at > m.started_at,
        during.at < m.ended_at,
        during.state == "running",
        during.load > 0,
    )
    first_loaded = (
        select(during.at)
        .where(
            during.elevator == m.elevator,
            during.at > m.started_at,
            during.at < m.ended_at,
            during.state == "running",
            during.load > 0,
        )
        .order_by(during.at)
        .limit(1)
        .correlate(m)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            m.id, m.elevator, m.firm, m.started_at, m.ended_at, s.at, s.state, s.load, first_loaded
        )
        .outerjoin(s, s.id == last_before)
        .where((and_(s.state == "running", s.load > 0)) | loaded_during)
        .order_by(m.elevator, m.started_at)
    )
    for vid, elevator, firm, start, end, at, state, load, during_at in rows:
        at_start = state == "running" and (load or 0) > 0
        yield _alert(
            pack,
            "impossible_maintenance",
            elevator,
            units[elevator],
            vid,
            start,
            end,
            now,
            {
                "visit": vid,
                "visit_started_at": iso(start),
                "visit_ended_at": iso(end),
                "running_with_load_at_start": at_start,
                "state_since": iso(at) if at_start and at else None,
                "load_percent": load if at_start else None,
                "loaded_heartbeat_during_at": iso(during_at) if during_at else None,
            },
            org=firm,
        )
