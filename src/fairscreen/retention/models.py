from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime


class DestroyedSubject(Base):
    """A ledger subject (candidate pseudonym) whose personal data was destroyed, and by which
    destruction certificate. ``fairscreen ledger verify`` accepts a missing off-log record when
    its entry's subject is listed here, and reports any other missing record as tampering."""

    __tablename__ = "destroyed_subjects"

    subject: Mapped[str] = mapped_column(String(32), primary_key=True)
    certificate_id: Mapped[str] = mapped_column(
        ForeignKey("destruction_certificates.id"), index=True
    )


class DestructionCertificate(Base, Committed):
    """What was destroyed, when and under which rule; no personal data. Its commitment is on the
    ledger as a ``data.destroyed`` entry."""

    __committed__ = ("reason", "rule", "destroyed_at", "subjects")
    __tablename__ = "destruction_certificates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))  # retention_expired | deletion_request
    rule: Mapped[str] = mapped_column(String(80))  # e.g. "cn@2026.1 default_retention_days"
    destroyed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    subjects: Mapped[int] = mapped_column(Integer)
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
