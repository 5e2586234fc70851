from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, UTCDateTime


class SourceQuery(Base):
    """One question asked of one source for one item of one check request (no answers here)."""

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

    def committed_fields(self) -> dict[str, Any]:
        return {
            "request": self.request_id,
            "item": self.item,
            "source": self.source,
            "queried_at": self.queried_at,
            "records": self.records,
        }
