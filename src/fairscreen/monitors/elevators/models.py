"""The smart-elevator monitor's tables (migration ``0021_elevators``).

- ``elevator_units``: each elevator by its registration code, with its user unit (使用单位) and
  maintenance firm (维保单位), both register firm ids, its location, since when the platform
  watches it, and its latest reported state;
- ``elevator_events``: faults, alarms and rescues (entrapment, stop outside the door zone, ...);
- ``elevator_status``: status heartbeats *when the state changes* (ingest drops a heartbeat that
  repeats the elevator's last state), so months of 10-second heartbeats stay small;
- ``elevator_maintenance``: maintenance visits as the maintenance firm logged them;
- ``elevator_inspections``: periodic (annual) inspections;
- ``elevator_alerts``: what the detectors found, one row per alert key, with the supervision
  signal it became.

Nothing here names a person: elevators, firms and records by their ids.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class ElevatorUnit(Base):
    __tablename__ = "elevator_units"
    __table_args__ = (
        Index("ix_elevator_units_user_unit", "user_unit"),
        Index("ix_elevator_units_maintainer", "maintainer"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # registration code
    user_unit: Mapped[str] = mapped_column(String(64))
    maintainer: Mapped[str] = mapped_column(String(64))
    x: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(200))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    inspected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ElevatorEvent(Base):
    __tablename__ = "elevator_events"
    __table_args__ = (Index("ix_elevator_events_elevator", "elevator", "at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    elevator: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    floor: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ElevatorStatus(Base):
    __tablename__ = "elevator_status"
    __table_args__ = (Index("ix_elevator_status_elevator", "elevator", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    elevator: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(24))
    load: Mapped[int] = mapped_column(Integer)  # per cent of rated load


class ElevatorMaintenance(Base):
    __tablename__ = "elevator_maintenance"
    __table_args__ = (Index("ix_elevator_maintenance_elevator", "elevator", "started_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    elevator: Mapped[str] = mapped_column(String(32))
    firm: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ElevatorInspection(Base):
    __tablename__ = "elevator_inspections"
    __table_args__ = (Index("ix_elevator_inspections_elevator", "elevator", "on"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    elevator: Mapped[str] = mapped_column(String(32))
    on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)


class ElevatorAlert(Base):
    __tablename__ = "elevator_alerts"
    __table_args__ = (
        Index("ix_elevator_alerts_org", "org", "opened_at"),
        Index("ix_elevator_alerts_elevator", "elevator"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(140), unique=True)
    rule: Mapped[str] = mapped_column(String(64))
    elevator: Mapped[str] = mapped_column(String(32))
    org: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # "maintainer" or "user_unit"
    severity: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signal_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pack: Mapped[str] = mapped_column(String(80))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime())
