from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, UTCDateTime
from fairscreen.ledger.entry import EventType


class SourceQuery(Base, Committed):
    """One question asked of one source for one item of one check request. Only the question:
    what came back (how many records, which) is part of the sealed report."""

    __committed__ = ("request_id", "item", "source", "queried_at")
    __events__ = (EventType.SOURCE_QUERIED,)
    __tablename__ = "source_queries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    queried_at: Mapped[datetime] = mapped_column(UTCDateTime())
