from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class Consent(Base):
    """A signed consent. Items, purpose and recipient are not personal; they are in clear so that
    a regulator's inspection can read what was authorised."""

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
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the signed consent document
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))

    def committed_fields(self) -> dict[str, Any]:
        return {
            "items": sorted(self.items),
            "separate_items": sorted(self.separate_items),
            "purpose": self.purpose,
            "recipient": self.recipient_id,
            "agency": self.agency_id,
            "retention_days": self.retention_days,
            "signed_at": self.signed_at,
            "revoked_at": self.revoked_at,
            "digest": self.digest,
        }
