"""The livestream monitor's tables (migration ``0022_livestream``): the rooms ingested and the
alerts raised in them. Neither is committed to the ledger: an alert that escalates is, through
``monitor_evidence`` (``monitors.escalate``). A room names its host by a pseudonymous id only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class LivestreamRoom(Base):
    __tablename__ = "livestream_rooms"
    __table_args__ = (Index("ix_livestream_rooms_firm", "firm", "started_at"),)

    room: Mapped[str] = mapped_column(String(64), primary_key=True)
    firm: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(48))  # pseudonymous (H-...)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ad_label: Mapped[bool] = mapped_column(Boolean)
    listings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    segments: Mapped[int] = mapped_column(Integer)  # how many segments were read
    last_ms: Mapped[int] = mapped_column(BigInteger)  # the end of the last segment
    pack: Mapped[str] = mapped_column(String(80))  # id@version
    detector: Mapped[str] = mapped_column(String(40))
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LivestreamAlert(Base):
    __tablename__ = "livestream_alerts"
    __table_args__ = (
        Index("ix_livestream_alerts_firm", "firm", "raised_at"),
        Index("ix_livestream_alerts_room", "room", "rule"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    room: Mapped[str] = mapped_column(String(64))
    firm: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    segment: Mapped[int | None] = mapped_column(Integer, nullable=True)
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    said_at: Mapped[datetime] = mapped_column(UTCDateTime())  # room start + start_ms
    text: Mapped[str] = mapped_column(Text)
    matched: Mapped[str] = mapped_column(String(120))
    product: Mapped[str | None] = mapped_column(String(120), nullable=True)
    detector: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    pack: Mapped[str] = mapped_column(String(80))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified: Mapped[int] = mapped_column(Integer)  # webhook messages queued for the firm
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    signal_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    escalated: Mapped[str | None] = mapped_column(String(16), nullable=True)  # repeated|ignored
