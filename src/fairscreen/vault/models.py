from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fairscreen.kit.db import Base, Sealed, UTCDateTime


class DataKey(Base):
    """A candidate's data key, wrapped by the KEK version ``kek_version`` of ``provider``."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    kek_version: Mapped[str] = mapped_column(String(40), index=True)
    wrapped: Mapped[bytes] = mapped_column(Sealed)  # the data key, wrapped by the KEK
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
