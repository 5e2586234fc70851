from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType


class Consent(Base, Committed):
    """A signed consent: which items, for what purpose, for whom, for how long. These say what
    was authorised, not what was found, and the ledger's ``consent.signed`` entry publishes the
    same items so a regulator can check every query against them. ``digest`` is SHA-256 of the
    consent document as signed; it also recognises a consent already recorded.

    A consent is never changed: revoking it is a ``ConsentRevocation`` row of its own, and the
    revocation state is read from those rows (committed), never from a column of this one."""

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
    __events__ = (EventType.CONSENT_SIGNED,)
    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("candidate_id", "digest"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
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
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the signed consent document


class ConsentRevocation(Base, Committed):
    """A candidate revoking a consent: its own row, so the consent's commitment never changes."""

    __committed__ = ("consent_id", "revoked_at")
    __events__ = (EventType.CONSENT_REVOKED,)
    __tablename__ = "consent_revocations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consent_id: Mapped[str] = mapped_column(
        ForeignKey("consents.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime())
