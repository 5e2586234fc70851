from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime


class SourceQuery(Base, Committed):
    """One question asked of one source for one item of one check request (no answers here)."""

    __committed__ = ("request_id", "item", "source", "queried_at", "records")
    __tablename__ = "source_queries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    queried_at: Mapped[datetime] = mapped_column(UTCDateTime())
    records: Mapped[int] = mapped_column(Integer)
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
