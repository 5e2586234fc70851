"""The inspection codes' tables (migration ``0017_supervision_signals``): visits with their
signed codes, the findings an inspector recorded, and the firms' feedback."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class InspectionVisit(Base):
    """A visit (the plan's output, or one an inspector adds) and its code: ``note`` is the
    signed C2SP note the QR code carries, ``code`` the short code derived from its signature."""

    __tablename__ = "inspection_visits"
    __table_args__ = (Index("ix_inspection_visits_org", "org"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org: Mapped[str] = mapped_column(String(64))
    scenarios: Mapped[list[str]] = mapped_column(JSON)
    team: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    code: Mapped[str] = mapped_column(String(16), unique=True)
    note: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InspectionFinding(Base):
    """What an inspector found on a visit: the rule broken, a 普法碼 guidance code, and the
    inspector's own words to the firm (about the firm's process, never about a person)."""

    __tablename__ = "inspection_findings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("inspection_visits.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    guidance: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InspectionFeedback(Base):
    """The firm's feedback on a visit: a rating 1 to 5 and words."""

    __tablename__ = "inspection_feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("inspection_visits.id"), index=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(80))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
