"""The table every monitor escalates through (migration ``0020_monitor_evidence``): one row per
supervision signal a monitor raised, holding the evidence document the signal rests on.

The row is committed to the ledger (``monitor.signalled``) and the entry carries the document's
SHA-256, never the document: whoever is handed the document (the firm, an inspector) checks it
against the entry, and the entry against a signed checkpoint (``supervision.offsite.evidence``).
A document names firms, rooms, elevators, cameras and rules by their ids; never a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType


class MonitorEvidence(Base, Committed):
    __committed__ = ("monitor", "org", "scenario", "rule", "digest", "observed_at")
    __events__ = (EventType.MONITOR_SIGNALLED,)
    __tablename__ = "monitor_evidence"
    __table_args__ = (Index("ix_monitor_evidence_org", "org", "observed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    signal_key: Mapped[str] = mapped_column(String(160), unique=True)
    monitor: Mapped[str] = mapped_column(String(24))
    org: Mapped[str] = mapped_column(String(64))
    scenario: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of ``document``
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    document: Mapped[str] = mapped_column(Text)  # canonical JSON
