from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Committed, Sealed


class Finding(Base, Committed):
    """What verification made of a source record: verified (and so ratable) or excluded, why.

    ``ref`` names the source record (``court_records:CASE-1``); ``provenance`` says which source,
    which query, when and on which identity keys it matched. ``detail_ct`` is the personal
    content, sealed under the candidate's data key; it is absent for records excluded as a
    forbidden category or a name-only match, which are never kept."""

    __committed__ = (
        "request_id",
        "ref",
        "item",
        "status",
        "code",
        "subtype",
        "occurred_on",
        "ongoing",
        "count",
        "authoritative",
        "exclusion",
        "provenance",
        "detail_ct",
    )
    __tablename__ = "findings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("check_requests.id", ondelete="CASCADE"), index=True
    )
    ref: Mapped[str] = mapped_column(String(140))
    item: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # verified | excluded
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    subtype: Mapped[str | None] = mapped_column(String(40), nullable=True)
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ongoing: Mapped[bool] = mapped_column(Boolean)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    authoritative: Mapped[bool] = mapped_column(Boolean)
    exclusion: Mapped[str | None] = mapped_column(String(40), nullable=True)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    detail_ct: Mapped[bytes | None] = mapped_column(Sealed, nullable=True)
    commitment_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
