from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime


class Consent(Base, Committed):
    """A signed consent. Items, purpose and recipient are not personal; they are in clear so that
    a regulator's inspection can read what was authorised."""

    __committed__ = (
        "candidate_id",
        "items",
        "separate_items",
        "purpose",
        "recipient_id",
        "agency_id",
        "retention_days",
        "signed_at",
        "digest",
    )
    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[str] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    items: Mapped[list[str]] = mapped_column(JSON)
    separate_items: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    retention_days: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Mutable, so not committed: each revocation is its own committed row (ConsentRevocation).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the signed consent document
    ledger_index: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # consent.signed
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))


class ConsentRevocation(Base, Committed):
    """A candidate revoking a consent: its own row, so the consent's commitment never changes."""

    __committed__ = ("consent_id", "revoked_at")
    __tablename__ = "consent_revocations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
