from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class Organisation(Base):
    """A tenant: an employer, a screening agency, a regulator or the platform operator.
    Organisations are not personal data: names are stored in clear. ``totp_required`` makes a
    second factor compulsory for the organisation's staff."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # employer | agency | regulator | platform
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    totp_required: Mapped[bool] = mapped_column(Boolean, server_default=false())


class Position(Base):
    """A position an employer declared, with its category (分類分級) under a policy pack, and
    the screening agency the employer engaged for it (if any): that agency's staff may invite
    candidates for it and run its checks."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("employer_id", "external_ref"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_ref: Mapped[str] = mapped_column(String(64))
    employer_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
