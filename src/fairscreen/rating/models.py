from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, Sealed, UTCDateTime
from fairscreen.ledger.entry import EventType


class Report(Base, Committed):
    """The issued result of a check request, one row per version (a dispute's reinvestigation
    issues a new version). Everything the report says is sealed in ``content_ct`` under the
    candidate's data key (``fairscreen.rating.content``): the light, its reasons, every finding
    with its provenance, what was excluded and why, what was not checked, and how many records
    each source returned. In clear: only which check, which version, when, and under which
    rule set and policy pack. The commitment covers the ciphertext, so the ledger vouches for
    the content without anyone learning it from the log."""

    __committed__ = ("request_id", "version", "ruleset", "policy", "issued_at", "content_ct")
    __events__ = (EventType.REPORT_ISSUED,)
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    ruleset: Mapped[str] = mapped_column(String(40))
    policy: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_ct: Mapped[bytes] = mapped_column(Sealed)


class ReportTally(Base):
    """How many reports an employer received per month, light and rule: the statistics the
    regulator needs, kept as aggregates instead of per-person ledger attributes. A tally has no
    link to any check or person and survives erasure; cells below ``fairscreen.rating.tallies
    .MIN_CELL`` are shown suppressed. ``rule`` is empty on the row that counts reports by light."""

    __tablename__ = "report_tallies"

    employer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    ruleset: Mapped[str] = mapped_column(String(40), primary_key=True)
    light: Mapped[str] = mapped_column(String(8), primary_key=True)
    rule: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
